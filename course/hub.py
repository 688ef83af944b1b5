"""The course on JupyterHub, on one machine: ``python -m course.hub`` (docs/hub.md).

``serve`` sets up and starts the course hub: JupyterHub with Debian's
configurable-http-proxy, one hub account and one Unix user per person of a roster
(CSV: id, first name, last name, e-mail, instructor), each student also in nbgrader's
gradebook, and nbgrader's exchange. Students' servers run as their own Unix user
in their home (mode 0700), with the *Assignments* panel and *Validate* but not
formgrader, create-assignment or the course list; the instructors' servers run as
theirs in the course folder, where the course's ``nbgrader_config.py`` is in force,
and have formgrader. The course folder belongs to root and to the course's graders
group (the instructors), mode 2770: students cannot read it (the source notebooks
hold the hidden tests), instructors can grade by hand in formgrader.

``release``, ``collect`` and ``feedback`` run nbgrader's exchange commands in the
course folder with the hub's exchange (as root, who grades: the sandbox is whole
only for root); ``python -m course.build autograde`` grades in between.

Everything the hub needs is in its state folder (``--state``)::

    hub.json            the settings of serve, read by the other commands
    hub/                JupyterHub's database, cookie secret, config, log (0700)
    jupyter/common/     nbgrader_config.py for everyone: the exchange and the course id
    jupyter/students/   what students' servers load on top: instructor panels off
    jupyter/instructors/ what instructors' servers load on top: the course folder
    homes/<id>/         each user's home (0700)
"""
if __name__ == "__main__":   # before anything the course's venv provides is imported
    from ._venv import use_course_venv

    use_course_venv("course.hub")

import argparse
import csv
import grp
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .layout import ROOT, Course

PROXY = "configurable-http-proxy"
PROXY_PACKAGE = "node-configurable-http-proxy"   # Debian's; .ci/run installs it
# Debian's proxy finds its modules there; a Node.js from elsewhere (NodeSource) does not look there by itself.
DEBIAN_NODE_PATH = ("/usr/share/nodejs", "/usr/lib/nodejs")
# nbgrader's lab plugins and server extensions that only instructors have (students keep
# the assignment list, the menu that opens it, and Validate).
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
UNIX_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
TRUE = {"yes", "y", "true", "1", "x", "instructor"}
DEFAULT_STATE = Path("/srv/advanced-numpy-hub")
DEFAULT_EXCHANGE = Path("/srv/nbgrader/exchange")   # nbgrader's documented place


# --- the roster ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    instructor: bool = False


def _key(header):
    return re.sub(r"[^a-z]+", "_", header.strip().lower()).strip("_")


def read_roster(path):
    """The people of a roster CSV: columns id, first name, last name, e-mail, instructor (any case
    and spacing; 'instructor' is yes/true/1/x for the instructors). Ids become Unix user names."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    people, problems = [], []
    for number, row in enumerate(rows, start=2):
        row = {_key(k): (v or "").strip() for k, v in row.items() if k}
        ident = row.get("id") or row.get("student_id") or row.get("username") or ""
        if not UNIX_NAME.fullmatch(ident):
            problems.append(f"line {number}: id {ident!r} is not a Unix user name (lower case letters, digits, _ -)")
            continue
        people.append(Person(ident, row.get("first_name", ""), row.get("last_name", ""),
                             row.get("e_mail") or row.get("email", ""),
                             row.get("instructor", "").lower() in TRUE))
    ids = [p.id for p in people]
    problems += [f"id {i!r} appears more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
    if people and not any(p.instructor for p in people):
        problems.append("nobody is marked as instructor (column 'instructor': yes)")
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    return people


# --- settings -------------------------------------------------------------------------------
@dataclass
class Settings:
    root: str                 # the course folder
    state: str                # the hub's state folder
    exchange: str             # nbgrader's exchange root
    course_id: str
    group: str                # Unix group of the graders (instructors)
    students: list
    instructors: list
    user_env: str             # the Python environment of every user's server (readable by all)
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    authenticator: str = "pam"

    @classmethod
    def load(cls, state):
        path = Path(state) / "hub.json"
        if not path.exists():
            raise SystemExit(f"{path} does not exist: start the hub first (python -m course.hub serve --state {state})")
        return cls(**json.loads(path.read_text()))

    def save(self):
        path = Path(self.state) / "hub.json"   # names every student: root's only
        path.touch(mode=0o600)
        os.chmod(path, 0o600)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    jupyter = property(lambda self: Path(self.state) / "jupyter")
    homes = property(lambda self: Path(self.state) / "homes")
    hub_dir = property(lambda self: Path(self.state) / "hub")


def course_id_of(root):
    """``c.CourseDirectory.course_id`` of the course's nbgrader_config.py."""
    text = (Path(root) / "nbgrader_config.py").read_text()
    found = re.search(r"""^c\.CourseDirectory\.course_id\s*=\s*["']([^"']+)["']""", text, re.MULTILINE)
    if not found:
        raise SystemExit(f"{root}/nbgrader_config.py sets no c.CourseDirectory.course_id: the exchange needs one")
    return found.group(1)


