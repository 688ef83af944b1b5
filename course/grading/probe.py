"""Call a student's function once and record what happened, as plain data.

This is the only grading code that runs next to the student's code. It takes
references to everything it uses at import time, before any student code
runs, so replacing ``numpy.shares_memory`` or ``sys.settrace`` afterwards
changes nothing here. It measures and reports; it judges nothing. The
verdicts are made from its report by :mod:`course.grading.checks`.
"""
import copy
import sys
import threading

import numpy as np

from .wire import _BASE, _FLAGS, _owner, type_name

_settrace, _gettrace = sys.settrace, sys.gettrace
_thread_settrace = threading.settrace
_shares_memory, _may_share_memory = np.shares_memory, np.may_share_memory
_array_equal, _ndarray, _TooHard = np.array_equal, np.ndarray, np.exceptions.TooHardError
_as_plain = _ndarray.view


def _arrays_in(args, kwargs):
    """The positions of the array arguments, as ``0, 1, ...`` or keyword names."""
    slots = [(i, a) for i, a in enumerate(args)] + sorted(kwargs.items())
    return [(slot, value) for slot, value in slots if isinstance(value, _ndarray)]


def _shares(a, b):
    a, b = _as_plain(a, _ndarray), _as_plain(b, _ndarray)
    if not _may_share_memory(a, b):
        return False
    try:
        return bool(_shares_memory(a, b, max_work=10_000))
    except _TooHard:
        return True


def _same_values(before, after):
    try:
        return bool(_array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    except (TypeError, ValueError):
        return bool(_array_equal(before, after))


def describe_array(value, array_args):
    """Memory facts about ``value`` (an ndarray) and its relation to the arguments."""
    plain = _as_plain(value, _ndarray)
    flags = _FLAGS(value)
    owner = _owner(value)
    return {
        "shape": tuple(int(n) for n in plain.shape),
        "dtype": plain.dtype.str if plain.dtype.names is None else str(plain.dtype),
        "kind": plain.dtype.kind,
        "strides": tuple(int(s) for s in plain.strides),
        "owns_data": bool(flags.owndata),
        "is_view": _BASE(value) is not None,
        "c_contiguous": bool(flags.c_contiguous),
        "f_contiguous": bool(flags.f_contiguous),
        "writeable": bool(flags.writeable),
        # Which argument's memory the result uses (None if it has its own buffer).
        "shares_memory_with": tuple(slot for slot, arg in array_args if _shares(value, arg)),
        "same_owner_as": tuple(slot for slot, arg in array_args
                               if owner is not None and _owner(arg) is owner),
    }


class _LineCounter:
    """A trace function that counts Python line events in every frame."""

    def __init__(self):
        self.count = 0

    def __call__(self, frame, event, arg):
        if event == "call":
            return self
        if event == "line":
            self.count += 1
        return self


def run_call(func, args=(), kwargs=None, *, count_lines=False, send_value=True,
             send_args=True):
    """Call ``func(*args, **kwargs)`` and return a report (a dict of plain data).

    Keys: ``value`` (the return value, or None if not sent), ``error`` (None or
    ``{"type", "message"}``), ``result`` (memory facts when the value is an
    ndarray, else None), ``result_type``, ``args_after`` (the arguments after
    the call), ``args_modified`` (slot -> bool, for array arguments),
    ``line_events`` (Python line events during the call, or None) and
    ``trace_disabled`` (the function turned the line counter off).
    """
    kwargs = dict(kwargs or {})
    array_args = _arrays_in(args, kwargs)
    before = {slot: _as_plain(a, _ndarray).copy() for slot, a in array_args}
    counter = _LineCounter() if count_lines else None
    value, error = None, None
    if counter is not None:
        _thread_settrace(counter)
        _settrace(counter)
    try:
        value = func(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are answers too
        error = {"type": type(exc).__name__, "message": _message(exc)}
    finally:
        disabled = counter is not None and _gettrace() is not counter
        if counter is not None:
            _settrace(None)
            _thread_settrace(None)
    report = {
        "error": error,
        "value": value if send_value and error is None else None,
        "result_type": type_name(value) if error is None else None,
        "result": describe_array(value, array_args) if isinstance(value, _ndarray) else None,
        "args_modified": {slot: not _same_values(before[slot], _as_plain(a, _ndarray))
                          for slot, a in array_args},
        "args_after": (copy.copy(list(args)), dict(kwargs)) if send_args else None,
        "line_events": counter.count if counter is not None else None,
        "trace_disabled": bool(disabled),
    }
    return report


def _message(exc):
    try:
        return str(exc)[:500]
    except BaseException:  # noqa: BLE001
        return "(the exception's message could not be printed)"
