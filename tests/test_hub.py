"""The course hub (course.hub, docs/hub.md): a semester's loop on JupyterHub, in a browser.

Fast tests read rosters and check the exchange's gate on collect. The slow ones run real
nbgrader: a collect that meets a link to another student's submission, and the walk of one
assignment for two students on a hub started by ``python -m course.hub serve`` on 127.0.0.1
(real Unix users, PAM passwords, Debian's configurable-http-proxy and Chromium): student A
fetches, answers, validates and submits in JupyterLab, student B submits typical mistakes
with nbgrader's commands as B; the instructor collects, autogrades with the course's command,
grades by hand in formgrader, returns feedback; A reads it; B can read nothing of A's.
Screenshots (hub-assignments.png, hub-feedback.png) go to the test's folder and $SCREENSHOTS.
"""
import contextlib
import grp
import hashlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from browser import chromium, save_screenshot, wait_until_answering
from helpers import make_course
from test_jupyterlab import close_dialog, failed_tests, flat, free_port, kernel_idle, locked, validate

from course import build, demo, hub, notebooks
from course.grading import submission_files
from course.layout import ROOT, Course

SECTION = "warmup"
EXERCISE, ANSWER = "reverse", "def reverse(Z): return Z[::-1]"
HUB_START = 60      # seconds, once the users' environment exists
USERS_ENV_BUILD = 900   # seconds: making the users' environment the first time (pip)
USERS_ENV_CACHE = Path("/var/cache/advanced-numpy")   # root's, readable by all (not ~/.cache: /root is private)
ROSTER_HEADER = "ID,First name,Last name,E-mail,Instructor\n"


# --- the roster -----------------------------------------------------------------------------
def test_a_roster_gives_people_and_marks_the_instructors(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_HEADER + "ada,Ada,Lovelace,ada@example.org,\nbo,Bo,,bo@example.org,no\n"
                                      "pat,Pat,Prof,pat@example.org,yes\n")
    people = hub.read_roster(roster)
    assert [(p.id, p.instructor) for p in people] == [("ada", False), ("bo", False), ("pat", True)]
    assert people[0] == hub.Person("ada", "Ada", "Lovelace", "ada@example.org", False)


@pytest.mark.parametrize("rows, message", [
    ("Ada,Ada,L,a@x.org,\npat,P,P,p@x.org,yes\n", "not a Unix user name"),
    ("ada,Ada,L,a@x.org,\nada,A,L,a@x.org,\npat,P,P,p@x.org,yes\n", "more than once"),
    ("ada,Ada,L,a@x.org,\n", "nobody is marked as instructor"),
])
def test_a_roster_that_cannot_make_accounts_is_refused(tmp_path, rows, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_HEADER + rows)
    with pytest.raises(SystemExit, match=message):
        hub.read_roster(roster)


# --- the grader's comment on the feedback page ---------------------------------------------------
def test_the_feedback_page_shows_the_graders_comment_escaped_and_not_nbgraders_no_response():
    import nbformat

    from course import feedback_page

    nb = nbformat.v4.new_notebook()
    for grade_id, comment in (("f", "Good <b>work</b>"), ("g", "No response."), ("h", None)):
        cell = nbformat.v4.new_code_cell(f"def {grade_id}(): pass", id=grade_id)
        cell.metadata.nbgrader = {"solution": True, "grade": False, "grade_id": grade_id, "locked": False,
                                  "schema_version": 3, "comment": comment}
        nb.cells.append(cell)
    html, _ = feedback_page.FeedbackExporter().from_notebook_node(
        nb, resources={"nbgrader": {"notebook": "x", "score": 1, "max_score": 2, "late_penalty": 0}})
    assert html.count('class="feedback-comment"') == 1
    assert "<strong>Your grader's comment:</strong> Good &lt;b&gt;work&lt;/b&gt;</p>" in html