def proxy_command():
    """Debian's configurable-http-proxy, or None."""
    found = shutil.which(PROXY)
    return [found] if found else None


def proxy_environ(env=None):
    env = dict(os.environ if env is None else env)
    paths = [p for p in env.get("NODE_PATH", "").split(os.pathsep) if p]
    env["NODE_PATH"] = os.pathsep.join(paths + [p for p in DEBIAN_NODE_PATH if p not in paths])
    return env


def proxy_problem():
    """Why the proxy cannot start here (None when it can): run its --version."""
    command = proxy_command()
    if command is None:
        return f"{PROXY} is not installed (apt-get install {PROXY_PACKAGE}; .ci/run does)"
    result = subprocess.run(command + ["--version"], env=proxy_environ(), capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        return f"{command[0]} --version failed: {(result.stderr or result.stdout).strip()[-400:]}"
    return None


# --- the users' Python environment --------------------------------------------------------------
# What the users' servers run: JupyterLab, nbgrader, NumPy, Matplotlib (the student pins of
# requirements.txt), JupyterHub's single-user server, and the course package (the instructors'
# formgrader loads the course's nbgrader_config.py, which imports it; students never import it).
USER_ENV_MARK = ".complete"


def readable_by_anyone(path):
    """Whether every user can reach and read ``path``: every folder above it searchable by others."""
    path = os.path.realpath(path)
    if not os.path.exists(path) or not os.stat(path).st_mode & 0o004:
        return False
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent
        if not os.stat(path).st_mode & 0o001:
            return False


def python_for_users():
    """A Python installation every user can read (its binary and standard library): this one's when
    it can, else the system's python3. A Python under /root (pyenv's, for one) is not: a user's
    server would run its binary with another installation's standard library."""
    import sysconfig

    own = (os.path.realpath(getattr(sys, "_base_executable", sys.executable)), sysconfig.get_paths()["stdlib"])
    if all(readable_by_anyone(p) for p in own):
        return own[0]
    system = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    if system:
        probe = subprocess.run([system, "-c", "import sys, sysconfig, venv, ensurepip; print(sys.version_info >= (3, 11),"
                                          " sysconfig.get_paths()['stdlib'])"], capture_output=True, text=True)
        fields = probe.stdout.split()
        if probe.returncode == 0 and fields[:1] == ["True"] and readable_by_anyone(system) and readable_by_anyone(fields[1]):
            return system
    raise SystemExit(f"No Python >= 3.11 that every user can read: {own[0]} is not (its folders are private), and"
                     " the system's python3 is missing, older or lacks venv (apt-get install python3-venv).")


def user_requirements(root=ROOT):
    """The student pins of requirements.txt and the JupyterHub pin."""
    lines = (Path(root) / "requirements.txt").read_text().splitlines()
    student = lines[:next(i for i, line in enumerate(lines) if line.startswith("# for the test suite"))]
    pins = [line.split("#")[0].strip() for line in student if re.match(r"^[A-Za-z0-9_.\[\]-]+==", line)]
    pins += [line.split("#")[0].strip() for line in lines if line.startswith("jupyterhub==")]
    return pins


def ensure_user_env(env, python=None, root=ROOT):
    """The users' environment in ``env`` (made once; again when the pins or the Python change)."""
    env = Path(env)
    python = python or python_for_users()
    wanted = json.dumps([python, user_requirements(root), str(Path(root).resolve())])
    mark = env / USER_ENV_MARK
    if mark.exists() and mark.read_text() == wanted:
        _no_news_question(env)
        return env
    print(f"  the users' environment: {env} (from {python}; the first time takes a few minutes)", flush=True)
    shutil.rmtree(env, ignore_errors=True)
    env.parent.mkdir(parents=True, exist_ok=True)
    old = os.umask(0o022)   # readable by every user
    try:
        subprocess.run([python, "-m", "venv", str(env)], check=True)
        pip = [str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run(pip + user_requirements(root), check=True)
        subprocess.run(pip + ["--no-deps", "-e", str(Path(root).resolve())], check=True)
    finally:
        os.umask(old)
    _no_news_question(env)
    mark.write_text(wanted)
    return env


def _no_news_question(env):
    """JupyterLab's settings for every user of ``env``: no toast asking to fetch Jupyter's news
    (it covers the Assignments tab on a student's first login; the hub's admins follow releases)."""
    settings = env / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(
        {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}, indent=1))
    for path in (settings.parent, settings, settings / "overrides.json"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


# --- Unix users, folders, permissions -------------------------------------------------------
def _run(*command):
    subprocess.run(command, check=True, capture_output=True, text=True)


def ensure_group(name):
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run("groupadd", name)
        return grp.getgrnam(name).gr_gid


def ensure_user(person, home):
    """The person's Unix user (created if missing, with a home of mode 0700 and no password:
    with PAM, the administrator sets one with passwd or chpasswd)."""
    try:
        entry = pwd.getpwnam(person.id)
    except KeyError:
        home.parent.mkdir(parents=True, exist_ok=True)
        comment = f"{person.first_name} {person.last_name}".strip()[:60].replace(":", " ")
        _run("useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group",
             "--comment", comment or person.id, person.id)
        entry = pwd.getpwnam(person.id)
    os.chmod(entry.pw_dir, 0o700)
    return entry


def add_to_group(user, group):
    if user not in grp.getgrnam(group).gr_mem and pwd.getpwnam(user).pw_gid != grp.getgrnam(group).gr_gid:
        _run("usermod", "--append", "--groups", group, user)


def share_with_graders(root, gid):
    """The course folder for root and the graders only: root:group, folders 2770 (new files keep
    the group), files readable and writable by the group, nothing for others."""
    root = Path(root)
    for path in [root, *root.rglob("*")]:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            continue   # the helpers in source/<section>/ are links to files of the course
        os.chown(path, 0, gid)
        if stat.S_ISDIR(st.st_mode):
            os.chmod(path, 0o2770)
        else:
            os.chmod(path, (st.st_mode & 0o770) | 0o660)


def make_exchange(exchange):
    """nbgrader's exchange root, writable by everyone as nbgrader documents (chmod ugo+rw), with the
    sticky bit: only its owner can rename or remove the course's folder in it."""
    exchange = Path(exchange)
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, 0o1777)


def write_jupyter_config(settings):
    """JUPYTER_CONFIG_PATH folders: common (exchange, course id), students (instructor panels
    off), instructors (the course folder as nbgrader's course root)."""
    common, students, instructors = (settings.jupyter / name for name in ("common", "students", "instructors"))
    for folder in (settings.jupyter, common, students, students / "labconfig", instructors):
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)
    files = {
        common / "nbgrader_config.py": (
            "# written by python -m course.hub: the exchange of the course hub\n"
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {settings.course_id!r}\n"
            f"c.Exchange.root = {settings.exchange!r}\n"),
        students / "jupyter_server_config.json": json.dumps(
            {"ServerApp": {"jpserver_extensions": {name: False for name in INSTRUCTOR_SERVER_EXTENSIONS}}}, indent=1),
        students / "labconfig" / "page_config.json": json.dumps(
            {"disabledExtensions": {name: True for name in INSTRUCTOR_PLUGINS},
             "lockedExtensions": {name: True for name in INSTRUCTOR_PLUGINS}}, indent=1),
        instructors / "nbgrader_config.py": (
            "# written by python -m course.hub: formgrader grades the course folder\n"
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.root = {settings.root!r}\n"),
    }
    for path, text in files.items():
        path.write_text(text)
        os.chmod(path, 0o644)


def add_to_gradebook(root, people):
    """Every student of the roster in nbgrader's gradebook (names and e-mail updated)."""
    from nbgrader.api import Gradebook

    with Gradebook(Course(root).db_url) as gradebook:
        for person in people:
            if not person.instructor:
                gradebook.update_or_create_student(person.id, first_name=person.first_name,
                                                   last_name=person.last_name, email=person.email or None)


# --- JupyterHub's configuration ----------------------------------------------------------------
HUB_CONFIG = '''# written by python -m course.hub from {state}/hub.json: edit that command's options, not this file
import json, pwd

settings = json.load(open({settings_file!r}))
c = get_config()  # noqa: F821
c.JupyterHub.ip = settings["ip"]
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{{settings['proxy_api_port']}}"
c.ConfigurableHTTPProxy.command = {proxy!r}
c.JupyterHub.db_url = "sqlite:///{hub_dir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{hub_dir}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{hub_dir}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True     # the servers end with the hub
c.JupyterHub.authenticator_class = settings["authenticator"]
c.Authenticator.allowed_users = set(settings["students"]) | set(settings["instructors"])
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep = ["LANG", "LC_ALL"]   # not the hub's PATH: each server gets its own environment's
c.Spawner.cmd = [settings["user_env"] + "/bin/jupyterhub-singleuser"]
# No news feed nor update check from a course's servers (with _no_news_question: nothing asks).
c.Spawner.args = ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]


def pre_spawn(spawner):
    name = spawner.user.name
    instructor = name in settings["instructors"]
    env = settings["user_env"]
    config = [settings["state"] + "/jupyter/" + ("instructors" if instructor else "students"),
              settings["state"] + "/jupyter/common"]
    spawner.cmd = [env + "/bin/jupyterhub-singleuser"]
    spawner.environment = {{
        "PATH": env + "/bin:/usr/local/bin:/usr/bin:/bin",   # nbgrader runs alembic from PATH
        "JUPYTER_CONFIG_PATH": ":".join(config),
        "VIRTUAL_ENV": env,
    }}
    spawner.notebook_dir = settings["root"] if instructor else pwd.getpwnam(name).pw_dir


c.Spawner.pre_spawn_hook = pre_spawn

# Your own settings last (an OAuthenticator's client id and secret, TLS, ...): {state}/jupyterhub_config_extra.py
import os
if os.path.exists({extra!r}):
    load_subconfig({extra!r})  # noqa: F821
'''


def write_hub_config(settings):
    settings.hub_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.hub_dir, 0o700)
    path = settings.hub_dir / "jupyterhub_config.py"
    path.write_text(HUB_CONFIG.format(state=settings.state, settings_file=str(Path(settings.state) / "hub.json"),
                                      hub_dir=settings.hub_dir, proxy=proxy_command(),
                                      extra=str(Path(settings.state) / "jupyterhub_config_extra.py")))
    return path


