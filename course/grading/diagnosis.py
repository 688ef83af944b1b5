"""What a wrong array result has in common with the right one: hints that need no declaration.

When a result differs from the expected one, a count of wrong positions tells
the student little. Many mistakes leave a trace that the grader can see from
the two arrays alone: the result is the expected one transposed, reversed,
shifted by one position, negated or scaled, one element short or long, cut to
whole numbers, or holds NaN where numbers belong. :func:`diagnose` looks for
these and says which, as a hint in the grader's words.

A hint names a relation, never a value: not the expected numbers, not the
factor or the direction of a shift (with the student's own result in hand,
either would give the expected values away), not a hidden input.
"""
import numpy as np

# Arrays larger than this are diagnosed on the message's description alone: each
# relation below costs a pass over both arrays in the grader's process.
MAX_ELEMENTS = 2**22


def _close(a, b, rtol, atol):
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.all(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)))
    return bool(np.array_equal(a, b))


def _numeric(array):
    return array.dtype.kind in "biufc" and array.dtype.names is None


def _same_shape_hints(actual, expected, rtol, atol):
    """Hints for a result of the right shape whose values are wrong."""
    if expected.size == 0:
        return None
    finite = np.isfinite(expected) if expected.dtype.kind in "fc" else np.ones(expected.shape, bool)
    if actual.dtype.kind in "fc":
        nan = np.isnan(actual) & finite
        if nan.any():
            return (f"holds NaN at {int(np.count_nonzero(nan))} of {expected.size} positions where a number"
                    " belongs: look for a division by zero or an operation on an empty selection")
    if expected.ndim >= 2 and expected.shape[-1] == expected.shape[-2] and \
            _close(actual, np.swapaxes(expected, -1, -2), rtol, atol) and \
            not _close(expected, np.swapaxes(expected, -1, -2), rtol, atol):
        return "is transposed: its rows are the columns the statement asks for"
    for axis in range(expected.ndim):
        if expected.shape[axis] > 1:
            flipped = np.flip(expected, axis)
            if _close(actual, flipped, rtol, atol) and not _close(expected, flipped, rtol, atol):
                where = "" if expected.ndim == 1 else f" along axis {axis}"
                return f"is in reverse order{where}"
    for axis in range(expected.ndim):
        n = expected.shape[axis]
        if n > 2:
            head, tail = [slice(None)] * expected.ndim, [slice(None)] * expected.ndim
            head[axis], tail[axis] = slice(1, None), slice(None, -1)
            head, tail = tuple(head), tuple(tail)
            if (_close(actual[head], expected[tail], rtol, atol) or _close(actual[tail], expected[head], rtol, atol)) \
                    and not _close(expected[head], expected[tail], rtol, atol):
                where = "" if expected.ndim == 1 else f" along axis {axis}"
                return (f"is shifted by one position{where}: look for an off-by-one in an index,"
                        " a slice or a range")
    if expected.dtype.kind in "iufc" and actual.dtype.kind in "iufc":
        if np.any(expected != 0) and _close(actual, -expected, rtol, atol):
            return "has the wrong sign at every position"
        nonzero = (expected != 0) & finite
        if nonzero.any() and np.all(actual[~nonzero & finite] == 0):
            ratios = actual[nonzero] / expected[nonzero]
            if np.all(np.isfinite(ratios)) and np.allclose(ratios, ratios[0], rtol=max(rtol, 1e-9), atol=0) \
                    and not np.isclose(ratios[0], 1, rtol=1e-3, atol=0) and ratios[0] != 0:   # not rounding
                return "is off by the same factor at every position: look for a missing or extra constant"
    if expected.dtype == np.float64 and rtol < 1e-7 and _close(actual, expected, 1e-6, atol):
        return ("is correct to about 7 significant digits only: look for a step in"
                " single precision (float32)")
    if expected.dtype.kind == "f" and actual.dtype.kind == "f" and np.any(expected[finite] % 1 != 0):
        if any(_close(actual, cut(expected), rtol, atol) for cut in (np.trunc, np.floor, np.round)):
            return ("holds whole numbers where the values have fractions: look for an integer dtype"
                    " or a rounding step on the way")
    return None


def _length_hint(actual, expected):
    """A hint for a result one element short or long along one axis."""
    if actual.ndim != expected.ndim:
        return None
    differing = [axis for axis in range(expected.ndim) if actual.shape[axis] != expected.shape[axis]]
    if len(differing) != 1:
        return None
    axis = differing[0]
    change = actual.shape[axis] - expected.shape[axis]
    if abs(change) != 1:
        return None
    where = "" if expected.ndim == 1 else f" along axis {axis}"
    return (f"has one element too {'many' if change > 0 else 'few'}{where}: check whether your range or slice"
            " includes its end")


def diagnose(actual, expected, *, rtol=1e-7, atol=0.0):
    """A hint (the end of a sentence that starts with "the result ...") of what a wrong
    ``actual`` has in common with ``expected``, or None. Both are NumPy arrays."""
    if not (isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray)):
        return None
    if not (_numeric(actual) and _numeric(expected)) or max(actual.size, expected.size) > MAX_ELEMENTS:
        return None
    if actual.shape != expected.shape:
        return _length_hint(actual, expected)
    with np.errstate(all="ignore"):
        return _same_shape_hints(actual, expected, rtol, atol)
