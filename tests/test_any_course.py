"""Any course on this machinery (issue 23): sections found in source/ in the order course.toml
gives, the course's settings in course.toml, the demo class in demo/ apart from the course's
own class, a `generate` that refuses what nbgrader would refuse halfway, and course.build run
with another Python."""
import copy
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stdout

import nbformat
import pytest
from bs4 import BeautifulSoup
from helpers import make_course, run_nbgrader, submit

from course import build, notebooks, scaffold
from course.layout import ROOT, Config, Course

EXTRA = "extra"   # the fourth section of the tests
ANSWER = "def double(a):\n    \"\"\"Twice a, a new array.\"\"\"\n    ### BEGIN SOLUTION\n    return 2 * a\n    ### END SOLUTION"
TEST = ("import numpy as np\n\nassert (double(np.arange(3)) == [0, 2, 4]).all()\n\n"
        "### BEGIN HIDDEN TESTS\nimport numpy as np\nfrom course.grading import check\n\n"
        "check(double, np.arange(7.0)).agrees_with(lambda a: a + a, mistakes={\n"
        "    \"squares a instead of doubling it\": lambda a: a * a,\n"
        "    \"returns a itself\": lambda a: a})\n"
        "### END HIDDEN TESTS")


def add_section(course, name=EXTRA):
    """A section of one exercise, ``double``: statement, answer cell, a visible and hidden test cell."""
    folder = course / "source" / name
    folder.mkdir(parents=True)
    for helper in ("tools.py", "_tools_render.py"):
        os.symlink(f"../../{helper}", folder / helper)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A fourth section\n\nOne exercise, to show that a new section is"
                                              " graded like the others.", id="md-title"),
                scaffold.cell("code", "setup", "import numpy as np"),
                scaffold.cell("markdown", "double_statement", "### Exercise: `double(a)`\n\nReturn twice `a`."),
                scaffold.cell("code", "double", ANSWER, solution=True, locked=False),
                scaffold.cell("code", "double_test", TEST, grade=True, points=2)]
    nb.metadata["kernelspec"] = dict(notebooks.KERNELSPEC)
    notebooks.write(notebooks.normalize(nb), folder / f"{name}.ipynb")
    return folder / f"{name}.ipynb"


def _state(*paths):
    """Every file under ``paths`` with its bytes' digest (a missing path: None)."""
    state = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        state.update({str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in files})
    return state


# --- sections and course.toml (fast) ----------------------------------------

def test_sections_come_from_source_in_the_order_course_toml_gives(tmp_path):
    for name in ("references", "warmup", "aaa", "zzz", "advanced"):
        (tmp_path / "source" / name).mkdir(parents=True)
        (tmp_path / "source" / name / f"{name}.ipynb").write_text("{}")
    (tmp_path / "source" / "notes").mkdir()   # not a section: no notes/notes.ipynb
    (tmp_path / "source" / "notes" / "other.ipynb").write_text("{}")
    assert Course(tmp_path).sections() == ["aaa", "advanced", "references", "warmup", "zzz"]   # no course.toml
    shutil.copy(ROOT / "course.toml", tmp_path)
    assert Course(tmp_path).sections() == ["warmup", "advanced", "references", "aaa", "zzz"]
    assert Course().sections() == list(Course().config.sections)   # this course names all of its own


def test_course_toml_is_the_one_home_of_the_courses_settings(tmp_path):
    config = Course().config
    assert config.name == "Advanced NumPy" and config.demo is True
    assert config.repository == "advanced-numpy/advanced-numpy"   # the placeholder until it is published
    assert Course(tmp_path).config == Config()   # none: no demo, no Binder link
    (tmp_path / "course.toml").write_text('name = "X"\nrepo = "a/b"\n')
    with pytest.raises(SystemExit, match="unknown settings.*repo"):
        Course(tmp_path).config


# --- course.build with another Python ----------------------------------------

def _other_python():
    """A Python that is not the course's venv and lacks its packages, or skip."""
    for candidate in (getattr(sys, "_base_executable", None), shutil.which("python3", path="/usr/bin")):
        if candidate and subprocess.run([candidate, "-c", "import nbformat"], capture_output=True).returncode:
            return candidate
    pytest.skip("no Python without the course's packages on this machine")


