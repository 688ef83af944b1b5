"""The feedback a student receives: the verdict line of a test cell, the check a bare assert failed."""
import nbformat

from course import report
from course.grading import feedback


def error(ename, evalue="", traceback=None):
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": traceback if traceback is not None else [f"{ename}: {evalue}"]}


def graded_cell(grade_id, outputs, score=0.0, points=1.0, source="assert True"):
    cell = nbformat.v4.new_code_cell(source, id=grade_id)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id,
                                 "score": score, "points": points}
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


# --- the verdict line of a test cell ----------------------------------------

def test_the_hidden_verdict_says_what_became_of_the_hidden_tests():
    hidden = error(feedback.HIDDEN_FAILURE, "f: the result is wrong")
    visible = error("AssertionError", "this check failed: assert f(1) == 2")
    assert feedback.hidden_verdict([]) == "# Hidden tests: passed"
    assert feedback.hidden_verdict([hidden]) == "# Hidden tests: FAILED (see the message below)"
    not_run = feedback.hidden_verdict([visible])
    assert "not run" in not_run and "visible test" in not_run and "FAILED" not in not_run
    anyway = feedback.hidden_verdict([visible, hidden])
    assert "run anyway for their diagnosis" in anyway and "visible test" in anyway


def test_hide_hidden_tests_writes_the_verdict_and_keeps_only_the_students_line():
    source = "assert f(1) == 2\n### BEGIN HIDDEN TESTS\ncheck(f).agrees_with(secret)\n### END HIDDEN TESTS\n"
    cell = graded_cell("f_test", [error("AssertionError", "this check failed: assert f(1) == 2")], source=source)
    cell, _ = feedback.HideHiddenTests().preprocess_cell(cell, {}, 0)
    assert cell.source == "assert f(1) == 2\n" + feedback.HIDDEN_VERDICTS[True, None]
    hidden = graded_cell("g_test", [error(feedback.HIDDEN_FAILURE, "g: wrong",
                                        ["HiddenTestFailure: g: wrong", "", feedback.INSTRUCTOR_ONLY, "secret"])],
                       source=source)
    hidden, _ = feedback.HideHiddenTests().preprocess_cell(hidden, {}, 0)
    assert hidden.outputs[0].traceback == ["HiddenTestFailure: g: wrong"]
    assert hidden.source.endswith(feedback.HIDDEN_VERDICTS[False, "failed"]) and "secret" not in hidden.source


# --- a bare assert names the check that failed ------------------------------

def run(source):
    try:
        exec(compile(source, "<test>", "exec"), {"f": lambda x: x, "np": __import__("numpy")})
    except AssertionError as failure:
        return str(failure)
    return None


def test_a_bare_assert_fails_with_its_own_text():
    source = ("x = 1  # ünïcode before the column\nassert f(1) == 1\nassert (f(2) ==\n        3)  # why\n"
              "assert f(3) == 3, 'its own message'\n")
    rewritten = feedback.with_failed_check_messages(source)
    assert rewritten.count("\n") == source.count("\n")   # line numbers of a traceback stay right
    assert run(source) == ""   # what the student read before
    assert run(rewritten) == feedback.FAILED_CHECK.format(statement="assert (f(2) == 3)")
    assert run(feedback.with_failed_check_messages("assert f(3) == 4, 'its own message'")) == "its own message"
    assert run(feedback.with_failed_check_messages("for n in range(3):\n    assert f(n) < 2\n")) == \
        feedback.FAILED_CHECK.format(statement="assert f(n) < 2")
    assert feedback.with_failed_check_messages("%timeit f(1)\nassert False") == "%timeit f(1)\nassert False"


def test_the_report_and_the_page_read_the_same_one_line_message():
    output = error("AssertionError", "this check failed: assert f(1) == 2",
                   ["\x1b[31mAssertionError: this check failed:\n  assert f(1) == 2\x1b[0m"])
    assert feedback.student_message(output) == "AssertionError: this check failed: assert f(1) == 2"
    assert report.student_message is feedback.student_message
