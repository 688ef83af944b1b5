"""Text from a submission reaches the instructor's terminal and reports quoted (course.grading.quoting):
no escape code, no forged line. Unit tests, then real nbgrader, sequential and class grading."""
import json
import logging
import subprocess
import sys

import pytest
from helpers import make_course, release, run_nbgrader, source, submit

from course import build, notebooks
from course.grading import batch_report, logs, quoting
from course.layout import Course

FORGED = "\x1b[2K\rzz-victim: FAILED\nNOT GRADED  zz-victim  forged\n\x1b[8m"


def test_printable_is_one_bounded_line_without_control_characters():
    assert quoting.printable("notes.txt") == "notes.txt"
    line = quoting.printable(FORGED)
    assert "\n" not in line and "\x1b" not in line and "\r" not in line and "zz-victim: FAILED" in line
    assert len(quoting.printable("x" * 10**6)) < quoting.MAX_LINE_CHARS + 100


def test_quoted_lines_cannot_pass_for_the_courses_own():
    block = quoting.quoted("Traceback:\n" + FORGED)
    assert all(line.startswith(quoting.QUOTE) for line in block.split("\n"))
    assert "\x1b" not in block and "\r" not in block
    assert len(quoting.quoted("y\n" * 10**6)) < quoting.MAX_QUOTED_CHARS * 1.1


def test_log_records_quote_their_messages():
    previous = logging.getLogRecordFactory()
    logs.install()
    try:
        record = logging.getLogger("nbgrader-test").makeRecord("x", logging.ERROR, "f", 1,
                                                               "error in %s", (FORGED,), None)
        message = record.getMessage()
    finally:
        logging.setLogRecordFactory(previous)
    first, *rest = message.split("\n")
    assert first.startswith("error in ") and "\x1b" not in message
    assert rest and all(line.startswith(quoting.QUOTE) for line in rest)


def test_a_report_message_is_one_line():
    data = batch_report.AssignmentReport("references")
    data.submissions["aa-attacker"] = batch_report.Submission("aa-attacker")
    data.submissions["aa-attacker"].add(batch_report.NOT_GRADED, "could not be read (" + FORGED + ")")
    text = data.text()
    assert "\x1b" not in text
    assert not [line for line in text.splitlines() if line.lstrip().startswith(("zz-victim", "NOT GRADED  zz"))]


def _lines_of_the_victim(output):
    """Lines that begin (after a carriage return or escape codes, as a terminal would show them) with
    the victim's name or a NOT GRADED entry for it: forged, since the victim is graded."""
    shown = [line.rsplit("\r", 1)[-1] for line in output.splitlines()]
    return [line for line in shown if line.lstrip().startswith(("zz-victim:", "zz-victim ", "NOT GRADED  zz"))]


@pytest.fixture(scope="module")
def crafted_course(tmp_path_factory):
    """Two attackers whose notebooks put escape codes and forged lines into nbgrader's and
    nbformat's error messages, and an honest student, zz-victim, graded after them."""
    course = make_course(tmp_path_factory.mktemp("text"))
    build.nbgrader("generate_assignment", "references", "--force", root=course, quiet=True)
    honest = notebooks.fill_answers(release(course, "references"), notebooks.reference_answers(source("references")))
    for student in ("aa-cell-type", "ab-version", "zz-victim"):
        submit(course, student, "references", honest)
    layout = Course(course)
    crafted = json.loads(layout.submitted("aa-cell-type", "references").read_text())
    crafted["cells"][3]["cell_type"] = FORGED   # nbformat's validation error quotes it
    layout.submitted("aa-cell-type", "references").write_text(json.dumps(crafted))
    crafted["cells"][3]["cell_type"] = "markdown"
    crafted["nbformat"] = "4" + FORGED         # "Unsupported nbformat version ..." quotes it
    layout.submitted("ab-version", "references").write_text(json.dumps(crafted))
    return course


@pytest.mark.slow
def test_sequential_nbgrader_prints_submission_text_quoted(crafted_course):
    result = run_nbgrader(crafted_course, "autograde", "references", "--force")
    output = result.stdout + result.stderr
    assert "\x1b" not in output and _lines_of_the_victim(output) == [], output[-3000:]
    _the_victim_is_graded(crafted_course)


@pytest.mark.slow
def test_class_grading_prints_submission_text_quoted(crafted_course):
    done = subprocess.run([sys.executable, "-m", "course.build", "autograde", "references", "--jobs", "2", "--force",
                           "--root", str(crafted_course)], capture_output=True, text=True,
                          env=build.tool_environ(), timeout=600)
    output = done.stdout + done.stderr
    assert "zz-victim" in output and "\x1b" not in output, output[-3000:]
    assert _lines_of_the_victim(output) == [] or all(": graded" in line for line in _lines_of_the_victim(output))
    _the_victim_is_graded(crafted_course)


def _the_victim_is_graded(course):
    text = Course(course).report("references").read_text()
    assert "\x1b" not in text and _lines_of_the_victim(text) == [], text
    data = batch_report.load(course, "references")
    assert "zz-victim" not in data.not_graded()
    assert Course(course).autograded("zz-victim", "references").exists()
