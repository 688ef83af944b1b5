"""The check API that hidden tests call.

A hidden test says *what* to check::

    from course.grading import check, check_vectorized
    check(reverse, Z[::3], case="a strided view").agrees_with(oracle).is_new_array()
    check_vectorized(reverse, lambda n: (np.arange(n),))

and this module decides *how*. The student's function is called once per
:func:`check`, either here (in-kernel validation of the source notebook) or in
the student's isolated process (autograding), and every verdict is made from a
plain-data report (:mod:`course.grading.probe`), so both ways judge alike.

Failure messages say what is wrong and in which case, never the expected
values or the hidden inputs.
"""
import copy
import math

import numpy as np

from . import wire
from .probe import run_call
from .remote import RemoteObject


class GradingFailure(AssertionError):
    """A hidden check failed; the message is meant for the student."""


def _name(func):
    return getattr(func, "__name__", None) or "the function"


def _slot_name(slot):
    return f"argument {slot + 1}" if isinstance(slot, int) else f"argument {slot!r}"


def run(func, args=(), kwargs=None, **options):
    """Call ``func`` through the probe; return its report as plain data."""
    if isinstance(func, RemoteObject):
        return func._grading_call(tuple(args), dict(kwargs or {}), options)
    if not callable(func):
        raise GradingFailure(f"{_name(func)} is not a function")
    return wire.roundtrip(run_call(func, tuple(args), kwargs, **options))


def check(func, *args, case=None, **kwargs):
    """Call ``func(*args, **kwargs)`` once and return a :class:`Checked` to assert on.

    ``case`` names the case in failure messages ("empty input", "a view"...).
    Raises :class:`GradingFailure` if the function raised.
    """
    pristine = copy.deepcopy((args, kwargs))
    report = run(func, args, kwargs)
    return Checked(func, pristine, report, case)


class Checked:
    """The outcome of one call, with assertions that raise :class:`GradingFailure`."""

    def __init__(self, func, pristine, report, case):
        self.name = _name(func)
        self.case = case
        self._pristine = pristine
        self.report = report
        if report["error"] is not None:
            error = report["error"]
            self.fail(f"raised {error['type']}: {error['message']}"
                      if error["message"] else f"raised {error['type']}")
        self.value = report["value"]

    # -- helpers -----------------------------------------------------------
    def fail(self, message):
        where = f" ({self.case})" if self.case else ""
        raise GradingFailure(f"{self.name}{where}: {message}")

    def fresh_arguments(self):
        """A deep copy of the arguments as they were before the call."""
        return copy.deepcopy(self._pristine)

    def _result(self):
        if self.report["result"] is None:
            self.fail(f"returned {self.report['result_type']}, not a NumPy array")
        return self.report["result"]

    # -- what the value is -------------------------------------------------
    def returns_array(self, *, shape=None, ndim=None, kind=None):
        """The result is an ndarray; ``kind`` is a string of allowed dtype kinds ("iu", "f", "b")."""
        facts = self._result()
        if ndim is not None and len(facts["shape"]) != ndim:
            self.fail(f"returned a {len(facts['shape'])}-D array, expected {ndim}-D")
        if shape is not None and facts["shape"] != tuple(shape):
            self.fail(f"returned shape {facts['shape']}, expected {tuple(shape)}")
        if kind is not None and facts["kind"] not in kind:
            self.fail(f"returned dtype {facts['dtype']}, expected {_kind_words(kind)}")
        return self

    def equals(self, expected, *, rtol=1e-7, atol=0.0):
        """The value equals ``expected`` (arrays: same shape, compatible dtype, close values)."""
        problem = difference(self.value, expected, rtol=rtol, atol=atol)
        if problem:
            self.fail(problem)
        return self

    def agrees_with(self, oracle, *, rtol=1e-7, atol=0.0):
        """The value equals what ``oracle`` returns for a fresh copy of the same arguments."""
        args, kwargs = self.fresh_arguments()
        return self.equals(oracle(*args, **kwargs), rtol=rtol, atol=atol)

    def satisfies(self, predicate, message):
        """``predicate(value)`` is true; otherwise fail with ``message``."""
        try:
            verdict = bool(predicate(self.value))
        except Exception:  # noqa: BLE001 - a value of the wrong kind fails the predicate
            verdict = False
        if not verdict:
            self.fail(message)
        return self

    # -- memory --------------------------------------------------------------
    def is_view_of(self, slot=0):
        """The result uses the memory of argument ``slot`` (no copy)."""
        facts = self._result()
        if slot not in facts["shares_memory_with"]:
            self.fail(f"returned a copy; it must be a view sharing the memory of {_slot_name(slot)}")
        return self

    def is_new_array(self):
        """The result shares no memory with the arguments (a copy, not a view).

        ``flags.owndata`` is not required: ``np.tile`` returns a reshaped view
        of the new buffer it made, which is a copy all the same.
        """
        facts = self._result()
        if facts["shares_memory_with"]:
            self.fail(f"returned a view of {_slot_name(facts['shares_memory_with'][0])}; "
                      "it must be a new array")
        return self

    def has_strides(self, predicate, message):
        """``predicate(strides)`` holds for the result's strides (in bytes)."""
        strides = self._result()["strides"]
        if not predicate(strides):
            self.fail(message)
        return self

    # -- arguments -----------------------------------------------------------
    def leaves_arguments_unchanged(self):
        """No array argument was modified."""
        changed = [slot for slot, modified in self.report["args_modified"].items() if modified]
        if changed:
            self.fail(f"modified {_slot_name(changed[0])}; it must leave its input unchanged")
        return self

    def argument_after(self, slot):
        """The value of argument ``slot`` after the call."""
        args, kwargs = self.report["args_after"]
        return args[slot] if isinstance(slot, int) else kwargs[slot]

    def modifies_in_place(self, slot, oracle, *, rtol=1e-7, atol=0.0):
        """Argument ``slot`` after the call equals what the in-place ``oracle`` makes of a copy."""
        args, kwargs = self.fresh_arguments()
        oracle(*args, **kwargs)
        expected = args[slot] if isinstance(slot, int) else kwargs[slot]
        problem = difference(self.argument_after(slot), expected, rtol=rtol, atol=atol)
        if problem:
            self.fail(f"{_slot_name(slot)} after the call: {problem}")
        return self


