"""What a student reads about a test cell: verdicts, messages, and the preprocessor that hides hidden tests.

The instructor's autograded notebook keeps the hidden tests and the full
failure details; the feedback a student receives shows, for each test cell,
its visible part, a line saying what became of the hidden tests, and the
failure message written for the student, never the hidden code, its inputs
or the expected values. The wording of those lines is here and nowhere else:
the feedback page (course.feedback_page) and the instructor report
(course.report) read the messages through :func:`student_message`.
"""
import ast
import re

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

# The line that stands for the hidden tests in a test cell the student sees, by (the
# visible part failed, what the executor noted of the hidden tests: "passed", "failed" or
# "not run"). They run even after a visible failure, for their diagnosis (not after a
# timeout or a crash), so each of the three can follow a failed visible part.
HIDDEN_VERDICTS = {
    (False, "passed"): "# Hidden tests: passed",
    (False, "failed"): "# Hidden tests: FAILED (see the message below)",
    (False, "not run"): "# Hidden tests: not run",
    (True, "not run"): "# Hidden tests: not run: a visible test above did not pass",
    (True, "failed"): "# Hidden tests: FAILED too (see the messages below)",
    (True, "passed"): "# Hidden tests: passed; the points come once the visible tests pass too",
}
# The message a bare visible `assert` fails with (it has none of its own): the statement
# itself, so that the student sees which check failed.
FAILED_CHECK = "this check failed: {statement}"
NOT_ANSWERED = "not answered yet: the answer cell still raises NotImplementedError"
PASSED = "passed"
# An exercise's verdict is a cell of a table, its test cell below has the rest; the hidden
# tests' messages of the course are at most about 200 characters.
MAX_VERDICT_CHARS = 240
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # tracebacks of visible tests may be coloured


def hidden_verdict(cell):
    """The line that stands for the hidden tests of a graded test cell, from its outputs and
    what the executor noted in its metadata (cells graded before it noted anything: inferred)."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    hidden_failed = any(o.get("ename") == HIDDEN_FAILURE for o in errors)
    visible_failed = any(o.get("ename") != HIDDEN_FAILURE for o in errors)
    status = cell.get("metadata", {}).get(COURSE_METADATA, {}).get(HIDDEN_STATUS)
    if status not in ("passed", "failed", "not run"):
        status = "failed" if hidden_failed else "not run" if visible_failed else "passed"
    return HIDDEN_VERDICTS[visible_failed, status]


def with_failed_check_messages(source):
    """``source`` (a visible test) with each bare ``assert`` given its own text as message.

    Line numbers are kept (each message goes at the end of its statement). Source that
    is not plain Python (an IPython magic) is returned as it is.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    ends = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is None:
            # on one line, without the backslashes that continued it
            statement = " ".join(re.sub(r"\\\r?\n", " ", ast.get_source_segment(source, node)).split())
            # The statement's end, not its test's: `assert (a == b)` ends after the parenthesis.
            ends.append((node.end_lineno, node.end_col_offset, FAILED_CHECK.format(statement=statement)))
    for line_number, byte_offset, message in sorted(ends, reverse=True):
        line = lines[line_number - 1].encode()   # ast counts columns in UTF-8 bytes
        lines[line_number - 1] = (line[:byte_offset] + f", {message!r}".encode() + line[byte_offset:]).decode()
    return "".join(lines)


def student_message(output):
    """The line a student reads for a failed test cell's error output, on one line: the
    exception's name and message (a hidden test's verdict is its message; the traceback of
    a visible test is IPython's, as Jupyter shows it)."""
    first = f"{output.get('ename') or 'Error'}: {output.get('evalue') or ''}"
    return " ".join(ANSI_COLOUR.sub("", first).split())


def first_to_read(cell):
    """The error output of a graded test cell that a student should read first, or None if it
    passed: the hidden checks' failure, which names the mistake where a visible assert may not
    (they run after a failed visible part too), else the cell's first error."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    hidden = [o for o in errors if o.get("ename") == HIDDEN_FAILURE]
    return (hidden or errors or [None])[0]


def exercise_verdict(test_cells):
    """One line on an exercise from its test cells (as the feedback shows them): passed,
    not answered, or the message of its first failed test."""
    for cell in test_cells:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors and errors[0].get("ename") == "NotImplementedError":
            return NOT_ANSWERED
        output = first_to_read(cell)
        if output is not None and output.get("ename") == HIDDEN_FAILURE:
            return _one_line(output.get("evalue", ""))   # the mistake, named by the hidden tests
        if output is not None:
            return _one_line(f"a visible test failed: {student_message(output)}")
    return PASSED


def _one_line(text):
    """``text`` on one line; past MAX_VERDICT_CHARS, cut at a space (a word cut in two reads as
    another word), or within a word of more than 40 characters (a long value, a path)."""
    text = " ".join(str(text).split())
    if len(text) <= MAX_VERDICT_CHARS:
        return text
    cut = text[:MAX_VERDICT_CHARS]
    space = cut.rfind(" ", MAX_VERDICT_CHARS - 40)
    return (cut[:space] if space > 0 else cut[:-1]).rstrip(" ,:;") + "…"


class HideHiddenTests(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if not notebooks.is_test(cell):
            return cell, resources
        visible, hidden = notebooks.split_hidden_tests(cell.source)
        if hidden.strip():
            cell.source = visible.rstrip("\n") + "\n" + hidden_verdict(cell)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == HIDDEN_FAILURE:
                output["traceback"] = output["traceback"][:1]
        return cell, resources

