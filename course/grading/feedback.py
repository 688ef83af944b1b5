"""nbgrader preprocessor for ``generate_feedback``: show verdicts, hide the hidden tests.

The instructor's autograded notebook keeps the hidden tests and the full
failure details; the feedback a student receives shows, for each test cell,
its visible part, a line saying the hidden tests passed or failed, and the
failure message written for the student, never the hidden code, its inputs
or the expected values.
"""
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import notebooks

# The executor reports a failed hidden test as an error output with this name,
# whose first traceback line is written for the student and the rest, after
# INSTRUCTOR_ONLY, for the instructor.
HIDDEN_FAILURE = "HiddenTestFailure"
INSTRUCTOR_ONLY = "--- for the instructor ---"
# The executor notes in each graded test cell's metadata, under
# ``metadata[COURSE_METADATA][HIDDEN_STATUS]``, whether its hidden tests "passed",
# "failed" or were "not run"; they run even when the visible part failed, for their message.
COURSE_METADATA = "course"
HIDDEN_STATUS = "hidden_tests"
# The student's line says which case failed and how in the grader's words, which
# need far fewer characters; the cap holds whatever a hidden test's message holds.
# The instructor's lines (the traceback, with the student's own texts) are capped together.
VERDICT_CHARS = 500
DETAIL_CHARS = 20_000


class HideHiddenTests(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if not notebooks.is_test(cell):
            return cell, resources
        visible, hidden = notebooks.split_hidden_tests(cell.source)
        if hidden.strip():
            cell.source = visible.rstrip("\n") + f"\n# Hidden tests: {_verdict(cell)}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == HIDDEN_FAILURE:
                output["traceback"] = output["traceback"][:1]
        return cell, resources


def _verdict(cell):
    """What the feedback says of a test cell's hidden tests, from what the executor noted."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    hidden_failed = any(o.get("ename") == HIDDEN_FAILURE for o in errors)
    visible_failed = any(o.get("ename") != HIDDEN_FAILURE for o in errors)
    status = cell.get("metadata", {}).get(COURSE_METADATA, {}).get(HIDDEN_STATUS)
    if status is None:  # graded before the executor noted it
        status = "failed" if hidden_failed else "not run" if visible_failed else "passed"
    if not visible_failed:
        return "FAILED (see the message below)" if status == "failed" else "passed"
    if status == "failed":
        return "FAILED as well (the visible tests above failed first; see both messages below)"
    if status == "passed":
        return "passed, but the visible tests above failed: the cell earns no points until they pass"
    return "not run, because the visible tests above did not pass"
