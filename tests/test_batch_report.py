"""The batch report (course.grading.batch_report) on its own: its data, the text written
from it, and what the end of a batch saves. Real batches are in test_malformed.py."""
import atexit

from course.grading import batch_report
from course.grading.batch_report import (AS_HANDED_IN, MAX_PROBLEMS, NOT_GRADED, REPAIRED, AssignmentReport,
                                         BatchReport, Submission)
from course.layout import Course


def test_names_are_printed_on_one_line():
    assert batch_report.printable("notes.txt") == "notes.txt"
    assert batch_report.printable("x\nNOT GRADED alice") == "x\\nNOT GRADED alice"


def test_a_problem_is_kept_once_and_a_flood_of_problems_is_counted_not_kept():
    submission = Submission("mallory")
    submission.add(REPAIRED, "cell a was deleted")
    submission.add(REPAIRED, "cell a was deleted")
    assert submission.problems == [[REPAIRED, "cell a was deleted"]]
    for n in range(MAX_PROBLEMS + 7):
        submission.add(AS_HANDED_IN, f"problem {n}")
    assert len(submission.problems) == MAX_PROBLEMS and submission.more == 8


def test_a_notebook_without_a_graded_copy_makes_its_student_not_graded():
    report = AssignmentReport("warmup", submissions={"alice": Submission("alice"),
                                                      "bob": Submission("bob", expected=["warmup"]),
                                                      "carol": Submission("carol")})
    report.submissions["carol"].add(REPAIRED, "another kernel")
    assert report.not_graded() == set() and report.has_problems()
    report.submissions["bob"].ungraded = ["warmup"]
    assert report.not_graded() == {"bob"}
    assert "bob       nbgrader could not grade warmup" in report.text()


def test_the_json_holds_everything_the_text_is_written_from():
    report = AssignmentReport("references", student_glob="b*", finished=True)
    report.submissions["bob"] = Submission("bob", expected=["references"], ungraded=["references"])
    report.submissions["bob"].add(NOT_GRADED, "references.ipynb is empty.")
    again = AssignmentReport.from_json(report.to_json())
    assert again == report and again.text() == report.text()
    assert report.to_json() == again.to_json()  # no timestamps: the same batch gives the same file


def test_the_text_groups_problems_by_kind_and_escapes_student_names():
    report = AssignmentReport("warmup")
    report.submissions["erin"] = Submission("erin")
    report.submissions["erin"].add(NOT_GRADED, "warmup.ipynb is missing.")
    report.submissions["eve\nNOT GRADED alice"] = Submission("eve")
    report.submissions["eve\nNOT GRADED alice"].add(AS_HANDED_IN, "answer cell x was deleted.")
    text = report.text()
    assert "2 submission(s) seen; 1 not graded, 0 repaired, 1 graded with problems." in text
    not_graded, as_handed_in = (text.index(batch_report.SECTIONS[k]) for k in (NOT_GRADED, AS_HANDED_IN))
    assert not_graded < text.index("erin") < as_handed_in < text.index("eve\\nNOT GRADED alice")
    assert "\nNOT GRADED alice" not in text and "No problems found." not in text
    assert "No problems found." in AssignmentReport("warmup", submissions={"alice": Submission("alice")}).text()


def test_the_end_of_a_batch_names_what_has_no_graded_copy_and_saves_data_and_text(tmp_path, capsys):
    course = Course(tmp_path)
    report = BatchReport(tmp_path, "*")
    for student in ("alice", "erin"):
        report.expect("references", student, ["references"])
    atexit.unregister(report.finish)  # a batch's own process ends with it; this one is pytest's
    graded = course.autograded("alice", "references")
    graded.parent.mkdir(parents=True)
    graded.write_text("{}")
    report.finish()
    saved = batch_report.load(tmp_path, "references")
    assert saved.finished and saved.not_graded() == {"erin"}
    assert course.report("references").read_text() == saved.text()
    assert "erin" in capsys.readouterr().err  # printed at the end of the batch
    assert batch_report.load(tmp_path, "warmup") is None


def test_a_batch_of_some_students_keeps_what_earlier_batches_found_for_the_others(tmp_path):
    def batch(glob, graded, missing=()):
        """One batch: every student expected, the ``graded`` ones get a graded copy."""
        report = BatchReport(tmp_path, glob)
        atexit.unregister(report.finish)   # a batch's own process ends with it; this one is pytest's
        for student in (*graded, *missing):
            report.expect("references", student, ["references"])
        for student in missing:
            report.record("references", student, NOT_GRADED, "references.ipynb is missing.")
        for student in graded:
            Course(tmp_path).autograded(student, "references").parent.mkdir(parents=True)
            Course(tmp_path).autograded(student, "references").write_text("{}")
        report.finish()

    batch("*", graded=["alice"], missing=["erin"])
    # a second batch regrades gina alone (nbgrader autograde references --student=gina)
    batch("gina", graded=["gina"])
    saved = batch_report.load(tmp_path, "references")
    assert saved.not_graded() == {"erin"} and set(saved.submissions) == {"gina"}
    assert set(saved.everyone()) == {"alice", "erin", "gina"}
    assert "1 submission(s) seen, 2 more as earlier batches left them; 1 not graded" in saved.text()
    assert "erin      references.ipynb is missing." in saved.text()
    # a third batch that grades erin: she is no longer "not graded"
    batch("erin", graded=["erin"])
    assert batch_report.load(tmp_path, "references").not_graded() == set()
