"""Intake (course.grading.intake) on its own, without running nbgrader: a one-exercise
assignment whose gradebook nbgrader's own preprocessors fill in this process. What is
malformed is found, the grader's copy is repaired, and each finding reaches the batch
report. Whole batches through `nbgrader autograde`: test_malformed.py."""
import atexit
import json
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ComputeChecksums, SaveCells

from course import build, notebooks
from course.grading import batch_report, intake
from course.grading.batch_report import AS_HANDED_IN, NOT_GRADED, REPAIRED
from course.layout import Course

NAME = "double"  # the assignment, its notebook and its exercise
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _cell(kind, source, **meta):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": False, "task": False,
                               "schema_version": 3, **meta}
    return cell


def _source():
    nb = nbformat.v4.new_notebook(cells=[
        _cell("markdown", "Write `double(x)`.", grade_id="statement", locked=True),
        _cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
              grade_id=NAME, solution=True),
        _cell("code", "assert double(1) == 2\n### BEGIN HIDDEN TESTS\nassert double(3) == 6\n### END HIDDEN TESTS",
              grade_id=f"{NAME}_test", grade=True, locked=True, points=2)])
    nb.metadata["kernelspec"] = dict(KERNEL)
    return nb


def _handed_in():
    """What a student hands in: the answer filled in, the hidden tests gone (as released)."""
    nb = _source()
    nb.cells[1].source = "def double(x):\n    return x + x"
    nb.cells[2].source = notebooks.split_hidden_tests(nb.cells[2].source)[0].rstrip()
    return nb


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """The assignment's gradebook, made once: creating a gradebook starts alembic."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    db_url = f"sqlite:///{path}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", build.tool_environ()["PATH"])
        with Gradebook(db_url) as book:
            book.add_assignment(NAME)
        resources = {"nbgrader": {"assignment": NAME, "notebook": NAME, "db_url": db_url}}
        nb, resources = ComputeChecksums().preprocess(_source(), resources)
        SaveCells().preprocess(nb, resources)
    return path


@pytest.fixture
def course(tmp_path, gradebook, monkeypatch):
    """A course folder (the current directory, as for nbgrader) with the assignment's source."""
    shutil.copy(gradebook, tmp_path / "gradebook.db")
    layout = Course(tmp_path)
    layout.source(NAME).parent.mkdir(parents=True)
    nbformat.write(_source(), str(layout.source(NAME)))
    monkeypatch.chdir(tmp_path)
    yield layout
    atexit.unregister(batch_report.current(tmp_path).finish)  # the report of this test's "batch"


def _findings(course, student):
    return batch_report.current(course.root).submission(NAME, student).problems


# -- the file handed in -------------------------------------------------------------------------
@pytest.mark.parametrize("content, problem", [
    (b"", "is empty"),
    (b"\xff\xfe\x00\x01", "is not a notebook file: it is not text"),
    (b'{"cells": [', "is not a notebook file: it is not valid JSON (line 1, column 12)"),
    (b'{"metadata": {}}', "is JSON but not a notebook: it has no list of cells"),
    (b'{"cells": [], "nbformat": "four"}', "could not be read as a notebook"),
])
def test_a_file_that_is_not_a_notebook_is_named_with_the_reason(tmp_path, content, problem):
    (tmp_path / "a.ipynb").write_bytes(content)
    assert intake.notebook_file_problem(tmp_path / "a.ipynb").startswith(problem)


def test_a_notebook_file_has_no_problem_and_a_link_is_not_read(tmp_path):
    nbformat.write(_handed_in(), str(tmp_path / "a.ipynb"))
    assert intake.notebook_file_problem(tmp_path / "a.ipynb") is None
    (tmp_path / "b.ipynb").symlink_to(tmp_path / "a.ipynb")
    assert intake.notebook_file_problem(tmp_path / "b.ipynb") == "is a symbolic link, not a file; it was not read"


# -- the submission folder (nbgrader's pre_convert_hook) ----------------------------------------
def _hand_in(course, student, files):
    folder = course.submission(student, NAME)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    intake.inspect_submission(NAME, student, notebooks=sorted(str(p) for p in folder.glob("*.ipynb")))


def test_a_renamed_notebook_is_not_graded_and_the_report_says_how_to_grade_it(course):
    _hand_in(course, "erin", {f"{NAME} (1).ipynb": notebooks.dumps(_handed_in())})
    (kind, message), = _findings(course, "erin")
    assert kind == NOT_GRADED and message.startswith(f"{NAME}.ipynb is missing; found {NAME} (1).ipynb instead")
    assert f"nbgrader autograde {NAME} --student=erin --force" in message


