"""No text the student chose reaches a verdict, and every verdict is capped and counted.

A class name, a structured dtype's field names, a function's code name: the
student chooses them, and could spell a hidden input with them. Each path by
which a report's names reach a failure message gets an honest value (named in
plain words) and a hostile one (described, never quoted), in the grader's own
process (validating a notebook) and through the isolated worker (autograding).
"""
import time
from dataclasses import replace

import numpy as np
import pytest

from course.grading import GradingFailure, check, check_vectorized, checks, construct
from course.grading.executor import IsolatedExecute, _verdict
from course.grading.feedback import DETAIL_CHARS, VERDICT_CHARS
from course.grading.probe import object_work_label, suspect_label
from course.grading.remote import RemoteObject
from course.grading.wire import Opaque
from course.grading.wording import dtype_phrase, opaque_phrase, public_exception_name, type_phrase

MARK = "LEAK_"
STUDENT_CODE = '''
import sys
import numpy as np

MARK = "LEAK_" + "7" * 1_100_000     # over 1 MB: a name no cap of the report's would leave whole
Leaky = type(MARK, (), {})
FIELDS = "LEAK_" + "8" * 3_000        # an npy header holds 10,000 characters at most


def an_object(x):
    return Leaky()

def an_object_in_a_tuple(x):
    return Leaky(), x

def a_list(x):
    return [1, 2]

def a_set_in_a_tuple(x):
    return {1}, x

def leaky_fields(x):
    return np.zeros(len(x), dtype=[(FIELDS, float), (FIELDS + "9", float)])

def other_fields(x):
    return np.zeros(len(x), dtype=[("a", float), ("c", float)])

def strings(x):
    return np.array(["x"] * len(x))

def tracing(x):
    sys._getframe().f_trace_lines = True
    return x * 2
tracing_leaky = tracing.__code__.replace(co_name="LEAK_" + "9" * 100_000)
def tracing_leaky_function(x):
    pass
tracing_leaky_function.__code__ = tracing_leaky
'''
NAMES = ["an_object", "an_object_in_a_tuple", "a_list", "a_set_in_a_tuple", "leaky_fields", "other_fields",
         "strings", "tracing", "tracing_leaky_function", "Leaky"]


@pytest.fixture(scope="module", params=["local", "isolated"])
def student(request):
    """The student's names, as the hidden tests see them in each mode."""
    if request.param == "local":
        namespace = {}
        exec(STUDENT_CODE, namespace)
        yield {name: namespace[name] for name in NAMES}
        return
    with IsolatedExecute().session() as session:
        assert session.run_cell(STUDENT_CODE)["ok"]
        yield session.lookup(NAMES)


def verdict(assertion):
    """The message of the GradingFailure that ``assertion()`` raises, checked to hold no student text."""
    with pytest.raises(GradingFailure) as info:
        assertion()
    message = str(info.value)
    assert MARK not in message and len(message) < 300, message[:300]
    return message


X = np.arange(3.0)


# -- the type of a result ---------------------------------------------------------
def test_a_result_of_the_students_own_class_is_described(student):
    for assertion in (lambda: check(student["an_object"], X).equals(np.zeros(3)),
                      lambda: check(student["an_object"], X).returns_array(),
                      lambda: check(student["an_object"], X).equals([np.zeros(3), X])):
        assert "an object of a type of your own" in verdict(assertion)


def test_a_result_of_a_public_type_is_named(student):
    with pytest.raises(GradingFailure, match="the result is a list, expected a NumPy array"):
        check(student["a_list"], X).equals(np.zeros(3))
    with pytest.raises(GradingFailure, match="returned a list, not a NumPy array"):
        check(student["a_list"], X).returns_array()


def test_an_object_inside_plain_data_is_described_or_named(student):
    message = verdict(lambda: check(student["an_object_in_a_tuple"], X).equals((np.zeros(3), X)))
    assert "item 0 of the result is an object of a type of your own (not plain data" in message
    with pytest.raises(GradingFailure, match=r"item 0 of the result is a set \(not plain data"):
        check(student["a_set_in_a_tuple"], X).equals((np.zeros(3), X))