def check_vectorized(func, make_arguments, *, sizes=(1_000, 8_000), what="element"):
    """``func`` runs no Python-level loop over its input.

    ``make_arguments(n)`` returns the argument tuple for input size ``n``. The
    function is called at each size while counting Python line events (in any
    frame); a loop over the input adds at least one event per ``what``, while
    whole-array code runs the same lines whatever the size. Loops whose length
    does not depend on ``n`` (over time steps, say) are allowed.
    """
    name = _name(func)
    counts = []
    for n in sizes:
        report = run(func, make_arguments(n), count_lines=True, send_value=False, send_args=False)
        if report["error"] is not None:
            raise GradingFailure(f"{name} (size {n}): raised {report['error']['type']}: "
                                 f"{report['error']['message']}")
        if report["trace_disabled"]:
            raise GradingFailure(f"{name}: turned off the tracer that counts its loops")
        counts.append(report["line_events"])
    growth = counts[-1] - counts[0]
    allowed = (sizes[-1] - sizes[0]) // 16 + 16
    if growth > allowed:
        raise GradingFailure(
            f"{name} is not vectorized: it runs Python code once per {what} "
            f"({counts[0]} lines executed for size {sizes[0]}, {counts[-1]} for size {sizes[-1]}). "
            "Use whole-array operations instead of a Python loop.")


def check_value(value, expected, *, name, rtol=1e-7, atol=0.0):
    """A named value (not a function) equals ``expected``."""
    problem = difference(value, expected, rtol=rtol, atol=atol)
    if problem:
        raise GradingFailure(f"{name}: {problem}")


# -- comparing plain data -------------------------------------------------------
_KIND_WORDS = {"i": "integer", "u": "unsigned integer", "f": "floating-point",
               "b": "boolean", "c": "complex"}


def _kind_words(kinds):
    return " or ".join(sorted({_KIND_WORDS.get(k, k) for k in kinds})) + " dtype"


def _compatible_kinds(expected_kind):
    return {"i": "iu", "u": "iu", "b": "b", "f": "f", "c": "c"}.get(expected_kind, expected_kind)


def _is_number(x):
    return isinstance(x, (int, float, complex, np.number)) and not isinstance(x, (bool, np.bool_))


def _type_of(actual):
    """The type a student's result had, in their terms (a placeholder names the student's type)."""
    if isinstance(actual, wire.Opaque):
        return f"{actual.type_name} object (not plain data the grader can read)"
    return wire.type_name(actual)


def difference(actual, expected, *, rtol=1e-7, atol=0.0, where="the result"):
    """Describe how ``actual`` differs from ``expected``, or return None if they match.

    The description never contains the expected values.
    """
    if isinstance(expected, np.ndarray):
        if not isinstance(actual, np.ndarray):
            return f"{where} is a {_type_of(actual)}, expected a NumPy array"
        if actual.shape != expected.shape:
            return f"{where} has shape {actual.shape}, expected {expected.shape}"
        allowed = _compatible_kinds(expected.dtype.kind)
        if actual.dtype.kind not in allowed:
            return f"{where} has dtype {actual.dtype}, expected {_kind_words(allowed)}"
        if expected.dtype.names is not None:
            same = actual.dtype == expected.dtype and np.array_equal(actual, expected)
            return None if same else f"{where} has the wrong values"
        if expected.dtype.kind in "fc":
            bad = ~np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
        else:
            bad = actual != expected
        if np.any(bad):
            return f"{where} is wrong at {int(np.count_nonzero(bad))} of {bad.size} positions"
        return None
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)):
            return f"{where} is a {_type_of(actual)}, expected a bool"
        return None if bool(actual) == bool(expected) else f"{where} is wrong"
    if _is_number(expected):
        if not _is_number(actual):
            return f"{where} is a {_type_of(actual)}, expected a number"
        if isinstance(expected, (float, np.floating)) and math.isnan(expected):
            return None if isinstance(actual, (float, np.floating)) and math.isnan(actual) \
                else f"{where} is wrong"
        if isinstance(expected, (int, np.integer)) and isinstance(actual, (int, np.integer)):
            return None if int(actual) == int(expected) else f"{where} is wrong"
        close = abs(complex(actual) - complex(expected)) <= atol + rtol * abs(complex(expected))
        return None if close else f"{where} is wrong"
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)):
            return f"{where} is a {_type_of(actual)}, expected a sequence"
        if len(actual) != len(expected):
            return f"{where} has {len(actual)} items, expected {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            problem = difference(a, e, rtol=rtol, atol=atol, where=f"item {i} of {where}")
            if problem:
                return problem
        return None
    return None if type(actual) is type(expected) and actual == expected else f"{where} is wrong"