# --- the gate on collect ----------------------------------------------------------------------
def test_collect_refuses_a_link_and_a_folder_claimed_for_someone_else(tmp_path):
    inbound = tmp_path / "inbound"
    other = "nobody" if os.geteuid() == 0 else "root"   # a Unix user who does not own what this test makes
    me = pwd.getpwuid(os.geteuid()).pw_name
    clean = inbound / f"{me}+warmup+2026-12-01 10:00:00.000000 UTC+abc"
    linked = inbound / f"{me}+warmup+2026-12-01 10:00:00.000000 UTC+def"
    claimed = inbound / f"{other}+warmup+2026-12-01 10:00:00.000000 UTC+ghi"
    for folder in (clean, linked, claimed):
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    (clean / "warmup.ipynb").write_text("{}")
    (claimed / "warmup.ipynb").write_text("{}")
    (linked / "warmup.ipynb").symlink_to(clean / "warmup.ipynb")
    assert submission_files.collect_problems(clean) == []
    assert submission_files.collect_problems(linked) == ["warmup.ipynb is a symbolic link, not a file"]
    assert submission_files.collect_problems(claimed) == [f"the folder claims to be {other}'s but belongs to {me}"]
    assert submission_files.collect_problems(claimed, check_owner=False) == []
    (inbound / f"{me}+warmup+x+link").symlink_to(clean)
    assert "symbolic link" in submission_files.collect_problems(inbound / f"{me}+warmup+x+link")[0]


