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
            failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
            verdict = "FAILED (see the message below)" if failed else "passed"
            cell.source = visible.rstrip("\n") + f"\n# Hidden tests: {verdict}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == HIDDEN_FAILURE:
                output["traceback"] = output["traceback"][:1]
        return cell, resources