def test_constructing_a_students_object_of_a_plain_type_names_only_public_types(student):
    with pytest.raises(GradingFailure, match="made a list, not an object"):
        construct(student["a_list"], X)


def test_a_handle_names_its_type_in_the_grader_s_words():
    assert MARK not in repr(RemoteObject(None, {"id": 1}, "result", MARK + "1" * 10**6))
    assert repr(RemoteObject(None, {"id": 1}, "result", "list")) == "<a list of the student's: result>"


# -- dtypes ---------------------------------------------------------------------------------
def test_structured_field_names_of_the_student_are_never_quoted(student):
    expected = np.zeros(3, dtype=[("a", float), ("b", float)])
    for func in ("leaky_fields", "other_fields"):
        message = verdict(lambda: check(student[func], X).equals(expected))
        assert message.endswith("the result has a structured dtype with other fields, "
                                "expected the fields ['a', 'b'] in that order"), message
        assert "'c'" not in message
    message = verdict(lambda: check(student["leaky_fields"], X).equals(np.zeros(3)))
    assert message.endswith("the result has a structured dtype, expected floating-point dtype")
    verdict(lambda: check(student["leaky_fields"], X).returns_array(kind="f"))


def test_a_dtype_of_its_own_kind_is_named_by_its_kind(student):
    with pytest.raises(GradingFailure, match="has a string dtype, expected floating-point dtype"):
        check(student["strings"], X).equals(np.zeros(3))
    with pytest.raises(GradingFailure, match="has dtype int64, expected floating-point dtype"):
        check(lambda x: np.arange(3), X).equals(np.zeros(3))
    with pytest.raises(GradingFailure, match="returned dtype float64, expected integer"):
        check(lambda x: x, X).returns_array(kind="iu")


def test_a_forged_dtype_text_is_described():
    assert dtype_phrase("<f8", "f") == "dtype float64"
    assert dtype_phrase("|b1", "b") == "dtype bool"
    assert dtype_phrase(MARK + "<f8", "f") == "a dtype of its own"
    assert dtype_phrase("<f3", "f") == "a dtype of its own"
    assert dtype_phrase("[('LEAK_1', '<f8')]", "V") == "a structured or raw-bytes dtype"
    assert dtype_phrase(np.dtype([(MARK, float)])) == "a structured dtype"


# -- names from the probe's measurement ----------------------------------------------------
def test_a_suspect_function_is_never_named_by_its_code_name(student):
    for func in ("tracing", "tracing_leaky_function"):
        message = verdict(lambda: check_vectorized(student[func], lambda n: (np.arange(float(n)),)))
        assert "could not be measured" in message and "it used frame.f_trace)" in message, message


