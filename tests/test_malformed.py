"""Malformed submissions, through real ``nbgrader autograde`` on one batch.

Each case is a student whose references submission is broken in one way. The
batch must grade everyone it can, repair what can be repaired in the grader's
copy only, and name every problem in reports/autograde-references.txt.
"""
import copy
import hashlib
import shutil

import nbformat
import pytest
from helpers import cell_scores, make_course, run_nbgrader

from course import build, notebooks
from course.grading import batch_report
from course.layout import ROOT

pytestmark = pytest.mark.slow
SECTION = "references"
# Full marks, test cell by test cell, as the source notebook defines them.
FULL = {notebooks.nbgrader_meta(c)["grade_id"]: (float(c.metadata.nbgrader.points),) * 2
        for c in notebooks.read(ROOT / "source" / SECTION / f"{SECTION}.ipynb").cells if notebooks.is_test(c)}


def _cell(nb, grade_id):
    return next(c for c in nb.cells if notebooks.nbgrader_meta(c).get("grade_id") == grade_id)


def _without(nb, grade_id):
    nb.cells.remove(_cell(nb, grade_id))
    return nb


def _retyped(nb, grade_id, cell_type):
    cell = _cell(nb, grade_id)
    cell.cell_type = cell_type
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    return nb


def _duplicated(nb, grade_id, stub):
    index = nb.cells.index(_cell(nb, grade_id))
    twin = copy.deepcopy(stub.cells[index])
    twin.id = "twin"
    nb.cells.insert(index, twin)  # the released stub first, the answer after it
    return nb


def _meta(nb, grade_id, **changes):
    _cell(nb, grade_id).metadata.nbgrader.update(changes)
    return nb


def _with_cell(nb, index, source, **nbgrader):
    cell = nbformat.v4.new_code_cell(source, id="added")
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    nb.cells.insert(index, cell)
    return nb


def _edited(nb, grade_id, source):
    _cell(nb, grade_id).source = source
    return nb


def _strip(nb, grade_id):
    del _cell(nb, grade_id).metadata["nbgrader"]
    return nb


def _kernel(nb, kernelspec):
    nb.metadata["kernelspec"] = kernelspec
    return nb


def _json(nb):
    return nbformat.writes(nb).encode()


