"""The instructor report (course.report) on a small made-up class: a gradebook written with
nbgrader's own API, autograded notebooks with known failures, a batch report."""
import csv
import warnings

import nbformat
import pytest
from sqlalchemy.exc import SAWarning

from course import build, report
from course.grading.batch_report import NOT_GRADED, AssignmentReport, Submission
from course.layout import Course

pytestmark = pytest.mark.slow   # nbgrader's gradebook (alembic makes it) and matplotlib

SECTION = "quiz"
# exercise -> test cells (grade id, points)
CELLS = {"mean": [("mean_test", 2.0), ("mean_test_vectorized", 1.0)], "peak": [("peak_test", 2.0)]}
# student -> {grade id: points}
SCORES = {
    "ann": {"mean_test": 2.0, "mean_test_vectorized": 1.0, "peak_test": 2.0},   # all full
    "ben": {"mean_test": 2.0, "mean_test_vectorized": 0.0, "peak_test": 0.0},   # mean partial, peak zero
    "cat": {"mean_test": 0.0, "mean_test_vectorized": 0.0, "peak_test": 0.0},   # all zero
    "eve": {"mean_test": 2.0, "mean_test_vectorized": 1.0, "peak_test": 2.0},   # all full, but late
}
LATE = {"eve": 3.0}   # student -> late penalty in the gradebook
# student -> {grade id: the first traceback line of the failed test}
FAILURES = {
    "ben": {"mean_test_vectorized": "HiddenTestFailure: mean is not vectorized",
            "peak_test": "HiddenTestFailure: peak: the result is wrong"},
    "cat": {"mean_test": "NotImplementedError: ", "mean_test_vectorized": "NotImplementedError: ",
            "peak_test": "ValueError: <script>alert(1)</script>"},
}

NAMES = {"ann": {"last_name": "Lovelace, Countess", "first_name": 'Ada "A."'},   # a comma and quotes
         "dan": {"first_name": '=HYPERLINK("https://evil.example","grades")', "last_name": "+1-1",
                 "email": "@SUM(A1)"}}   # formulas, for a spreadsheet


