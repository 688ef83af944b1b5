"""The probe (course.grading.probe): what it measures next to the student's code."""
import gc
import types

import numpy as np
import pytest

from course.grading import check_vectorized
from course.grading.checks import GradingFailure
from course.grading.probe import _Watch, run_call


def _unlined(function):
    """``function`` with a code object in which no instruction has a line number."""
    units, table = len(function.__code__.co_code) // 2, bytearray()
    while units:
        run = min(units, 8)
        table.append(0x80 | (15 << 3) | (run - 1))  # "no location" for `run` code units
        units -= run
    function.__code__ = function.__code__.replace(co_linetable=bytes(table))
    return function


def _negate_between(Z, low, high):
    for i in range(len(Z)):
        if low < Z[i] < high:
            Z[i] = -Z[i]


def _codes(obj, seen):
    if isinstance(obj, types.CodeType) and id(obj) not in seen:
        seen.add(id(obj))
        yield obj
        for constant in obj.co_consts:
            yield from _codes(constant, seen)


def test_code_the_compiler_made_never_looks_like_it_hides_lines():
    seen = set()
    codes = [c for f in gc.get_objects() if isinstance(f, types.FunctionType) for c in _codes(f.__code__, seen)]
    assert len(codes) > 1000
    assert [c for c in codes if _Watch._hides_lines(c)] == []


def test_a_loop_without_line_numbers_runs_no_line_events_but_is_named():
    hidden = _unlined(types.FunctionType(_negate_between.__code__, globals()))
    report = run_call(hidden, (np.arange(1000.0), 3, 8), {}, count_lines=True)
    assert report.measurement.line_events == 0
    assert any("code without line numbers" in call for call in report.measurement.suspect_calls)


def test_recursion_without_line_numbers_is_named():
    def count(n):
        return 0 if n == 0 else 1 + count(n - 1)

    report = run_call(_unlined(count), (200,), {}, count_lines=True)
    assert report.value == 200
    assert report.measurement.suspect_calls


@pytest.mark.parametrize("hide", [False, True])
def test_a_correct_loop_loses_the_vectorization_point_with_or_without_line_numbers(hide):
    answer = types.FunctionType(_negate_between.__code__, globals())
    rng = np.random.default_rng(5)
    with pytest.raises(GradingFailure):
        check_vectorized(_unlined(answer) if hide else answer,
                         lambda n: (rng.normal(size=n), -0.5, 0.5)).modifies_in_place(0, _negate_between)


def test_a_vectorized_answer_keeps_it():
    rng = np.random.default_rng(6)

    def answer(Z, low, high):
        np.negative(Z, out=Z, where=(low < Z) & (Z < high))

    check_vectorized(answer, lambda n: (rng.normal(size=n), -0.5, 0.5)).modifies_in_place(0, _negate_between)