def test_course_build_with_another_python_reexecutes_itself_in_the_venv():
    python = _other_python()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run([python, "-m", "course.build", "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage: python -m course.build" in result.stdout


def test_course_build_without_a_venv_says_in_one_line_what_to_run(tmp_path):
    python = _other_python()
    shutil.copytree(ROOT / "course", tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run([python, "-m", "course.build", "summary"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"python3 {tmp_path / 'make.py'} summary" in lines[0], result.stderr


# --- generate after submissions exist ----------------------------------------

@pytest.mark.slow
# nbgrader's own Gradebook.add_submission adds the submission's rows with SQLAlchemy's autoflush on
@pytest.mark.filterwarnings("ignore:Object of type <Submitted:sqlalchemy.exc.SAWarning")
def test_generate_refuses_a_change_nbgrader_cannot_make_and_touches_nothing(tmp_path, capsys):
    from nbgrader.api import Gradebook

    course = Course(make_course(tmp_path / "course", sections=["references"]))
    build.generate(root=course.root)
    with Gradebook(course.db_url) as gradebook:   # a student has handed in and been graded
        gradebook.add_student("rosa")
        gradebook.add_submission("references", "rosa")
    source = course.source("references")
    original = notebooks.read(source)

    # changing a cell's contents and points is fine: generate goes on
    nb = copy.deepcopy(original)
    test = next(c for c in nb.cells if notebooks.is_test(c))
    test.source = test.source.replace("assert", "assert True\nassert", 1)
    test.metadata.nbgrader["points"] += 1
    notebooks.write(nb, source)
    build.generate(root=course.root)
    assert "assert True" in course.release("references").read_text()

    # adding an exercise is not: the command says so before touching anything
    nb = copy.deepcopy(original)
    for cell in [c for c in nb.cells if notebooks.nbgrader_meta(c).get("grade_id", "").startswith("row_norms")]:
        added = copy.deepcopy(cell)
        added.metadata.nbgrader["grade_id"] = added.id = added.metadata.nbgrader["grade_id"].replace("row_norms", "col_norms")
        nb.cells.append(added)
    notebooks.write(nb, source)
    before = _state(course.release_dir, course.gradebook)
    with pytest.raises(SystemExit) as refused:
        build.generate(root=course.root)
    message = str(refused.value)
    assert "col_norms" in message and "1 submission(s) of references" in message
    assert "changing a cell's contents or its points" in message               # what nbgrader allows
    assert "new assignment name" in message                                     # a way on, and its cost
    assert "nbgrader db assignment remove references --force" in message and "DELETES every grade" in message
    assert _state(course.release_dir, course.gradebook) == before

    # the main job, whose demo class takes the new notebook, keeps the course's release of it
    demo = Course(tmp_path / "demo")
    shutil.copytree(course.source_dir, demo.source_dir, symlinks=True)
    demo.release("references").parent.mkdir(parents=True)
    demo.release("references").write_text("{}")
    build.release_from(demo, course)
    assert "release/references/ kept as it is" in capsys.readouterr().out
    assert _state(course.release_dir, course.gradebook) == before

    # the check is nbgrader's own: run without it, nbgrader fails and leaves no release behind
    result = run_nbgrader(course.root, "generate_assignment", "references", "--force")
    assert result.returncode != 0 and "Cannot add or remove cells" in result.stdout + result.stderr
    assert not course.release("references").exists()


# --- the main job, a fourth section, and the course's own class --------------

@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    """A course with a fourth section, whose own class has a student (rosa, graded, with feedback
    and a report) before the main job runs."""
    course = Course(make_course(tmp_path_factory.mktemp("anycourse"), demo=True))
    add_section(course.root)
    build.generate(root=course.root)
    answers = notebooks.reference_answers(notebooks.read(course.source(EXTRA)))
    submit(course.root, "rosa", EXTRA, notebooks.fill_answers(notebooks.read(course.release(EXTRA)), answers))
    outcome = build.autograde(root=course.root, bar=False)
    assert outcome.complete
    build.feedback(root=course.root)
    build.instructor_report(root=course.root, sections=[EXTRA])
    own = (course.submitted_dir, course.autograded_dir, course.feedback_dir, course.reports_dir, course.gradebook)
    before = _state(*own)
    out = io.StringIO()
    with redirect_stdout(out):
        assert build.main(["all", "--root", str(course.root)]) == 0
    return course, before, _state(*own), out.getvalue()


def _students(course, section):
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        return {s.student_id: s.score for s in gradebook.assignment_submissions(section)}


@pytest.mark.slow
def test_the_main_job_leaves_the_courses_own_class_untouched(main_job):
    course, before, after, _ = main_job
    assert any("rosa" in path for path in before) and str(course.gradebook) in before
    assert after == before
    assert set(_students(course, EXTRA)) == {"rosa"}


@pytest.mark.slow
def test_the_demo_class_has_a_course_folder_of_its_own(main_job):
    course, _, _, printed = main_job
    demo = course.demo()
    assert set(_students(demo, "references")) == {"alice", "bob", "carol", "erin"}
    assert {p.name for p in demo.submitted_dir.iterdir()} == {"alice", "bob", "carol", "dave", "erin"}
    assert demo.report("references").exists() and demo.instructor_report("warmup").exists()
    assert f"Scores of the demo class (in {demo.root}/)" in printed   # outside the working directory: in full


@pytest.mark.slow
def test_a_fourth_section_is_generated_graded_given_feedback_reported_and_published(main_job):
    course, _, _, printed = main_job
    assert course.sections() == ["warmup", "advanced", "references", EXTRA]
    # generate: the course's release, and the gradebook of its own class
    assert "### BEGIN SOLUTION" not in course.release(EXTRA).read_text()
    # autograde, feedback, report: the course's own student, and the demo class
    assert _students(course, EXTRA) == {"rosa": 2.0}
    assert _students(course.demo(), EXTRA) == {"alice": 2.0, "bob": 0.0, "carol": 0.0}
    for where, student in ((course, "rosa"), (course.demo(), "alice"), (course.demo(), "carol")):
        page = where.feedback(student, EXTRA).read_text()
        assert "double" in page and "BEGIN HIDDEN TESTS" not in page
    for where in (course, course.demo()):
        report = where.instructor_report(EXTRA).read_text()
        assert f"{EXTRA}: instructor report" in report
    assert "alice" in course.demo().instructor_report(EXTRA, ".csv").read_text()
    header = next(line for line in printed.splitlines() if "warmup" in line and "advanced" in line)
    assert header.split() == ["warmup", "advanced", "references", EXTRA]
    # the site: its page, its place in the index, its notebook to download
    index = BeautifulSoup((course.site_dir / "index.html").read_text(), "html.parser")
    assert [a["href"] for a in index.select("section.site-section h2 a")] == [
        f"{s}.html" for s in ("warmup", "advanced", "references", EXTRA)]
    assert "A fourth section" in (course.site_dir / f"{EXTRA}.html").read_text()
    assert (course.site_dir / f"{EXTRA}.ipynb").read_bytes() == course.release(EXTRA).read_bytes()