def _test_cell(grade_id, points, failure):
    cell = nbformat.v4.new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                                 "points": points, "schema_version": 3}
    if failure:
        ename, _, evalue = failure.partition(": ")
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                               traceback=[f"\x1b[31m{failure}\x1b[0m", "", "--- for the instructor ---"])]
    return cell


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from nbgrader.api import Gradebook

    course = Course(tmp_path_factory.mktemp("report"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", build.tool_environ()["PATH"])   # a new gradebook is made by `alembic`
        Gradebook(course.db_url).close()
    with Gradebook(course.db_url) as gradebook:
        gradebook.add_assignment(SECTION)
        gradebook.add_notebook(SECTION, SECTION)
        for cells in CELLS.values():
            for grade_id, points in cells:
                gradebook.add_grade_cell(grade_id, SECTION, SECTION, max_score=points, cell_type="code")
        for student, scores in SCORES.items():
            gradebook.add_student(student, **NAMES.get(student, {}))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)   # nbgrader's add_submission always autoflushes early
                gradebook.add_submission(SECTION, student)
            for grade_id, points in scores.items():
                gradebook.find_grade(grade_id, SECTION, SECTION, student).auto_score = points
            if student in LATE:
                gradebook.find_submission_notebook(SECTION, SECTION, student).late_submission_penalty = LATE[student]
            gradebook.db.commit()
        gradebook.add_student("dan", **NAMES["dan"])   # handed in a notebook nbgrader could not read
    for student in SCORES:
        nb = nbformat.v4.new_notebook()
        nb.cells = [_test_cell(g, p, FAILURES.get(student, {}).get(g)) for cells in CELLS.values() for g, p in cells]
        path = course.autograded(student, SECTION)
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    batch = AssignmentReport(SECTION, finished=True, submissions={
        s: Submission(s, expected=[SECTION]) for s in SCORES})
    batch.submissions["dan"] = Submission("dan", expected=[SECTION], ungraded=[SECTION],
                                          problems=[[NOT_GRADED, "quiz.ipynb is empty."]])
    course.reports_dir.mkdir()
    course.report(SECTION, ".json").write_text(batch.to_json())
    page = report.write(course, SECTION)
    return course, page.read_text()


def test_each_exercise_counts_full_partial_and_zero_marks(written):
    course, _ = written
    data = report.collect(course, SECTION)
    assert data.exercises["mean"].shares() == (2, 1, 1)   # per exercise: the points before any penalty
    assert data.exercises["peak"].shares() == (2, 0, 2)
    assert data.totals == {"ann": 5.0, "ben": 2.0, "cat": 0.0, "eve": 2.0}   # eve: 5 less her penalty
    assert data.penalties == {"eve": 3.0}


def test_scores_are_after_late_penalties_and_the_penalty_is_shown(written):
    course, page = written
    assert "mean score 2.2 out of 5 (after late penalties)" in page   # (5 + 2 + 0 + 2) / 4
    assert "Late penalties taken off:" in page and "<code>eve</code>: 3 points" in page
    with open(course.instructor_report(SECTION, ".csv"), newline="") as file:
        eve = next(row for row in csv.DictReader(file) if row["student_id"] == "eve")
    assert (eve["raw_score"], eve["late_submission_penalty"], eve["score"]) == ("5.0", "3.0", "2.0")


def test_the_most_common_failure_messages_count_students_once_per_exercise(written):
    course, page = written
    data = report.collect(course, SECTION)
    # cat fails both cells of "mean" with the same message: one student, not two cells
    assert data.exercises["mean"].failures == {"NotImplementedError:": 1,
                                               "HiddenTestFailure: mean is not vectorized": 1}
    assert "HiddenTestFailure: peak: the result is wrong <span class=n>(1)</span>" in page
    assert "for the instructor" not in page


def test_student_text_is_escaped_in_the_page(written):
    _, page = written
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_students_not_graded_are_named_with_the_reason(written):
    _, page = written
    assert "<li><code>dan</code>: quiz.ipynb is empty.</li>" in page
    assert "4 students graded" in page and "1 not graded" in page


def _csv_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_csv_has_the_columns_and_values_of_nbgrader_export(written, tmp_path):
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    course, _ = written
    rows = _csv_rows(course.instructor_report(SECTION, ".csv"))
    assert tuple(rows[0]) == report.CSV_COLUMNS
    assert {r["student_id"]: r["score"] for r in rows} == {"ann": "5.0", "ben": "2.0", "cat": "0.0", "dan": "",
                                                                "eve": "2.0"}
    assert {r["max_score"] for r in rows} == {"5.0"}
    # nbgrader's own export of the graded students, whose names hold no comma, has the same values
    with Gradebook(course.db_url) as gradebook:
        CsvExportPlugin(to=str(tmp_path / "nbgrader.csv"), assignment=[SECTION]).export(gradebook)
    theirs = {r["student_id"]: r for r in _csv_rows(tmp_path / "nbgrader.csv")}
    for row in rows:
        if row["student_id"] in ("ben", "cat", "eve"):
            assert row == theirs[row["student_id"]]


def test_the_csv_quotes_names_that_nbgrader_export_would_split(written):
    course, _ = written
    ann = next(r for r in _csv_rows(course.instructor_report(SECTION, ".csv")) if r["student_id"] == "ann")
    assert (ann["last_name"], ann["first_name"], ann["score"]) == ("Lovelace, Countess", 'Ada "A."', "5.0")


def test_a_student_not_graded_has_no_score_in_the_csv(written):
    course, _ = written
    dan = next(r for r in _csv_rows(course.instructor_report(SECTION, ".csv")) if r["student_id"] == "dan")
    assert (dan["raw_score"], dan["score"]) == ("", "")   # nbgrader's export would say 0.0


def test_names_that_a_spreadsheet_would_run_as_formulas_are_kept_as_text(written):
    course, _ = written
    dan = next(r for r in _csv_rows(course.instructor_report(SECTION, ".csv")) if r["student_id"] == "dan")
    assert (dan["first_name"], dan["last_name"], dan["email"]) == (
        "'" + NAMES["dan"]["first_name"], "'+1-1", "'@SUM(A1)")


def test_the_figures_are_png_files_named_in_the_page(written):
    course, page = written
    for suffix in ("-scores.png", "-exercises.png"):
        path = course.instructor_report(SECTION, suffix)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{path.name}"' in page
