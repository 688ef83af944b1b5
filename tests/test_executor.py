"""IsolatedExecute on small notebooks, without nbgrader's app: a failed visible part still
gets the hidden checks' message, and the feedback's verdict line says what ran."""
import nbformat
import pytest

from course.grading.executor import IsolatedExecute
from course.grading.feedback import COURSE_METADATA, HIDDEN_FAILURE, HIDDEN_STATUS, HIDDEN_VERDICTS, HideHiddenTests

HIDDEN = ("### BEGIN HIDDEN TESTS\n"
          "import numpy as np\nfrom course.grading import check\n"
          "check(flip, np.arange(5.0), case='five numbers').agrees_with(lambda Z: Z[::-1])\n"
          "### END HIDDEN TESTS")


def _test_cell(visible, grade_id):
    cell = nbformat.v4.new_code_cell(visible + "\n\n" + HIDDEN, id=grade_id)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                 "grade_id": grade_id, "schema_version": 3}
    return cell


def _graded(answer, visible):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np\n" + answer, id="a"),
                                         _test_cell(visible, "flip_test")])
    nb, _ = IsolatedExecute(cell_timeout=5).preprocess(nb, {"metadata": {"path": "."}})
    return nb.cells[1]


def _messages(cell):
    return [(o["ename"], o["evalue"]) for o in cell.outputs if o["output_type"] == "error"]


def test_a_failed_visible_assert_still_gets_the_hidden_diagnosis():
    cell = _graded("def flip(Z):\n    return Z.copy()", "assert flip(np.arange(3.0))[0] == 2")
    (visible, _), (hidden, message) = _messages(cell)
    assert visible == "AssertionError" and hidden == HIDDEN_FAILURE
    assert message == "flip (five numbers): the result is in reverse order"
    assert cell.metadata[COURSE_METADATA][HIDDEN_STATUS] == "failed"
    feedback, _ = HideHiddenTests().preprocess_cell(cell, {}, 1)
    assert feedback.source.endswith(HIDDEN_VERDICTS[True, "failed"])


def test_hidden_tests_that_pass_after_a_failed_visible_part_are_said_to_pass():
    cell = _graded("def flip(Z):\n    return Z[::-1]", "assert False, 'the visible check'")
    assert [e for e, _ in _messages(cell)] == ["AssertionError"]
    assert cell.metadata[COURSE_METADATA][HIDDEN_STATUS] == "passed"
    feedback, _ = HideHiddenTests().preprocess_cell(cell, {}, 1)
    assert feedback.source.endswith(HIDDEN_VERDICTS[True, "passed"])


def test_hidden_tests_do_not_run_after_a_visible_timeout():
    cell = _graded("def flip(Z):\n    return Z[::-1]", "while True:\n    pass")
    assert [e for e, _ in _messages(cell)] == ["CellTimeoutError"]
    assert cell.metadata[COURSE_METADATA][HIDDEN_STATUS] == "not run"
    feedback, _ = HideHiddenTests().preprocess_cell(cell, {}, 1)
    assert feedback.source.endswith(HIDDEN_VERDICTS[True, "not run"])


@pytest.mark.parametrize("answer, status", [("def flip(Z):\n    return Z[::-1]", "passed"),
                                            ("def flip(Z):\n    return Z + 1", "failed")])
def test_a_passing_visible_part_gets_the_hidden_verdict(answer, status):
    cell = _graded(answer, "assert flip(np.arange(3.0)).shape == (3,)")
    feedback, _ = HideHiddenTests().preprocess_cell(cell, {}, 1)
    assert feedback.source.endswith(HIDDEN_VERDICTS[False, status])


def test_an_execute_setting_without_counterpart_is_refused_by_name():
    """nbgrader's Execute settings are honoured (timeout, startup_timeout, --no-execute) or refused
    loudly, never dropped (issue 26)."""
    from traitlets.config import Config

    from course.grading.executor import ExecuteSettingRefused

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", id="a")])
    with pytest.raises(ExecuteSettingRefused, match="execute_retries=2"):
        IsolatedExecute(config=Config({"Execute": {"execute_retries": 2}})).preprocess(nb, {})
    skipped, _ = IsolatedExecute(config=Config({"Execute": {"enabled": False}})).preprocess(nb, {})
    assert skipped.cells[0].outputs == []


def test_a_cells_value_is_its_execute_result_and_a_missing_kernel_is_refused():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('x')\n1 + 1", id="a")])
    nb, _ = IsolatedExecute(cell_timeout=5).preprocess(nb, {"metadata": {"path": "."}})
    assert [o["output_type"] for o in nb.cells[0].outputs] == ["stream", "execute_result"]
    assert nb.cells[0].outputs[1]["data"] == {"text/plain": "2"}
    nb.metadata.kernelspec = {"name": "ir", "language": "R", "display_name": "R"}
    with pytest.raises(Exception, match="No such kernel named ir"):
        IsolatedExecute().preprocess(nb, {})


def test_hidden_tests_compiled_once_per_process_judge_each_notebook_afresh():
    """The hidden tests' code is compiled once per grading process (a warm job grades many
    submissions with the same text): a right answer after a wrong one, and a wrong one after a
    right one, each get their own verdict, and a name one notebook defined is not another's."""
    from course.grading import executor

    executor._compiled_hidden.cache_clear()
    wrong, right = "def flip(Z):\n    return Z.copy()", "def flip(Z):\n    return Z[::-1]"
    statuses = [_graded(answer, "pass").metadata[COURSE_METADATA][HIDDEN_STATUS]
                for answer in (wrong, right, wrong, right)]
    assert statuses == ["failed", "passed", "failed", "passed"]
    assert executor._compiled_hidden.cache_info().hits >= 3
    cell = _graded("", "pass")   # no flip at all, after notebooks that had one
    assert cell.metadata[COURSE_METADATA][HIDDEN_STATUS] == "failed"
    assert any("flip" in o.get("evalue", "") for o in cell.outputs if o["output_type"] == "error"), cell.outputs


@pytest.mark.parametrize("source, names", [
    ("x = 1\ndef f(y):\n    z = y\nimport numpy.linalg as la\nfrom os import path", {"x", "f", "z", "la", "path"}),
    ("from numpy import *", {"*"}),
    ("def (:", {"*"}),
    ("%timeit q = 1\nr = 2", {"r"}),
    ("a = 1\n### BEGIN HIDDEN TESTS\nb = 2\n### END HIDDEN TESTS", {"a"}),
])
def test_names_bound_is_the_same_whether_a_cell_is_cached_or_too_long_to_be(source, names):
    from course.grading import executor, per_text

    long = source + "\n" + "#" * per_text.LONGEST_KEPT
    assert executor.names_bound([source]) == names
    assert executor.names_bound([source]) == names   # from the cache
    assert executor.names_bound([long]) == names      # not kept
    assert executor.names_bound([source, "w = 0"]) == names | {"w"}


def test_work_per_text_keeps_short_texts_only_and_no_exception():
    from course.grading.per_text import LONGEST_KEPT, once_per_text

    calls = []

    @once_per_text(maxsize=8)
    def length(text, *args):
        calls.append(text)
        if text == "bad":
            raise ValueError(text)
        return len(text)

    long = "x" * (LONGEST_KEPT + 1)
    assert [length("ab"), length("ab"), length(long), length(long)] == [2, 2, LONGEST_KEPT + 1, LONGEST_KEPT + 1]
    assert calls == ["ab", long, long] and length.cache_info().currsize == 1
    for _ in range(2):
        with pytest.raises(ValueError):
            length("bad")
    assert calls.count("bad") == 2
