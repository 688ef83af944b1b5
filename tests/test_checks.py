"""The check API that hidden tests call: each check passes a correct function and fails a wrong one."""
import numpy as np
import pytest

from course.grading import GradingFailure, check, check_value, check_vectorized
from course.grading.wire import Opaque, roundtrip


def flip(Z):
    return Z[::-1]


def flip_copy(Z):
    return Z[::-1].copy()


def flip_loop(Z):
    return np.array([Z[i] for i in range(len(Z) - 1, -1, -1)])


def oracle_flip(Z):
    return np.array(list(reversed(Z.tolist())), dtype=Z.dtype)


def test_agrees_with_accepts_a_correct_function_on_a_strided_view():
    check(flip, np.arange(20)[::3], case="a view").agrees_with(oracle_flip)


def test_agrees_with_rejects_a_wrong_function_without_showing_expected_values():
    with pytest.raises(GradingFailure, match=r"sort \(a view\): the result is wrong at") as info:
        check(np.sort, np.arange(20)[::3], case="a view").agrees_with(oracle_flip)
    assert "19" not in str(info.value)


def test_returns_array_checks_shape_and_kind():
    check(flip, np.arange(4)).returns_array(shape=(4,), kind="iu")
    with pytest.raises(GradingFailure, match="dtype"):
        check(flip, np.arange(4.0)).returns_array(kind="iu")
    with pytest.raises(GradingFailure, match="not a NumPy array"):
        check(lambda Z: list(Z), np.arange(4)).returns_array()


def test_is_view_of_accepts_a_view_and_rejects_a_copy():
    check(flip, np.arange(5)).is_view_of(0)
    with pytest.raises(GradingFailure, match="returned a copy"):
        check(flip_copy, np.arange(5)).is_view_of(0)


def test_is_new_array_accepts_tile_and_rejects_a_view():
    check(lambda Z: np.tile(Z, (2, 1)), np.arange(3)).is_new_array()
    with pytest.raises(GradingFailure, match="returned a view"):
        check(lambda Z: np.broadcast_to(Z, (2, 3)), np.arange(3)).is_new_array()


def test_modifies_in_place_compares_the_argument_after_the_call():
    def negate(Z):
        Z[Z > 2] *= -1

    def oracle(Z):
        for i in range(len(Z)):
            if Z[i] > 2:
                Z[i] = -Z[i]

    check(negate, np.arange(6)).modifies_in_place(0, oracle)
    with pytest.raises(GradingFailure, match="argument 1 after the call"):
        check(lambda Z: np.where(Z > 2, -Z, Z), np.arange(6)).modifies_in_place(0, oracle)


def test_leaves_arguments_unchanged_catches_a_modified_input():
    check(flip_copy, np.arange(5)).leaves_arguments_unchanged()
    with pytest.raises(GradingFailure, match="modified argument 1"):
        check(lambda Z: Z.sort(), np.arange(5)[::-1].copy()).leaves_arguments_unchanged()


def test_a_student_exception_becomes_a_failure_even_systemexit():
    def leave():
        raise SystemExit(0)

    with pytest.raises(GradingFailure, match="raised SystemExit"):
        check(leave)


def test_check_vectorized_accepts_whole_array_code_and_rejects_a_loop():
    check_vectorized(flip, lambda n: (np.arange(n),))
    with pytest.raises(GradingFailure, match="not vectorized"):
        check_vectorized(flip_loop, lambda n: (np.arange(n),))


def test_check_vectorized_allows_a_loop_of_fixed_length():
    def smooth(Z, steps=3):
        for _ in range(steps):
            Z = (Z[:-2] + Z[1:-1] + Z[2:]) / 3
        return Z

    check_vectorized(smooth, lambda n: (np.ones(n),))


def test_check_vectorized_rejects_switching_the_tracer_off():
    import sys

    def sneaky(Z):
        sys.settrace(None)
        return np.array([z for z in Z])

    with pytest.raises(GradingFailure, match="tracer"):
        check_vectorized(sneaky, lambda n: (np.arange(n),))


def test_check_value_handles_nan_and_bool_results():
    expected = (np.nan, False, False, np.nan, False)
    check_value([float("nan"), np.False_, False, np.float64("nan"), False], expected, name="nan_results")
    with pytest.raises(GradingFailure, match="item 1"):
        check_value((np.nan, True, False, np.nan, False), expected, name="nan_results")
    with pytest.raises(GradingFailure, match="expected a bool"):
        check_value((np.nan, 0, False, np.nan, False), expected, name="nan_results")


def test_a_lying_object_cannot_pass_a_comparison():
    class Always:
        def __eq__(self, other):
            return True

    class Lying(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), bool)

    with pytest.raises(GradingFailure):
        check(lambda: Always()).equals(3)
    with pytest.raises(GradingFailure, match="wrong at"):
        check(lambda: np.zeros(3).view(Lying)).equals(np.arange(3.0))
    assert isinstance(roundtrip(Always()), Opaque)


def test_wire_keeps_views_generators_and_structured_arrays():
    Z = np.arange(24.0).reshape(4, 6)
    view = roundtrip(Z[::2, 1::-1])
    np.testing.assert_array_equal(view, Z[::2, 1::-1])
    assert view.strides == Z[::2, 1::-1].strides and view.base is not None
    rng = roundtrip(np.random.default_rng(5))
    assert rng.integers(1000) == np.random.default_rng(5).integers(1000)
    S = np.zeros(2, dtype=[("p", float, (2,)), ("k", int)])
    assert roundtrip(S).dtype == S.dtype
