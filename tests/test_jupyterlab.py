"""The student's path: Binder's environment, and JupyterLab in a real browser.

Fast tests read what Binder would build from repo2docker itself (its Dockerfile, rendered
without Docker, and its base environment). The slow tests build the student environment
as Binder does (a venv with the Jupyter stack of repo2docker's base environment,
environment.yml's pins on top, then postBuild) on a scratch copy of the repository, start
JupyterLab from its root, and walk through the warm-up notebook in Debian's Chromium:
run everything, answer one exercise by typing into its cell, press Validate and read
the verdict. Screenshots are saved under the test's folder (and under $SCREENSHOTS
when it is set: that is how docs/screenshots/ is refreshed).
"""
import ast
import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser import chromium, console_errors, save_screenshot, wait_until_answering

from course import notebooks, site
from course.layout import ROOT

STUDENT_NOTEBOOK = "release/warmup/warmup.ipynb"   # what the Binder link opens
TEST_SUITE_MARKER = "# for the test suite"           # requirements.txt: what follows is not for students
# Parts of nbgrader a student on Binder must not see (postBuild switches them off).
INSTRUCTOR_COMMANDS = ("nbgrader:open-formgrader", "nbgrader:open-create-assignment", "nbgrader:open-course-list")
# The exercise the walk-through answers, and a correct answer typed on one line
# (the editor indents what follows a newline by itself, as it does for a person).
EXERCISE, ANSWER = "reverse", "def reverse(Z): return Z[::-1]"
SERVER_START = 120  # seconds
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "site", "autograded", "feedback", "reports",
                                     "gradebook.db", "demo", "submitted", "__pycache__", "*.egg-info", ".ipynb_checkpoints",
                                     ".pytest_cache", "results")


# --- the pins --------------------------------------------------------------

def pins(text):
    """``{name: version}`` of the ``name==version`` lines of a requirements file or environment.yml."""
    return dict(re.findall(r"^\s*-?\s*([A-Za-z0-9_.-]+)==([^\s#]+)", text, re.MULTILINE))


def student_pins(requirements):
    """The pins of requirements.txt above the test suite's: what a student needs."""
    return pins(re.split(rf"^{TEST_SUITE_MARKER}", requirements, maxsplit=1, flags=re.MULTILINE)[0])


def binder_pins():
    return pins((ROOT / "environment.yml").read_text())


def test_pins_are_read_from_both_formats():
    assert pins("numpy==2.4.6\n# x\npytest==9.2.0  # tests\n") == {"numpy": "2.4.6", "pytest": "9.2.0"}
    assert pins("dependencies:\n  - pip:\n      - numpy==2.4.6\n") == {"numpy": "2.4.6"}
    assert student_pins(f"numpy==2.4.6\n{TEST_SUITE_MARKER}\npytest==9.2.0\n") == {"numpy": "2.4.6"}


def test_binder_pins_are_the_student_part_of_requirements():
    requirements = (ROOT / "requirements.txt").read_text()
    assert binder_pins() == student_pins(requirements)
    assert student_pins(requirements) != pins(requirements)  # the marker is there: extras exist
    # and a Binder file that drifted is caught
    drifted = (ROOT / "environment.yml").read_text().replace("numpy==", "numpy==1.")
    assert pins(drifted) != student_pins(requirements)


# --- what a student's server imports ----------------------------------------

def imported_modules(path):
    """Top-level names of the modules a Python file imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def requirement_closure(roots):
    """The installed distributions that ``roots`` pull in, with their own requirements (lower-case names)."""
    seen, todo = set(), [r.lower() for r in roots]
    while todo:
        name = re.split(r"[\s\[<>=!~;(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in seen:
            continue
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional requirement that is not installed
        seen.add(name)
        todo += [r for r in requires if "extra ==" not in r]
    return seen


def missing_for_students(files, student_distributions):
    """Modules imported by ``files`` that neither the standard library, the course nor the
    student's distributions provide: ``{module: distributions that do}``."""
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for path in files:
        for module in imported_modules(path):
            if module in sys.stdlib_module_names or module == "course":
                continue
            dists = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
            if not dists & student_distributions:
                missing[module] = sorted(dists)
    return missing