# student -> function(good notebook, released stub notebook) -> {file name: bytes}
CASES = {
    "not-json": lambda good, stub: {"references.ipynb": b"{this is not json"},
    "not-a-notebook": lambda good, stub: {"references.ipynb": b"[1, 2, 3]"},
    "empty-file": lambda good, stub: {"references.ipynb": b""},
    "binary-file": lambda good, stub: {"references.ipynb": bytes(range(256))},
    "renamed": lambda good, stub: {"references-Copy1.ipynb": _json(good)},
    "no-notebook": lambda good, stub: {"answers.py": b"x = 1\n"},
    "extra-notebook": lambda good, stub: {"references.ipynb": _json(good), "scratch.ipynb": _json(stub)},
    "wrong-kernel": lambda good, stub: {"references.ipynb": _json(_kernel(good, {
        "name": "ir", "display_name": "R", "language": "R"}))},
    "deleted-test": lambda good, stub: {"references.ipynb": _json(_without(good, "row_norms_test"))},
    "deleted-setup": lambda good, stub: {"references.ipynb": _json(_without(good, "setup"))},
    "deleted-answer": lambda good, stub: {"references.ipynb": _json(_without(good, "row_norms"))},
    "moved-answer": lambda good, stub: {"references.ipynb": _json(_with_cell(
        _without(copy.deepcopy(good), "row_norms"), 2, _cell(good, "row_norms").source))},
    "duplicated-answer": lambda good, stub: {"references.ipynb": _json(_duplicated(good, "row_norms", stub))},
    "duplicated-test": lambda good, stub: {"references.ipynb": _json(_duplicated(good, "row_norms_test", stub))},
    "retyped-test": lambda good, stub: {"references.ipynb": _json(_retyped(good, "row_norms_test", "markdown"))},
    "retyped-answer": lambda good, stub: {"references.ipynb": _json(_retyped(good, "row_norms", "raw"))},
    "edited-test": lambda good, stub: {"references.ipynb": _json(_edited(stub, "row_norms_test", "pass"))},
    "altered-metadata": lambda good, stub: {"references.ipynb": _json(_meta(
        good, "row_norms_test", points="lots", schema_version=9))},
    "inflated-points": lambda good, stub: {"references.ipynb": _json(_meta(good, "row_norms_test", points=100))},
    "unknown-graded-cell": lambda good, stub: {"references.ipynb": _json(_with_cell(
        good, len(good.cells), "pass", grade=True, solution=False, locked=False, grade_id="bonus",
        points=100, schema_version=3))},
    "zz-correct": lambda good, stub: {"references.ipynb": _json(good)},
}
# Tricks played on the notebook file itself: stubs plus the trick must score 0.
TESTS = ("add_to_selected_test", "row_norms_test")
CHEATS = {
    "cheat-deleted-tests": lambda stub: _without(_without(stub, TESTS[0]), TESTS[1]),
    "cheat-retyped-tests": lambda stub: _retyped(_retyped(stub, TESTS[0], "raw"), TESTS[1], "markdown"),
    "cheat-emptied-tests": lambda stub: _edited(_edited(stub, TESTS[0], ""), TESTS[1], "pass"),
    "cheat-ungraded-tests": lambda stub: _meta(_meta(stub, TESTS[0], grade=False), TESTS[1], grade=False),
    "cheat-stripped-metadata": lambda stub: _strip(_strip(stub, TESTS[0]), TESTS[1]),
    "cheat-tests-as-answers": lambda stub: _meta(_meta(stub, TESTS[0], solution=True, locked=False),
                                                 TESTS[1], solution=True, locked=False),
    "cheat-bonus-cell": lambda stub: _with_cell(stub, len(stub.cells), "pass", grade=True, solution=False,
                                                locked=True, grade_id="row_norms_test", points=100,
                                                schema_version=3),
}
for _name, _trick in CHEATS.items():
    CASES[_name] = lambda good, stub, trick=_trick: {"references.ipynb": _json(trick(stub))}


def _digest(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("malformed"))
    build.nbgrader("generate_assignment", SECTION, "--force", root=course, quiet=True)
    stub = notebooks.read(course / "release" / SECTION / f"{SECTION}.ipynb")
    answers = notebooks.reference_answers(notebooks.read(course / "source" / SECTION / f"{SECTION}.ipynb"))
    good = notebooks.fill_answers(stub, answers)
    for student, make in CASES.items():
        folder = course / "submitted" / student / SECTION
        folder.mkdir(parents=True)
        for name, data in make(copy.deepcopy(good), copy.deepcopy(stub)).items():
            (folder / name).write_bytes(data)
    before = _digest(course / "submitted")
    result = run_nbgrader(course, "autograde", SECTION, "--force")
    after = _digest(course / "submitted")
    report = (course / "reports" / f"autograde-{SECTION}.txt").read_text()
    return course, result, before, after, report


def _report_lines(report, student):
    return [line.strip() for line in report.splitlines() if line.strip().startswith(student + " ")]


def _section_of(report, student):
    """The report section (its first word) that names ``student``."""
    section = None
    for line in report.splitlines():
        if line and not line.startswith(" "):
            section = line.split()[0]
        elif line.strip().startswith(student + " "):
            return section
    return None


def test_submissions_are_never_modified(batch):
    _, _, before, after, _ = batch
    assert before == after


def test_the_rest_of_the_class_is_graded(batch):
    course, _, _, _, _ = batch
    assert cell_scores(course, SECTION, "zz-correct") == FULL


def test_nbgrader_still_signals_the_submissions_it_could_not_grade(batch):
    _, result, _, _, _ = batch
    assert result.returncode == 1
    for student in ("not-json", "renamed"):
        assert f"for student '{student}'" in result.stdout + result.stderr


def test_the_report_is_printed_at_the_end_of_the_batch(batch):
    _, result, _, _, report = batch
    assert report.strip() in result.stderr