@pytest.mark.slow
def test_collect_through_the_exchange_refuses_a_link_to_another_students_submission(tmp_path):
    course = make_course(tmp_path / "course", sections=[SECTION])
    build.generate(root=course)
    exchange = tmp_path / "exchange"
    hub.make_exchange(exchange)
    flag = f"--Exchange.root={exchange}"
    build.nbgrader("release_assignment", SECTION, flag, root=course, quiet=True)
    alice = tmp_path / "alice"   # nbgrader submits as this process's Unix user: alice is that user here
    alice.mkdir()
    me = pwd.getpwuid(os.geteuid()).pw_name
    env = dict(build.tool_environ(), JUPYTER_DATA_DIR=str(alice / ".data"))
    for command in ("fetch_assignment", "submit"):
        result = subprocess.run([sys.executable, "-m", "nbgrader", command, SECTION, "--course=advanced-numpy", flag],
                                cwd=alice, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    inbound = exchange / "advanced-numpy" / "inbound"
    (alices,) = inbound.glob(f"{me}+{SECTION}+*")
    # bob writes a folder into the inbound folder himself (it is writable by everyone), whose
    # notebook is a link to alice's submission
    bobs = inbound / ("bob+" + alices.name.split("+", 1)[1].rsplit("+", 1)[0] + "+bobrandom")
    bobs.mkdir()
    (bobs / "timestamp.txt").write_text((alices / "timestamp.txt").read_text())
    (bobs / f"{SECTION}.ipynb").symlink_to(alices / f"{SECTION}.ipynb")
    result = build.nbgrader("collect", SECTION, flag, root=course, quiet=True)
    log = result.stdout + result.stderr
    assert "NOT COLLECTED" in log and "is a symbolic link" in log and bobs.name in log, log
    assert Course(course).submitted(me, SECTION).is_file()
    assert not Course(course).submission("bob", SECTION).exists()


# --- the hub in a browser ---------------------------------------------------------------------
def as_user(name, command, env=None, cwd=None, check=True):
    """Run ``command`` as the Unix user ``name`` (their groups, home and USER)."""
    entry = pwd.getpwnam(name)
    env = dict(env or {}, HOME=entry.pw_dir, USER=name, LOGNAME=name)
    env.setdefault("PATH", "/usr/bin:/bin")
    result = subprocess.run(command, user=entry.pw_uid, group=entry.pw_gid,
                            extra_groups=os.getgrouplist(name, entry.pw_gid), env=env, cwd=cwd or entry.pw_dir,
                            capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def student_environ(settings):
    """A student's shell: the students' environment and config, as their server has them."""
    return {"PATH": f"{settings.user_env}/bin:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": f"{settings.state}/jupyter/students:{settings.state}/jupyter/common"}


def end_processes_of(uids):
    """End, by PID, every process left running by these users (the hub normally ends them)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    os.kill(int(entry.name), 9)
            except (OSError, ProcessLookupError):
                pass


def users_env():
    """Where the users' environment is kept between runs (it takes minutes to make): a folder
    every user can read, one per checkout and pins."""
    key = hashlib.sha256(json.dumps([str(ROOT), hub.user_requirements()]).encode()).hexdigest()[:12]
    return USERS_ENV_CACHE / f"hub-env-{key}"


@contextlib.contextmanager
def course_hub(tmp_path):
    """A course hub on 127.0.0.1 for one instructor and two students with fresh Unix users;
    yields (base URL, settings, {role: (id, password)}, course folder). Removes the users after."""
    if os.geteuid() != 0:
        pytest.skip("the course hub creates Unix users and starts servers as them: it needs root")
    problem = hub.proxy_problem()
    if problem:
        pytest.skip(f"JupyterHub's proxy cannot start here: {problem}")
    suffix = secrets.token_hex(3)
    people = {"a": f"ada{suffix}", "b": f"bo{suffix}", "prof": f"pat{suffix}"}
    passwords = {role: secrets.token_urlsafe(12) for role in people}
    group = f"graders{suffix}"
    # under /tmp, traversable by the users (pytest's tmp_path is not): their homes and the exchange
    USERS_ENV_CACHE.mkdir(parents=True, exist_ok=True)
    hold = locked(USERS_ENV_CACHE / "hub-env.lock")   # one hub test at a time makes or uses it
    hold.__enter__()
    scratch = Path(tempfile.mkdtemp(prefix="course-hub-", dir="/tmp"))
    os.chmod(scratch, 0o755)
    process, log = None, tmp_path / "hub.log"
    try:
        course = make_course(scratch / "course", demo=True, sections=[SECTION])
        build.generate(root=course)
        roster = scratch / "roster.csv"
        roster.write_text(ROSTER_HEADER + f"{people['a']},Ada,Lovelace,ada@example.org,\n"
                                          f"{people['b']},Bo,Builder,bo@example.org,\n"
                                          f"{people['prof']},Pat,Prof,pat@example.org,yes\n")
        port = free_port()
        command = [sys.executable, "-m", "course.hub", "serve", "--roster", str(roster), "--root", str(course),
                   "--user-env", str(users_env()),
                   "--state", str(scratch / "state"), "--exchange", str(scratch / "exchange"), "--group", group,
                   "--port", str(port), "--hub-port", str(free_port()), "--proxy-api-port", str(free_port())]
        with open(log, "w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=build.tool_environ())
        base = f"http://127.0.0.1:{port}"
        setup_deadline, started = time.monotonic() + USERS_ENV_BUILD, []

        def deadline():
            if not started and "course hub:" in log.read_text():   # set up, the users' environment made
                started.append(time.monotonic() + HUB_START)
            return started[0] if started else setup_deadline

        wait_until_answering(process, f"{base}/hub/api", log, "the hub", deadline)
        subprocess.run(["chpasswd"], input="".join(f"{people[r]}:{passwords[r]}\n" for r in people),
                       text=True, check=True)
        settings = hub.Settings.load(scratch / "state")
        yield base, settings, {role: (people[role], passwords[role]) for role in people}, course
    finally:
        if process is not None:
            process.terminate()   # the hub (serve execs it): it stops the servers and the proxy it started
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        uids = set()
        for name in people.values():
            with contextlib.suppress(KeyError):
                uids.add(pwd.getpwnam(name).pw_uid)
        end_processes_of(uids)
        for name in people.values():
            subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        for name in people.values():   # each user's own group, if userdel left it
            with contextlib.suppress(KeyError):
                grp.getgrnam(name)
                subprocess.run(["groupdel", name], capture_output=True)
        if log.exists():
            shutil.copy(log, tmp_path / "hub-log.txt")
        (tmp_path / "gradebooks.txt").write_text("\n".join(   # which gradebook.db exist, for a failure's reader
            f"{oct(p.stat().st_mode)} {p.stat().st_uid}:{p.stat().st_gid} {p}" for p in scratch.rglob("gradebook.db")))
        shutil.rmtree(scratch, ignore_errors=True)
        hold.__exit__(None, None, None)


def patient(driver, timeout):
    """A wait that looks again when JupyterLab redraws what it was looking at."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def login(driver, base, user, password):
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/hub/logout")
    driver.get(f"{base}/hub/login")
    patient(driver, 30).until(lambda d: d.find_elements(By.ID, "username_input"))
    driver.find_element(By.ID, "username_input").send_keys(user)
    driver.find_element(By.ID, "password_input").send_keys(password)
    driver.find_element(By.ID, "login_submit").click()
    patient(driver, 180).until(lambda d: f"/user/{user}/lab" in d.current_url)
    patient(driver, 120).until(lambda d: d.find_elements(By.ID, "jp-main-statusbar"))
    with contextlib.suppress(Exception):   # "get notified about Jupyter news?": a student says no
        patient(driver, 5).until(lambda d: d.find_elements(
            By.XPATH, "//*[contains(@class, 'jp-Notification')]//button[normalize-space()='No']"))[0].click()


def open_assignments(driver):
    """Nbgrader > Assignment List: the Assignments panel, once its lists have loaded."""
    from selenium.webdriver.common.by import By

    patient(driver, 60).until(lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
                                               if e.text == "Nbgrader"])[0].click()
    patient(driver, 10).until(lambda d: d.find_elements(
        By.XPATH, "//li[contains(@class, 'lm-Menu-item')][.//*[normalize-space()='Assignment List']]"))[0].click()
    patient(driver, 60).until(lambda d: d.find_elements(By.ID, "released_assignments_list")
                                    and not [e for e in d.find_elements(By.CSS_SELECTOR, "[id$=_list_loading]")
                                             if e.is_displayed()])


def button_in(driver, list_id, label, timeout=60):
    from selenium.webdriver.common.by import By

    return patient(driver, timeout).until(lambda d: [
        b for b in d.find_elements(By.CSS_SELECTOR, f"#{list_id} button") if b.text.strip() == label])[0]


def instructor_commands(driver):
    """nbgrader's instructor commands in the command palette (opened as a person does)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.CONTROL).key_down(Keys.SHIFT).send_keys("c") \
        .key_up(Keys.SHIFT).key_up(Keys.CONTROL).perform()
    read = "return [...document.querySelectorAll('.lm-CommandPalette-item')].map(e => e.dataset.command)"
    seen = set()

    def filled(d):   # once open, the palette holds every command (the nbgrader ones among the last)
        seen.update(d.execute_script(read))
        return len(seen) > 50 and "nbgrader:open-assignment-list" in seen

    patient(driver, 30).until(filled)
    palette = seen
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    assert "nbgrader:open-assignment-list" in palette, sorted(palette)[:20]
    return palette & {"nbgrader:open-formgrader", "nbgrader:open-create-assignment", "nbgrader:open-course-list"}


def answer_and_validate(driver, base, student, nb):
    """Open the fetched notebook, type the answer into the exercise, run it, press Validate."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{base}/user/{student}/lab/tree/{SECTION}/{SECTION}.ipynb")
    kernel_idle(driver, timeout=120)
    patient(driver, 60).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")) == len(nb.cells))
    cells = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")
    answer = next(i for i, c in enumerate(nb.cells) if c.get("id") == EXERCISE and notebooks.is_answer(c))
    cell = cells[answer]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    editor = cell.find_element(By.CSS_SELECTOR, ".cm-content")
    editor.click()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(ANSWER).perform()
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    kernel_idle(driver)
    dialog, report = validate(driver)
    close_dialog(driver, dialog)
    return report


