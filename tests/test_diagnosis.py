"""Hints from the two arrays alone (course.grading.diagnosis): each relation is seen, an
unrelated wrong result gets none, and no hint holds a value of the expected result."""
import numpy as np
import pytest

from course.grading.diagnosis import diagnose

E = np.arange(1, 13, dtype=float).reshape(3, 4) / 3
SQUARE = np.arange(1.0, 10.0).reshape(3, 3)
LINE = np.arange(10.0) * 1.5

CASES = {
    "is transposed": (SQUARE.T, SQUARE),
    "is in reverse order along axis 0": (E[::-1], E),
    "is in reverse order along axis 1": (E[:, ::-1], E),
    "is in reverse order:": (LINE[::-1], LINE),
    "is shifted by one position": (np.roll(LINE, 1), LINE),
    "has the wrong sign at every position": (-E, E),
    "is off by the same factor at every position": (E / 2, E),
    "has one element too few": (LINE[:-1], LINE),
    "has one element too many along axis 1": (np.zeros((3, 5)), E),
    "holds whole numbers where the values have fractions": (np.floor(E), E),
    "holds NaN at 4 of 12 positions": (np.where(E >= 3, np.nan, E), E),
    "to about 7 significant digits only": (E * (1 + 3e-7 * np.cos(np.arange(12.0)).reshape(3, 4)), E),
}
RTOL = {"to about 7 significant digits only": 1e-10}   # a check that asks for double precision


@pytest.mark.parametrize("words", CASES)
def test_each_relation_is_named(words):
    actual, expected = CASES[words]
    hint = diagnose(actual, expected, rtol=RTOL.get(words, 1e-7))
    assert hint and words.rstrip(":") in hint, hint
    # a relation, never a value of the expected result (nor a factor or a direction)
    assert not any(f"{x:.3}" in hint for x in np.ravel(expected) if x % 1)
    assert not any(word in hint for word in ("left", "right", "twice", "half"))


def test_an_unrelated_wrong_result_and_symmetric_cases_get_no_hint():
    assert diagnose(E + 0.1, E) is None
    assert diagnose(E * (1 + 1e-6 * np.cos(E)), E) is None   # the default tolerance: not a precision hint
    assert diagnose(E * (1 + 1e-6), E) is None                # nor a factor: that is rounding
    assert diagnose(np.eye(3), np.eye(3) * 0 + np.eye(3)[::-1]) is not None  # a flip is a flip ...
    symmetric = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert diagnose(symmetric + 1, symmetric) is None  # ... but a symmetric array is not "transposed"
    assert diagnose(np.full(5, 2.0), np.full(5, 1.0)) == "is off by the same factor at every position: " \
        "look for a missing or extra constant"
    assert diagnose(np.ones(3), np.ones(5)) is None          # two off: not an off-by-one
    assert diagnose([1, 2], np.array([2, 1])) is None         # not arrays


def test_large_or_non_numeric_arrays_are_not_diagnosed():
    big = np.zeros(2**22 + 1)
    assert diagnose(big[::-1] + 1, big) is None
    words = np.array(["a", "b"])
    assert diagnose(words[::-1], words) is None