@pytest.mark.parametrize("student, words", [
    ("not-json", "references.ipynb is not a notebook file: it is not valid JSON (line 1, column 2)"),
    ("not-a-notebook", "references.ipynb is JSON but not a notebook"),
    ("empty-file", "references.ipynb is empty"),
    ("binary-file", "references.ipynb is not a notebook file: it is not text"),
    ("renamed", "found references-Copy1.ipynb instead, perhaps renamed. To grade it, copy it to"
                " submitted/renamed/references/references.ipynb"),
    ("no-notebook", "the submission folder has no notebook (it holds: answers.py)"),
])
def test_an_unreadable_submission_is_reported_not_graded(batch, student, words):
    course, _, _, _, report = batch
    assert _section_of(report, student) == "NOT"
    assert any(words in line for line in _report_lines(report, student)), report
    assert not (course / "autograded" / student / SECTION / f"{SECTION}.ipynb").exists()


@pytest.mark.parametrize("student, words", [
    ("wrong-kernel", "the notebook's kernel was 'ir', not 'python3'"),
    ("deleted-test", "test cell row_norms_test was deleted; the original was put back and run"),
    ("deleted-setup", "read-only cell setup was deleted; the original was put back and run"),
    ("duplicated-answer", "cell row_norms appears 2 times"),
    ("duplicated-test", "cell row_norms_test appears 2 times"),
    ("retyped-test", "cell row_norms_test was changed from code to markdown"),
    ("retyped-answer", "cell row_norms was changed from code to raw"),
    ("altered-metadata", "the grading metadata of cell row_norms_test had been altered"),
    ("inflated-points", "the grading metadata of cell row_norms_test had been altered"),
    ("unknown-graded-cell", "grading metadata with id 'bonus', which is not part of the assignment"),
])
def test_a_repairable_submission_is_repaired_and_graded_in_full(batch, student, words):
    course, _, _, _, report = batch
    assert _section_of(report, student) == "GRADED" and "REPAIR" in report
    assert any(words in line for line in _report_lines(report, student)), report
    assert cell_scores(course, SECTION, student) == FULL


def test_an_edited_test_cell_is_reported_and_the_original_decides(batch):
    course, _, _, _, report = batch
    assert any("test cell row_norms_test had been edited" in line for line in _report_lines(report, "edited-test"))
    scores = cell_scores(course, SECTION, "edited-test")
    assert scores["row_norms_test"] == (0.0, 2.0)  # the stub fails the original test


def test_a_deleted_answer_costs_its_exercise_unless_the_answer_moved(batch):
    course, _, _, _, report = batch
    lost = {k: (0.0, most) for k, (_, most) in FULL.items() if notebooks.exercise_of(k) == "row_norms"}
    assert cell_scores(course, SECTION, "deleted-answer") == {**FULL, **lost}
    assert cell_scores(course, SECTION, "moved-answer") == FULL
    for student in ("deleted-answer", "moved-answer"):
        assert any("answer cell row_norms was deleted" in line for line in _report_lines(report, student))


def test_an_extra_notebook_is_reported_and_the_assignment_graded(batch):
    course, _, _, _, report = batch
    assert any("scratch.ipynb is not part of the assignment" in line
               for line in _report_lines(report, "extra-notebook"))
    assert cell_scores(course, SECTION, "extra-notebook") == FULL


def test_a_well_formed_submission_is_not_in_the_report(batch):
    _, _, _, _, report = batch
    assert _report_lines(report, "zz-correct") == []
    assert f"{len(CASES)} submission(s) seen" in report


@pytest.mark.parametrize("student", CHEATS)
def test_a_trick_played_on_the_notebook_file_earns_nothing(batch, student):
    course, _, _, _, _ = batch
    assert cell_scores(course, SECTION, student) == {k: (0.0, v[1]) for k, v in FULL.items()}


def test_the_instructor_command_reports_what_it_could_not_grade_and_goes_on(tmp_path, capsys):
    course = make_course(tmp_path, demo=True)
    for section in ("warmup", "advanced"):
        shutil.rmtree(course / "source" / section)
    build.generate(root=course)
    build.build_demo_class(root=course)
    build.autograde(root=course)
    printed = capsys.readouterr().out
    assert "erin" in printed and "found references (1).ipynb instead" in printed
    total = sum(most for _, most in FULL.values())
    assert build.scores(course)[SECTION, "alice"] == (total, total, 0.0)
    assert batch_report.load(course, SECTION).not_graded() == {"erin"}