def _forged_measurements(monkeypatch, **fields):
    """check_vectorized's calls come back with a report whose measurement has these fields."""
    real = checks.run

    def forged(func, args=(), kwargs=None, **options):
        report = real(func, args, kwargs, **options)
        grows = {"object_work_ns": 10**9 * len(args[0]) // 1000} if "object_work_calls" in fields else {}
        return replace(report, measurement=replace(report.measurement, **fields, **grows))
    monkeypatch.setattr(checks, "run", forged)


@pytest.mark.parametrize("names, shown", [(("sys.settrace", "_signal.setitimer"), "sys.settrace, _signal.setitimer"),
                                          ((MARK + "1" * 150, "_signal." + MARK), "a function that hides lines "
                                           "from the count, a function of _signal")])
def test_suspect_calls_are_named_only_from_the_probe_s_tables(monkeypatch, names, shown):
    _forged_measurements(monkeypatch, suspect_calls=names)
    message = verdict(lambda: check_vectorized(lambda a: a * 2, lambda n: (np.arange(float(n)),)))
    assert f"(it used {shown})." in message, message


@pytest.mark.parametrize("names, shown", [(("sum", "ndarray.tolist"), "in sum, ndarray.tolist:"),
                                          ((MARK + "1" * 150, "np.array"), "in a built-in function, np.array:")])
def test_object_work_calls_are_named_only_from_the_probe_s_tables(monkeypatch, names, shown):
    _forged_measurements(monkeypatch, object_work_calls=names)
    message = verdict(lambda: check_vectorized(lambda a: a * 2, lambda n: (np.arange(float(n)),)))
    assert "goes through Python objects once per element" in message and shown in message, message


def test_the_labels_a_grader_accepts():
    assert suspect_label("frame.f_trace") == "frame.f_trace" and suspect_label("ctypes") == "ctypes"
    assert suspect_label("frame.f_trace (in " + MARK + ")") == "a function that hides lines from the count"
    assert object_work_label("functools.reduce") == "functools.reduce"
    assert object_work_label("sum ") == "a built-in function"


# -- one home for public names ----------------------------------------------------------------
@pytest.mark.parametrize("name, phrase", [("list", "a list"), ("int", "an int"), ("numpy.ndarray", "a numpy.ndarray"),
                                          ("numpy.float64", "a numpy.float64"),
                                          ("__main__.Leaky", "an object of a type of your own"),
                                          ("numpy.LEAK_1", "an object of a type of your own"),
                                          ("numpy._core.LEAK", "an object of a type of your own"),
                                          ("os.PathLike", "an object of a type of your own"),
                                          (MARK * 10**5, "an object of a type of your own")])
def test_types_are_named_only_when_python_or_numpy_define_them(name, phrase):
    assert type_phrase(name) == phrase


def test_exceptions_and_placeholders_share_that_home():
    assert public_exception_name("__main__." + MARK, ["__main__." + MARK, "ValueError"]) == "ValueError"
    assert public_exception_name("list", ["list", "object"]) == "an exception of a class of its own"
    assert opaque_phrase("object array") == "an array of Python objects"
    assert opaque_phrase(MARK) == "an object of a type of your own"
    assert "an object of a type of your own" in checks.difference(Opaque(MARK, MARK), np.zeros(2))


# -- the verdict's size ----------------------------------------------------------------------------
def test_a_verdict_and_its_instructor_lines_are_capped():
    output = _verdict("x" * 10**6, ["", "--- for the instructor ---", "y" * 10**6, "z"])
    student_line, *detail = output["traceback"]
    assert len(student_line) <= VERDICT_CHARS + 100 and "\n" not in student_line
    assert output["evalue"] in student_line and "more characters not shown" in output["evalue"]
    assert sum(map(len, detail)) <= DETAIL_CHARS + 100 and detail[:2] == ["", "--- for the instructor ---"]
    assert _verdict("short")["traceback"] == ["HiddenTestFailure: short"]


class _NoStudent:
    def lookup(self, names):
        return {}


def _executor(output_mib=1):
    executor = IsolatedExecute(notebook_output_limit=output_mib)
    executor._deadline, executor._exercises = time.monotonic() + 60, []
    executor._output_room = output_mib * 2**20
    return executor


def test_a_hidden_test_s_long_message_is_capped_in_the_notebook():
    failure, _ = _executor()._run_hidden(_NoStudent(), "from course.grading import GradingFailure\n"
                                                       "raise GradingFailure('w' * 10**7)\n")
    assert len(failure["evalue"]) <= VERDICT_CHARS + 100
    assert sum(map(len, failure["traceback"])) <= VERDICT_CHARS + DETAIL_CHARS + 200


def test_errors_count_in_the_notebook_s_output_budget_and_are_never_left_out():
    executor = _executor()
    error = {"output_type": "error", "ename": "ValueError", "evalue": "e" * 10_000,
             "traceback": ["ValueError: " + "e" * 10_000]}
    kept = [executor._within_output_budget([error]) for _ in range(60)]
    fits = 2**20 // (10_000 + len(error["traceback"][0]))  # 52 of them
    assert all(outputs == [error] for outputs in kept[:fits]) and executor._output_room == 0
    last = kept[fits]
    assert [o["output_type"] for o in last] == ["error"] and last[0]["ename"] == "ValueError"
    assert "reached the grader's limit of 1 MiB" in last[0]["evalue"]
    text = {"output_type": "stream", "name": "stdout", "text": "t"}
    assert "not kept" in executor._within_output_budget([text, error])[0]["text"]