# --- the commands ----------------------------------------------------------------------------------
def setup(roster, root=ROOT, state=DEFAULT_STATE, exchange=DEFAULT_EXCHANGE, group=None, user_env=None,
          ip="127.0.0.1", port=8000, hub_port=8081, proxy_api_port=8001, authenticator="pam"):
    """Everything ``serve`` needs, done again safely at each start: Unix users and group, the course
    folder's permissions, the gradebook's students, the exchange, the Jupyter and hub configs."""
    if os.geteuid() != 0:
        raise SystemExit("python -m course.hub serve runs as root: it creates a Unix user per person of the roster"
                         " and starts each server as its user (JupyterHub's LocalProcessSpawner)")
    root, state = Path(root).resolve(), Path(state).resolve()
    people = read_roster(roster)
    course_id = course_id_of(root)
    user_env = ensure_user_env(Path(user_env) if user_env else state / "env")
    settings = Settings(root=str(root), state=str(state), exchange=str(Path(exchange).resolve()),
                        course_id=course_id, group=group or f"{course_id}-graders"[:32],
                        students=[p.id for p in people if not p.instructor],
                        instructors=[p.id for p in people if p.instructor],
                        user_env=str(user_env.resolve()), ip=ip, port=port, hub_port=hub_port,
                        proxy_api_port=proxy_api_port, authenticator=authenticator)
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)
    settings.homes.mkdir(exist_ok=True)
    os.chmod(settings.homes, 0o755)
    gid = ensure_group(settings.group)
    for person in people:
        ensure_user(person, settings.homes / person.id)
        if person.instructor:
            add_to_group(person.id, settings.group)
    add_to_gradebook(root, people)
    share_with_graders(root, gid)
    make_exchange(settings.exchange)
    write_jupyter_config(settings)
    settings.save()
    return settings, write_hub_config(settings)