def test_an_unreadable_notebook_is_not_graded_and_an_extra_one_is_reported(course):
    _hand_in(course, "bob", {f"{NAME}.ipynb": ""})
    _hand_in(course, "carol", {f"{NAME}.ipynb": notebooks.dumps(_handed_in()),
                               "scratch.ipynb": notebooks.dumps(_handed_in())})
    assert _findings(course, "bob") == [[NOT_GRADED, f"{NAME}.ipynb is empty."]]
    assert _findings(course, "carol") == [[AS_HANDED_IN, "scratch.ipynb is not part of the assignment and"
                                                         " was not graded."]]


def test_a_submission_folder_without_a_notebook_is_reported(course):
    course.submission("dave", NAME).mkdir(parents=True)
    (course.submission("dave", NAME) / "notes.txt").write_text("")
    _hand_in(course, "alice", {f"{NAME}.ipynb": notebooks.dumps(_handed_in())})
    assert _findings(course, "alice") == []
    assert _findings(course, "dave") == [[NOT_GRADED, "the submission folder has no notebook"
                                                      " (it holds: notes.txt)."]]


# -- the grader's copy of the notebook (the first sanitize preprocessor) ------------------------
def _repair(course, nb, student="mallory"):
    resources = {"nbgrader": {"assignment": NAME, "notebook": NAME, "student": student,
                              "db_url": f"sqlite:///{course.gradebook}"}}
    repaired, _ = intake.RepairSubmission().preprocess(nb, resources)
    return repaired, _findings(course, student)


def _graded(nb):
    return [(c.cell_type, notebooks.nbgrader_meta(c).get("grade_id")) for c in nb.cells
            if notebooks.nbgrader_meta(c)]


def test_a_well_formed_notebook_is_graded_as_it_is(course):
    nb, found = _repair(course, _handed_in())
    assert found == [] and _graded(nb) == _graded(_handed_in())
    assert [c.source for c in nb.cells] == [c.source for c in _handed_in().cells]


def test_a_deleted_test_cell_is_put_back_in_its_place_with_its_hidden_tests(course):
    nb = _handed_in()
    del nb.cells[2]
    nb, found = _repair(course, nb)
    assert found == [[REPAIRED, f"test cell {NAME}_test was deleted; the original was put back and run."]]
    assert _graded(nb)[-1] == ("code", f"{NAME}_test") and notebooks.HIDDEN_BEGIN in nb.cells[-1].source


def test_a_deleted_answer_is_reported_and_not_put_back(course):
    nb = _handed_in()
    del nb.cells[1]
    nb, found = _repair(course, nb)
    assert found == [[AS_HANDED_IN, f"answer cell {NAME} was deleted; its tests ran against what the rest"
                                    " of the notebook defines."]]
    assert NAME not in [grade_id for _, grade_id in _graded(nb)]


def test_altered_grading_metadata_and_a_changed_cell_type_are_restored_from_the_gradebook(course):
    nb = _handed_in()
    nb.cells[2].metadata["nbgrader"]["points"] = 100
    nb.cells[0].cell_type = "raw"
    nb, found = _repair(course, nb)
    assert [REPAIRED, f"the grading metadata of cell {NAME}_test had been altered; the original was used."] in found
    assert [REPAIRED, "cell statement was changed from markdown to raw; it was graded as markdown."] in found
    assert notebooks.nbgrader_meta(nb.cells[2])["points"] == 2 and nb.cells[0].cell_type == "markdown"


def test_a_pasted_copy_an_edited_test_an_unknown_id_and_another_kernel_are_reported(course):
    nb = _handed_in()
    nb.cells.insert(1, nbformat.from_dict(json.loads(json.dumps(nb.cells[1]))))   # the answer pasted twice
    nb.cells[3].source = "pass"                                                    # the visible test edited
    nb.cells.append(_cell("code", "x = 1", grade_id="bonus", grade=True, points=10))
    nb.metadata["kernelspec"] = {"name": "python3-old"}
    nb, found = _repair(course, nb)
    assert sorted(message for _, message in found) == sorted([
        f"cell {NAME} appears 2 times; the last copy was graded and the others ran as plain cells.",
        f"test cell {NAME}_test had been edited; the original was run.",
        "a cell had grading metadata with id 'bonus', which is not part of the assignment; it ran as a plain cell.",
        "the notebook's kernel was 'python3-old', not 'python3'; it was graded with the course's kernel."])
    assert _graded(nb) == [("markdown", "statement"), ("code", NAME), ("code", f"{NAME}_test")]
