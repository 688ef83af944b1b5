"""nbgrader's documented behaviour where the course's grader replaces nbgrader's (issue 26),
through the real nbgrader command line and API, on an instructor's notebook that does not
follow the course's conventions: partial credit, data files in sub-folders, files the
notebook writes (hostile input), names hidden tests read, optional metadata, db_url, rich outputs
(an attacker's HTML, an image, Markdown) in autograded/, formgrader's page and the feedback page."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from helpers import formgrader_page, run_nbgrader
from nbgrader.tests import create_grade_cell, create_locked_cell, create_solution_cell

from course.grading import batch_report
from course.layout import ROOT

_spec = importlib.util.spec_from_file_location("grader_attacks", ROOT / "tests" / "corpus" / "integrity"
                                               / "grader_attacks.py")
attacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attacks)

pytestmark = pytest.mark.slow

HIDDEN = "### BEGIN HIDDEN TESTS\n{}\n### END HIDDEN TESTS"
ANSWER = textwrap.dedent("""\
    import os, pathlib
    x = 1
    os.makedirs("out", exist_ok=True)
    pathlib.Path("out/result.csv").write_text("a,b\\n1,2\\n")
    os.symlink("/etc/passwd", "link.txt")
    with open("huge.bin", "wb") as f:
        f.truncate(17 * 2**20)
    pathlib.Path("p1.ipynb.bak").write_text("kept")
    """)
# Rich outputs of a student's cell, an attacker's: they reach autograded/, formgrader's page and
# the feedback page, harmless (course.grading.displays).
DISPLAYS = textwrap.dedent(f"""\
    from IPython.display import HTML, Image, Markdown, display
    display(HTML("<b>bold kept</b> " + {attacks.MARKDOWN_ATTACK!r}))
    display(Image(data=b"\\x89PNG\\r\\n\\x1a\\n" + bytes(64)))
    display(Markdown("## Rich title\\n\\n[a link](javascript:alert(1))"))
    """)


def _source_notebook():
    cells = [
        create_locked_cell("import math\ndata = [1, 2, 3]", "code", "setup"),
        create_solution_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "code", "answer"),
        create_solution_cell("### BEGIN SOLUTION\npass\n### END SOLUTION", "code", "displays"),
        # a cell worth 2 whose last expression is 1: nbgrader gives it 1 point
        create_grade_cell("x", "code", "partial_visible", 2),
        # the value of the hidden part's last expression is the cell's: 0.5 of 2
        create_grade_cell("assert True\n" + HIDDEN.format("x / 2"), "code", "partial_hidden", 2),
        # a data file in a sub-folder, and a module that is a link to the course's (as tools.py is)
        create_grade_cell("from shared import VALUE\nwith open('data/values.txt') as f:\n"
                          "    assert f.read().strip() == str(VALUE)", "code", "data_file", 1),
        # names of a read-only cell, not answer cells: a setup variable and a module
        create_grade_cell("assert True\n" + HIDDEN.format("assert sum(data) == 6 and math.isclose(x, 1)"),
                          "code", "setup_names", 1),
        create_grade_cell("assert True\n" + HIDDEN.format("assert never_defined == 1"), "code", "bad_test", 1),
    ]
    for cell in cells:  # as nbgrader's example notebooks: no optional "task" flag
        cell.metadata.nbgrader.pop("task", None)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _course(folder):
    folder.mkdir(parents=True)
    for name in ("nbgrader_config.py", "course.toml"):
        shutil.copy(ROOT / name, folder)
    source = folder / "source" / "ps1"
    (source / "data").mkdir(parents=True)
    (source / "data" / "values.txt").write_text("3\n")
    (folder / "shared.py").write_text("VALUE = 3\n")
    (source / "shared.py").symlink_to("../../shared.py")
    nbformat.write(_source_notebook(), source / "p1.ipynb")
    result = run_nbgrader(folder, "generate_assignment", "ps1", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    release = nbformat.read(folder / "release" / "ps1" / "p1.ipynb", as_version=4)
    for cell in release.cells:
        cell.metadata.get("nbgrader", {}).pop("task", None)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
            cell.source = ANSWER
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "displays":
            cell.source = DISPLAYS
    submitted = folder / "submitted" / "alice" / "ps1"
    submitted.mkdir(parents=True)
    nbformat.write(release, submitted / "p1.ipynb")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = _course(tmp_path_factory.mktemp("behaviour") / "course")
    result = run_nbgrader(course, "autograde", "ps1", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    return course


def _scores(course, db_url=None):
    from nbgrader.api import Gradebook

    with Gradebook(db_url or f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook("p1", "ps1", "alice")
        return {g.name: (g.score, g.max_score) for g in submission.grades}


def _report(course):
    return (course / "reports" / "autograde-ps1.txt").read_text()


def test_a_test_cell_whose_value_is_a_number_scores_that_number(graded):
    scores = _scores(graded)
    assert scores["partial_visible"] == (1, 2)
    assert scores["partial_hidden"] == (0.5, 2)


def test_data_files_in_sub_folders_are_given_to_the_students_code(graded):
    assert _scores(graded)["data_file"] == (1, 1)


def test_hidden_tests_get_the_names_they_read_from_read_only_cells(graded):
    assert _scores(graded)["setup_names"] == (1, 1)


def test_a_name_no_cell_defines_is_the_assignments_error_in_the_batch_report(graded):
    assert _scores(graded)["bad_test"] == (0, 1)
    data = batch_report.load(graded, "ps1").everyone()["alice"]
    errors = [m for kind, m in data.problems if kind == batch_report.ASSIGNMENT_ERROR]
    assert errors and "never_defined" in errors[0] and "bad_test" in errors[0]
    nb = nbformat.read(graded / "autograded" / "alice" / "ps1" / "p1.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "bad_test")
    student_line = next(o for o in cell.outputs if o.output_type == "error").traceback[0]
    assert "not your mistake" in student_line and "not defined (did its cell" not in student_line


def test_files_the_notebook_writes_come_back_as_plain_files_only(graded):
    folder = graded / "autograded" / "alice" / "ps1"
    assert (folder / "out" / "result.csv").read_text() == "a,b\n1,2\n"
    assert (folder / "p1.ipynb.bak").read_text() == "kept"
    assert not os.path.lexists(folder / "link.txt") and not os.path.lexists(folder / "huge.bin")
    assert (folder / "data" / "values.txt").read_text() == "3\n"   # nbgrader's copy, not replaced
    report = _report(graded)
    assert "link.txt, which was not copied to autograded/: it is a link" in report
    assert "huge.bin, which was not copied to autograded/: it is over the size or number limits" in report


def test_absent_optional_metadata_is_not_reported_as_a_repair(graded):
    assert "had been altered" not in _report(graded)


def test_through_nbgraders_api_with_another_db_url(tmp_path):
    """formgrader's autograde button: nbgrader's API in-process, with a configured db_url."""
    course = _course(tmp_path / "course")
    db_url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    shutil.move(course / "gradebook.db", tmp_path / "elsewhere.db")
    script = textwrap.dedent(f"""
        from traitlets.config.loader import PyFileConfigLoader
        from nbgrader.apps.api import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        config = PyFileConfigLoader("nbgrader_config.py", path={str(course)!r}).load_config()
        config.CourseDirectory.root = {str(course)!r}
        config.CourseDirectory.db_url = {db_url!r}
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        result = api.autograde("ps1", "alice", force=True)
        assert result["success"], result
        """)
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    result = subprocess.run([sys.executable, "-c", script], cwd=course, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _scores(course, db_url)["partial_visible"] == (1, 2)
    report = _report(course)
    assert "not part of the assignment" not in report and "is missing" not in report, report
    assert json.loads((course / "reports" / "autograde-ps1.json").read_text())["assignment"] == "ps1"


def _displays_cell(nb):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "displays")


def test_html_an_image_and_markdown_reach_autograded_sanitised(graded):
    nb = nbformat.read(graded / "autograded" / "alice" / "ps1" / "p1.ipynb", as_version=4)
    html, image, markdown = [o.data for o in _displays_cell(nb).outputs]
    assert html["text/html"].startswith("<b>bold kept</b> Notes") and attacks.what_runs(html["text/html"]) == []
    assert image["image/png"].startswith("iVBORw0KGgo")
    assert '<h2 id="Rich-title">Rich title' in markdown["text/html"] and attacks.what_runs(markdown["text/html"]) == []


def test_formgraders_page_of_the_submission_runs_none_of_its_outputs(graded):
    """The page formgrader makes of autograded/ (nbgrader's template, nbconvert's exporter), as
    its handler does: it renders a cell's HTML output as it is."""
    from bs4 import BeautifulSoup

    page = formgrader_page(graded, "alice")
    outputs = "".join(map(str, BeautifulSoup(page, "html.parser").select(".output_area")))
    assert "bold kept" in outputs and "Rich title" in outputs and "data:image/png;base64,iVBORw0KGgo" in outputs
    assert attacks.what_runs(outputs) == []


@pytest.fixture(scope="module")
def feedback_page(graded):
    result = run_nbgrader(graded, "generate_feedback", "ps1", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    return (graded / "feedback" / "alice" / "ps1" / "p1.html").read_text()


def test_html_an_image_and_markdown_reach_the_feedback_page_sanitised(feedback_page):
    from bs4 import BeautifulSoup

    outputs = "".join(map(str, BeautifulSoup(feedback_page, "html.parser").select(".jp-OutputArea")))
    assert "bold kept" in outputs and "Rich title" in outputs and "data:image/png;base64,iVBORw0KGgo" in outputs
    assert attacks.what_runs(outputs) == []