@pytest.mark.slow
def test_a_semester_on_the_course_hub(tmp_path):
    started = time.monotonic()
    with course_hub(tmp_path) as (base, settings, people, course), chromium(1400, 1000) as driver:
        with dumped_on_failure(driver, tmp_path):
            walk(driver, tmp_path, base, settings, people, course)
    print(f"hub walk: {time.monotonic() - started:.0f} s")


@contextlib.contextmanager
def dumped_on_failure(driver, folder):
    """On a failure, the page the browser shows (source and picture) into the test's folder."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            driver.switch_to.default_content()
            (folder / "failure.html").write_text(driver.page_source)
            driver.save_screenshot(str(folder / "failure.png"))
        raise


def walk(driver, tmp_path, base, settings, people, course):
    from nbgrader.api import Gradebook
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    (a, a_password), (b, b_password), (prof, prof_password) = people["a"], people["b"], people["prof"]
    state = ["--state", settings.state]
    hub_command = [sys.executable, "-m", "course.hub"]

    # students cannot read the course folder (hidden tests, gradebook) nor each other's homes
    for path in (course, Path(settings.homes) / a):
        assert oct(os.stat(path).st_mode & 0o007) == "0o0", path

    # the instructor releases the warmup
    subprocess.run(hub_command + ["release", SECTION, *state], check=True, capture_output=True,
                   env=build.tool_environ())

    # student A: the Assignments tab, Fetch, answer one exercise, Validate, Submit
    login(driver, base, a, a_password)
    assert instructor_commands(driver) == set()
    open_assignments(driver)
    button_in(driver, "released_assignments_list", "Fetch").click()
    button_in(driver, "fetched_assignments_list", "Submit")
    release_nb = notebooks.read(Course(course).release(SECTION))
    report = answer_and_validate(driver, base, a, release_nb)
    tests = {notebooks.nbgrader_meta(c)["grade_id"] for c in release_nb.cells if notebooks.is_test(c)
             and notebooks.nbgrader_meta(c).get("points", 0) > 0}
    mine = {t for t in tests if notebooks.exercise_of(t) == EXERCISE}
    assert mine and failed_tests(report, release_nb) == tests - mine, report[:2000]
    driver.get(f"{base}/user/{a}/lab")
    patient(driver, 120).until(lambda d: d.find_elements(By.ID, "jp-main-statusbar"))
    open_assignments(driver)
    button_in(driver, "fetched_assignments_list", "Submit").click()
    patient(driver, 60).until(lambda d: [e for e in d.find_elements(
        By.CSS_SELECTOR, "#submitted_assignments_list .list_item") if SECTION in e.text])
    save_screenshot(driver, tmp_path, "hub-assignments.png")

    # student B hands in typical mistakes (the demo class's bob), with nbgrader's commands as B
    b_env = student_environ(settings)
    as_user(b, ["nbgrader", "fetch_assignment", SECTION], env=b_env)
    b_notebook = Path(pwd.getpwnam(b).pw_dir) / SECTION / f"{SECTION}.ipynb"
    filled = notebooks.fill_answers(notebooks.read(b_notebook), demo.answers(Course(course), SECTION, "bob"))
    # and, as students do, B edits the test of an exercise he got wrong so that it passes
    edited = next(c for c in filled.cells if notebooks.is_test(c) and notebooks.exercise_of(
        notebooks.nbgrader_meta(c)["grade_id"]) == "border_ones")
    edited_id = notebooks.nbgrader_meta(edited)["grade_id"]
    edited.source = "assert True"
    subprocess.run([f"{settings.user_env}/bin/python", "-c", "import sys; open(sys.argv[1], 'w')"
                    ".write(sys.stdin.read())", str(b_notebook)], input=notebooks.dumps(filled), text=True,
                   user=b, group=pwd.getpwnam(b).pw_gid, check=True)
    as_user(b, ["nbgrader", "submit", SECTION], env=b_env)

    # the instructor collects and autogrades with the course's command
    subprocess.run(hub_command + ["collect", SECTION, *state], check=True, env=build.tool_environ())
    grading = subprocess.run([sys.executable, "-m", "course.build", "autograde", SECTION, "--root", str(course)],
                             env=build.tool_environ(), capture_output=True, text=True)
    assert grading.returncode == 0, grading.stdout + grading.stderr
    with Gradebook(Course(course).db_url) as gradebook:
        scores = {s.student_id: s.score for s in gradebook.assignment_submissions(SECTION)}
    assert set(scores) == {a, b} and 0 < scores[a] < scores[b], scores
    # collected through the exchange, B's submission was repaired as a local one is (RepairSubmission):
    # the edited test ran as the instructor wrote it, with its hidden part, in the grader
    assert f"warmup {b}: graded after a repair" in grading.stderr, grading.stderr   # the progress lines
    assert f"{b}  test cell {edited_id} had been edited; the original was run." in grading.stdout  # the report
    with Gradebook(Course(course).db_url) as gradebook:
        grades = {g.name: g.score for g in gradebook.find_submission_notebook(SECTION, SECTION, b).grades}
    assert grades[edited_id] == 0, grades

    # formgrader in the instructor's server: both submissions with their scores; a comment and
    # a manual adjustment (a point of extra credit) on A's
    login(driver, base, prof, prof_password)
    assert instructor_commands(driver) >= {"nbgrader:open-formgrader", "nbgrader:open-create-assignment"}
    gradebook_page = f"{base}/user/{prof}/formgrader/gradebook/{SECTION}/{SECTION}"
    driver.get(gradebook_page)
    links = patient(driver, 60).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, "a[href*='/formgrader/submissions/']") if "Builder" in d.page_source else [])
    driver.find_element(By.XPATH, "//button[normalize-space()='Show All Names']").click()
    table = flat(driver.find_element(By.TAG_NAME, "body").text)
    (tmp_path / "formgrader-gradebook.txt").write_text(table)
    for last_name, student in (("Lovelace", a), ("Builder", b)):
        assert f"{last_name}" in table and f"{scores[student]:g}" in table, (student, table)
    row = driver.find_element(By.XPATH, "//tr[contains(., 'Lovelace')]")
    driver.get(row.find_element(By.CSS_SELECTOR, "a[href*='/formgrader/submissions/']").get_attribute("href"))
    comment_box = patient(driver, 60).until(lambda d: d.find_elements(By.ID, f"{EXERCISE}-comment"))[0]
    graded_test = sorted(mine)[0]
    extra = driver.find_element(By.ID, f"{graded_test}_extra_credit")
    comment = "Right: Z[::-1] is a view, no copy is made."
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", comment_box)
    comment_box.click()
    comment_box.send_keys(comment)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", extra)
    extra.click()
    extra.send_keys("1")
    comment_box.click()   # leaving a field saves it
    driver.save_screenshot(str(tmp_path / "formgrader-grading.png"))

    def saved():
        with Gradebook(Course(course).db_url) as gradebook:
            submission = gradebook.find_submission(SECTION, a)
            notebook = submission.notebooks[0]
            comments = {c.name: c.manual_comment for c in notebook.comments}
            extras = {g.name: g.extra_credit for g in notebook.grades}
            return comments.get(EXERCISE), extras.get(graded_test), submission.score

    patient(driver, 30).until(lambda _: saved()[:2] == (comment, 1))
    assert saved()[2] == scores[a] + 1
    driver.get(gradebook_page)
    patient(driver, 60).until(lambda d: "Lovelace" in d.page_source)
    driver.find_element(By.XPATH, "//button[normalize-space()='Show All Names']").click()
    row = patient(driver, 30).until(lambda d: d.find_elements(By.XPATH, "//tr[contains(., 'Lovelace')]"))[0]
    assert f"{scores[a] + 1:g}" in row.text, row.text

    # the instructor generates and releases the feedback; A fetches it from Assignments and opens it
    subprocess.run(hub_command + ["feedback", SECTION, *state], check=True, env=build.tool_environ())
    login(driver, base, a, a_password)
    open_assignments(driver)
    button_in(driver, "submitted_assignments_list", "Fetch Feedback").click()
    patient(driver, 60).until(lambda d: [e for e in d.find_elements(
        By.CSS_SELECTOR, "#submitted_assignments_list a") if "view feedback" in e.text])[0].click()

    def open_page(d):   # double-click the page in the file browser, which redraws as it fills
        for item in d.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item"):
            if item.text.startswith(f"{SECTION}.html"):
                ActionChains(d).double_click(item).perform()
                return True
        return False

    patient(driver, 30).until(open_page)
    frame = patient(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-HTMLViewer iframe"))[0]
    driver.switch_to.frame(frame)
    page = patient(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").text)
    driver.switch_to.default_content()
    (tmp_path / "feedback.txt").write_text(page)
    save_screenshot(driver, tmp_path, "hub-feedback.png")
    assert f"{scores[a] + 1:g}" in page and comment in page, page[:2000]
    source = notebooks.read(Course(course).source(SECTION))
    parts = [notebooks.split_hidden_tests(c.source) for c in source.cells if notebooks.is_test(c)]
    visible = "\n".join(c.source for c in release_nb.cells)   # what every student has anyway
    hidden = [line.strip() for _, part in parts for line in part.splitlines()
              if len(line.strip()) > 20 and line.strip() not in visible]
    assert hidden and not [line for line in hidden if line in page]
    assert "HIDDEN TESTS" not in page

    # B cannot list or read A's files: home, the exchange's inbound and feedback, nor the course
    exchange = Path(settings.exchange) / settings.course_id
    a_home = Path(pwd.getpwnam(a).pw_dir)
    (a_feedback,) = a_home.glob(f"{SECTION}/feedback/*/{SECTION}.html")
    paths = [a_home, a_home / SECTION / f"{SECTION}.ipynb", a_feedback, exchange / "inbound", exchange / "feedback",
             Path(course), Path(course) / "gradebook.db", Course(course).source(SECTION)]
    probe = ("import json, os, sys\nfound = {}\nfor p in sys.argv[1:]:\n    try:\n"
             "        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n        found[p] = 'read'\n"
             "    except PermissionError:\n        found[p] = 'denied'\nprint(json.dumps(found))")
    for path in paths:
        assert path.exists(), path
    seen = json.loads(as_user(b, [f"{settings.user_env}/bin/python", "-c", probe, *map(str, paths)]).stdout)
    assert seen == {str(p): "denied" for p in paths}, seen