def serve(args):
    problem = proxy_problem()
    if problem:
        raise SystemExit(f"JupyterHub's proxy cannot start: {problem}")
    settings, config = setup(args.roster, root=args.root, state=args.state, exchange=args.exchange,
                             group=args.group, user_env=args.user_env, ip=args.ip, port=args.port,
                             hub_port=args.hub_port, proxy_api_port=args.proxy_api_port,
                             authenticator=args.authenticator)
    print(f"  course hub: http://{settings.ip}:{settings.port}/ ({len(settings.students)} students,"
          f" instructors {', '.join(settings.instructors)}; state in {settings.state})", flush=True)
    command = [str(Path(sys.prefix) / "bin" / "jupyterhub"), "-f", str(config)]
    env = proxy_environ()
    env["PATH"] = str(Path(sys.prefix) / "bin") + os.pathsep + env.get("PATH", "")
    sys.stdout.flush()
    os.chdir(settings.hub_dir)
    os.execve(command[0], command, env)   # the hub is this process: ending its PID ends the hub and its servers


def exchange_nbgrader(settings, *args, check=True):
    """nbgrader in the course folder with the hub's exchange (its common config on the config path).
    New files get the graders group (the folders' setgid bit) and group write (umask 007)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_CONFIG_PATH"] = str(settings.jupyter / "common")
    old = os.umask(0o007)
    try:
        result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=settings.root, env=env)
    finally:
        os.umask(old)
    if check and result.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit {result.returncode})")
    return result.returncode


def _parser():
    parser = argparse.ArgumentParser(prog="python -m course.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve_ = commands.add_parser("serve", help="set up the class from a roster and start the course hub (as root)")
    serve_.add_argument("--roster", required=True, type=Path, metavar="CSV",
                        help="id, first name, last name, e-mail, instructor (yes for instructors)")
    serve_.add_argument("--root", type=Path, default=ROOT, metavar="FOLDER", help="the course folder")
    serve_.add_argument("--exchange", type=Path, default=DEFAULT_EXCHANGE, help="nbgrader's exchange root")
    serve_.add_argument("--group", help="Unix group of the graders (default: <course id>-graders)")
    serve_.add_argument("--user-env", metavar="FOLDER",
                        help="the Python environment of the users' servers, made if missing or outdated"
                             " (default: STATE/env), readable by every user")
    serve_.add_argument("--ip", default="127.0.0.1", help="where the hub listens (default 127.0.0.1)")
    serve_.add_argument("--port", type=int, default=8000)
    serve_.add_argument("--hub-port", type=int, default=8081)
    serve_.add_argument("--proxy-api-port", type=int, default=8001)
    serve_.add_argument("--authenticator", default="pam",
                        help="JupyterHub authenticator: pam (Unix passwords, the default), shared-password,"
                             " native (jupyterhub-nativeauthenticator) or an OAuthenticator class")
    for name, text in [("release", "nbgrader release_assignment: students can fetch SECTION"),
                       ("collect", "nbgrader collect: the submissions into submitted/ (through the file gate)"),
                       ("feedback", "nbgrader generate_feedback and release_feedback: students can fetch it")]:
        command = commands.add_parser(name, help=text)
        command.add_argument("section", metavar="SECTION")
    for command in commands.choices.values():
        command.add_argument("--state", type=Path, default=DEFAULT_STATE, help="the hub's state folder")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    settings = Settings.load(args.state)
    if args.command == "release":
        exchange_nbgrader(settings, "release_assignment", args.section, "--force")
    elif args.command == "collect":
        exchange_nbgrader(settings, "collect", args.section, "--update")
    elif args.command == "feedback":
        exchange_nbgrader(settings, "generate_feedback", args.section, "--force", "--log-level=ERROR")
        exchange_nbgrader(settings, "release_feedback", args.section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