def server_side_files():
    """What Validate loads in a student's server: nbgrader_config.py and the modules of the
    course package it imports, directly or through them (instructor commands such as
    course.build, course.site or course.classgrade are not among them)."""
    # the worker is not imported but started (python -m course.grading.worker) by the session
    found, todo = [], [ROOT / "nbgrader_config.py", ROOT / "course" / "grading" / "worker.py"]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.append(path)
        package = path.parent.relative_to(ROOT).parts if path.parent != ROOT else ()
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = list(package[:len(package) - node.level + 1]) if node.level else []
                module = base + (node.module.split(".") if node.module else [])
                names = [".".join(module)] + [".".join(module + [a.name]) for a in node.names]
            for name in names:
                if not name.startswith("course"):
                    continue
                parts = name.split(".")
                for candidate in (ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")):
                    if candidate.is_file():
                        todo.append(candidate)
                # a package's __init__ runs first
                for i in range(1, len(parts)):
                    init = ROOT.joinpath(*parts[:i], "__init__.py")
                    if init.is_file():
                        todo.append(init)
    return sorted(found)


def test_a_student_server_imports_nothing_that_only_the_instructor_has(tmp_path):
    students = requirement_closure(binder_pins())
    assert {"numpy", "nbgrader", "jupyterlab", "ipykernel"} <= students
    assert "pytest" not in students and "selenium" not in students
    files = server_side_files()
    assert ROOT / "course" / "grading" / "checks.py" in files and ROOT / "course" / "build.py" not in files
    assert missing_for_students(files, students) == {}
    # an import of an instructor-only package is caught
    extra = tmp_path / "extra.py"
    extra.write_text("import numpy\nimport selenium.webdriver\nfrom . import x\n")
    assert missing_for_students([extra], students) == {"selenium": ["selenium"]}


# --- the Binder link --------------------------------------------------------

def test_the_binder_link_opens_the_warmup_notebook():
    url = site.binder_url(STUDENT_NOTEBOOK)
    assert url.startswith("https://mybinder.org/v2/gh/") and url.endswith(
        "?labpath=" + STUDENT_NOTEBOOK.replace("/", "%2F"))
    assert (ROOT / STUDENT_NOTEBOOK).is_file()
    readme = (ROOT / "README.md").read_text()
    assert f"]({url})" in readme  # the badge's link
    assert re.search(r"\[!\[[^]]*Binder[^]]*\]\([^)]*badge[^)]*\)\]\(" + re.escape(url) + r"\)", readme)


# --- what Binder builds: repo2docker's own plan ------------------------------
# repo2docker, Binder's builder, renders its Dockerfile without Docker (--no-build): what
# it installs, in which order and as which user, read from the real tool.
BINDER_FILES = ("environment.yml", "postBuild", "requirements.txt", "pyproject.toml")
# the Jupyter part of repo2docker's base environment (conda names), and their PyPI names
BINDER_BASE_STACK = r"(jupyter|notebook|nbconvert|nbformat|nbclient|ipykernel|ipython$|traitlets)"
CONDA_TO_PYPI = {"jupyterhub-base": "jupyterhub", "nbconvert-core": "nbconvert"}


def binder_plan(folder):
    """(what repo2docker says, the Dockerfile it would build) for the repository in ``folder``."""
    repo2docker = Path(sys.executable).parent / "repo2docker"
    result = subprocess.run([str(repo2docker), "--no-build", "--no-run", "--debug", str(folder)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    log = result.stdout + result.stderr
    return log, log[log.index("FROM "):]


def binder_files(folder, without=()):
    folder.mkdir(exist_ok=True)
    for name in BINDER_FILES:
        if name not in without:
            shutil.copy(ROOT / name, folder / name)
    return folder


def environment_python():
    return re.search(r"^\s*-\s*python=(\S+)", (ROOT / "environment.yml").read_text(), re.MULTILINE).group(1)


def test_binder_installs_environment_yml_then_runs_postbuild_as_the_student(tmp_path):
    log, dockerfile = binder_plan(binder_files(tmp_path / "repository"))
    assert f"Building conda environment for python={environment_python()}" in log
    assert '--file "environment.yml"' in dockerfile
    assert "requirements.txt" not in dockerfile        # the instructor's extras are not installed
    copied = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")   # the whole repository
    post_build = dockerfile.index("RUN ./postBuild")
    assert copied < post_build                          # postBuild's `pip install -e .` finds the course
    users = re.findall(r"^USER (\S+)", dockerfile[:post_build], re.MULTILINE)
    assert users[-1] == "${NB_USER}"                     # not root: postBuild writes only to the env


def test_without_environment_yml_binder_would_install_the_instructors_requirements(tmp_path):
    _, dockerfile = binder_plan(binder_files(tmp_path / "repository", without=("environment.yml",)))
    assert '"environment.yml"' not in dockerfile and "requirements.txt" in dockerfile


def binder_base_pins():
    """The Jupyter part of the environment that repo2docker starts from (its lock for
    environment.yml's Python on linux-64), as ``{PyPI name: version}``: the server, JupyterLab,
    notebook, JupyterHub's single-user server and the extensions that Binder adds."""
    import importlib.util

    package = Path(importlib.util.find_spec("repo2docker").origin).parent   # found, not imported
    lock = package / "buildpacks" / "conda" / f"environment.py-{environment_python()}-linux-64.lock"
    found = {}
    for name, version, build in re.findall(r"/noarch/([^/\s]+)-([^-/\s]+)-([^-/\s]+)\.(?:conda|tar\.bz2)#",
                                           lock.read_text()):
        if build.startswith("py") and re.match(BINDER_BASE_STACK, name):
            found[CONDA_TO_PYPI.get(name, name)] = version
    return found


def test_binders_base_environment_is_read_from_repo2docker():
    base = binder_base_pins()
    assert {"jupyterlab", "notebook", "jupyter_server", "jupyterhub", "nbconvert", "ipykernel"} <= set(base)
    assert all(re.fullmatch(r"[0-9][0-9a-z.]*", version) for version in base.values())


# --- the student environment, as Binder builds it -----------------------------

def cache_folder():
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "advanced-numpy"


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock on ``path`` (another test run waits for this one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def student_venv():
    """A venv built as Binder builds its environment, cached between runs (key: the pins, the
    base and this Python): first the Jupyter stack of repo2docker's base environment, then
    environment.yml's pip section on top with ``pip install -U`` (what ``mamba env update``
    does with it). Built in place and marked complete last, so a build that was cut short
    is redone."""
    wanted, base = sorted(binder_pins().items()), sorted(binder_base_pins().items())
    key = hashlib.sha256(json.dumps([wanted, base, sys.version]).encode()).hexdigest()[:16]
    venv = cache_folder() / f"student-venv-{key}"
    done = venv / ".complete"
    if done.exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + [f"{name}=={version}" for name, version in base], check=True)
    subprocess.run(pip + ["-U"] + [f"{name}=={version}" for name, version in wanted], check=True)
    done.write_text("\n".join(f"{n}=={v}" for n, v in wanted) + "\n")
    return venv


def student_environ(venv, home):
    """The environment a Binder server has: the student venv first on PATH, a home of its own."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "IPYTHON"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv), HOME=str(home),
               JUPYTER_CONFIG_DIR=str(home / ".jupyter"), JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / ".ipython"))
    # pip keeps the user's download cache (postBuild's install needs setuptools for its build)
    env.setdefault("PIP_CACHE_DIR", str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pip"))
    return env


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(repository, env, log):
    """JupyterLab started from ``repository`` as Binder starts it; yields its base URL and token."""
    port, token = free_port(), secrets.token_hex(16)
    command = ["jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")  # a CI container is root; Binder's user is not
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=repository, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START
        wait_until_answering(server, f"{base}/api/status?token={token}", log, "JupyterLab", lambda: deadline)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def scratch_copy(folder):
    """The repository as a Binder clone has it (no venv, no generated folders)."""
    shutil.copytree(ROOT, folder, ignore=COPY_IGNORE, symlinks=True)
    return folder


@pytest.fixture(scope="module")
def student_setup(tmp_path_factory):
    """A scratch repository with postBuild applied to the (cached) student venv.

    The lock is held until the module's tests are done: the venv's editable install of
    the course points into this scratch copy."""
    with locked(cache_folder() / "student-venv.lock"):
        venv = student_venv()
        repository = scratch_copy(tmp_path_factory.mktemp("binder") / "repository")
        home = tmp_path_factory.mktemp("home")
        env = student_environ(venv, home)
        build = subprocess.run(["bash", "postBuild"], cwd=repository, env=env, capture_output=True, text=True)
        assert build.returncode == 0, build.stdout + build.stderr
        yield repository, env


def python_in(env, code, python="python"):
    return subprocess.run([python, "-c", code], env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_the_pins_and_binders_base_environment_agree(student_setup):
    _, env = student_setup
    check = subprocess.run(["python", "-m", "pip", "check"], env=env, capture_output=True, text=True)
    # postBuild installs the course with --no-deps: its metadata lists the instructor's pins too
    conflicts = [line for line in check.stdout.splitlines() if not line.startswith("course ")]
    assert conflicts == [] and not check.stderr, check.stdout + check.stderr
    installed = python_in(env, "import jupyterlab, nbgrader, numpy; print(jupyterlab.__version__,"
                               " nbgrader.__version__, numpy.__version__)").stdout.split()
    pins = binder_pins()
    assert installed == [pins["jupyterlab"], pins["nbgrader"], pins["numpy"]]


@pytest.mark.slow
def test_the_student_environment_has_the_course_but_not_the_instructors_extras(student_setup):
    repository, env = student_setup
    assert python_in(env, "import course.grading, nbgrader, numpy").returncode == 0
    for extra in ("pytest", "selenium", "latex2mathml"):
        result = python_in(env, f"import {extra}")
        assert "ModuleNotFoundError" in result.stderr, extra
    # the same probe finds them in the instructor's environment
    assert python_in(dict(os.environ), "import pytest, selenium, latex2mathml", sys.executable).returncode == 0


# --- JupyterLab in the browser ------------------------------------------------

def flat(text):
    return " ".join(text.split())


def instructor_panels(driver):
    """Which of nbgrader's instructor tools the page offers: its menu, the create-assignment
    side panel, and the commands of the command palette (opened as a person does)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    found = set()
    if "Nbgrader" in [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")]:
        found.add("Nbgrader menu")
    for tab in driver.find_elements(By.CSS_SELECTOR, ".jp-SideBar .lm-TabBar-tab"):
        if "Create Assignment" in (tab.get_attribute("title") or ""):
            found.add("Create Assignment panel")
    ActionChains(driver).key_down(Keys.CONTROL).key_down(Keys.SHIFT).send_keys("c") \
        .key_up(Keys.SHIFT).key_up(Keys.CONTROL).perform()
    palette = driver.find_elements(By.CSS_SELECTOR, ".lm-CommandPalette-item")
    assert len(palette) > 50, "the command palette did not open"
    found |= {e.get_attribute("data-command") for e in palette} & set(INSTRUCTOR_COMMANDS)
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    return found


def open_notebook(driver, base, token, path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/lab/tree/{path}?token={token}")  # Binder's ?labpath= lands here
    kernel_idle(driver, timeout=120)
    for button in driver.find_elements(By.XPATH, "//*[contains(@class, 'jp-Notification')]//button"
                                                 "[normalize-space()='No']"):
        button.click()  # "get notified about Jupyter news?": a student says no
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"))


def kernel_idle(driver, timeout=60):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: "| Idle" in d.find_element(By.ID, "jp-main-statusbar").text)


def cell_errors(cells):
    """``{index: error text}`` of the notebook cells (DOM elements) that show an error."""
    from selenium.webdriver.common.by import By

    errors = {}
    for index, cell in enumerate(cells):
        shown = cell.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type="
                                                    "'application/vnd.jupyter.stderr']")
        if shown:
            errors[index] = flat(" ".join(e.get_attribute("textContent") for e in shown))
    return errors


def executed(cell):
    from selenium.webdriver.common.by import By

    prompt = cell.find_elements(By.CSS_SELECTOR, ".jp-InputPrompt")
    return bool(prompt) and re.fullmatch(r"\[\d+\]:", prompt[0].get_attribute("textContent").strip()) is not None


def validate(driver):
    """Press Validate, wait for nbgrader's verdict and return the dialog's text (then close it)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.XPATH, "//*[contains(@class, 'jp-Toolbar')]//*[self::button or self::jp-button]"
                                  "[normalize-space()='Validate']").click()
    dialog = WebDriverWait(driver, 300).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Dialog"))[0]
    text = dialog.find_element(By.CSS_SELECTOR, ".jp-Dialog-content").get_attribute("textContent")
    return dialog, text


def close_dialog(driver, dialog):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    dialog.find_element(By.XPATH, ".//button[normalize-space()='Ok']").click()
    WebDriverWait(driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".jp-Dialog"))


def failed_tests(report, nb):
    """The grade ids of the test cells that nbgrader's Validate report lists as failed.

    Whitespace is left out of the comparison: the dialog shows a cell's lines as separate
    elements, whose text runs together."""
    assert "Validation Results" in report, report[:500]
    squeezed = "".join(report.split())
    return {notebooks.nbgrader_meta(c)["grade_id"] for c in nb.cells
            if notebooks.is_test(c) and "".join(c.source.split()) in squeezed}


def test_failed_tests_reads_nbgraders_report():
    nb = notebooks.read(ROOT / STUDENT_NOTEBOOK)
    tests = [c for c in nb.cells if notebooks.is_test(c)]
    lines = "".join(tests[1].source.splitlines())  # as the dialog's text has them
    report = "Validation ResultsThe following cell failed:" + lines + "---\nNotImplementedError"
    assert failed_tests(report, nb) == {notebooks.nbgrader_meta(tests[1])["grade_id"]}
    assert failed_tests("Validation Results Success! Your notebook passes all the tests.", nb) == set()


@pytest.mark.slow
def test_a_student_answers_an_exercise_and_validates_in_jupyterlab(student_setup, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    repository, env = student_setup
    nb = notebooks.read(repository / STUDENT_NOTEBOOK)
    tests = {notebooks.nbgrader_meta(c)["grade_id"]: i for i, c in enumerate(nb.cells) if notebooks.is_test(c)}
    graded = {g for g, i in tests.items() if notebooks.nbgrader_meta(nb.cells[i]).get("points", 0) > 0}
    answer = next(i for i, c in enumerate(nb.cells) if c.get("id") == EXERCISE and notebooks.is_answer(c))
    mine = {g for g in tests if notebooks.exercise_of(g) == EXERCISE}
    assert mine and graded - mine
    first_test = min(tests.values())

    with jupyterlab(repository, env, tmp_path / "jupyterlab.log") as (base, token), chromium(1400, 1000) as driver:
        open_notebook(driver, base, token, STUDENT_NOTEBOOK)
        # JupyterLab adds the cells to the page a few at a time
        WebDriverWait(driver, 60).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")) == len(nb.cells))
        cells = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")
        assert instructor_panels(driver) == set()

        # Run > Run All Cells: everything runs up to the first visible test, which meets a stub
        driver.find_element(By.XPATH, "//li[contains(@class, 'lm-MenuBar-item')][normalize-space()='Run']").click()
        driver.find_element(By.XPATH, "//li[contains(@class, 'lm-Menu-item')]"
                                      "[.//*[normalize-space()='Run All Cells']]").click()
        WebDriverWait(driver, 120).until(lambda _: first_test in cell_errors(cells))
        kernel_idle(driver)
        errors = cell_errors(cells)
        assert list(errors) == [first_test]
        assert "NotImplementedError" in errors[first_test] and "# YOUR CODE HERE" in errors[first_test]
        code_before = [c for i, c in enumerate(cells[:first_test]) if nb.cells[i].cell_type == "code"]
        assert code_before and all(executed(c) for c in code_before)
        assert not any(executed(c) for c in cells[first_test + 1:])  # Jupyter stops at an error
        save_screenshot(driver, tmp_path, "jupyterlab-run-all.png")

        # Validate the untouched notebook: every exercise fails, this one included
        dialog, report = validate(driver)
        (tmp_path / "validate-untouched.txt").write_text(report)
        assert failed_tests(report, nb) == graded, report[:2000]
        close_dialog(driver, dialog)

        # The student types an answer into the exercise's cell and runs it and its tests
        cell = cells[answer]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
        editor = cell.find_element(By.CSS_SELECTOR, ".cm-content")
        editor.click()
        ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(ANSWER).perform()
        assert flat(editor.get_attribute("textContent")) == ANSWER
        for _ in range(1 + len(mine)):
            ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
        WebDriverWait(driver, 60).until(lambda _: all(executed(cells[tests[g]]) for g in mine))
        kernel_idle(driver)
        assert not set(cell_errors(cells)) & {tests[g] for g in mine}
        save_screenshot(driver, tmp_path, "jupyterlab-answer.png")

        # Validate (which saves first): this exercise's tests pass, the others still fail
        dialog, report = validate(driver)
        (tmp_path / "validate-answered.txt").write_text(report)
        save_screenshot(driver, tmp_path, "jupyterlab-validate.png")
        assert failed_tests(report, nb) == graded - mine, report[:2000]
        assert "NotImplementedError" in report
        close_dialog(driver, dialog)
        assert console_errors(driver) == []
    saved = notebooks.read(repository / STUDENT_NOTEBOOK)
    assert flat(saved.cells[answer].source) == ANSWER


@pytest.mark.slow
def test_the_instructors_lab_shows_the_tools_a_student_does_not_see(student_setup, tmp_path):
    # The instructor's .venv (this Python's), nbgrader's extensions as installed: the same
    # look finds every instructor tool, so an empty answer in the student's lab means absent.
    repository, student_env = student_setup
    instructor = Path(sys.executable).parent.parent
    env = student_environ(instructor, Path(student_env["HOME"]))
    with jupyterlab(repository, env, tmp_path / "jupyterlab.log") as (base, token), chromium(1400, 1000) as driver:
        open_notebook(driver, base, token, STUDENT_NOTEBOOK)
        assert instructor_panels(driver) == {"Nbgrader menu", "Create Assignment panel", *INSTRUCTOR_COMMANDS}
