"""Handles on objects that live in the student's process.

During isolated autograding, a hidden test sees the student's function as a
:class:`RemoteObject`. Calling it sends the arguments to the student's process
as plain data and brings back a report as plain data; nothing of the
student's is ever called in the grader. An object the student's code returns
(an instance of the student's class, say) comes back as a RemoteObject too:
its methods can be called and its attributes read, as plain data, and it can
be passed back to the student's code by reference.

Without isolation (validating a notebook in its kernel) a :class:`LocalObject`
plays the same part, so that hidden tests read alike both ways.
"""
from dataclasses import replace

import numpy as np

from . import wire
from .call_report import CallReport
from .probe import run_call
from .wording import type_phrase

# What goes by value between the processes; anything else stays where it was made.
PLAIN = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict,
         slice, np.ndarray, np.generic, np.random.Generator, np.dtype)


class StudentCodeError(Exception):
    """The student's code raised; carries the exception's type name and message."""

    def __init__(self, type_name, message, classes=()):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name, self.message, self.classes = type_name, message, tuple(classes)

    @classmethod
    def from_report(cls, error):
        """From the ``error`` of a call report (:class:`~course.grading.call_report.ErrorFacts`)."""
        return cls(error.type, error.message, error.classes)


def _value_of(report):
    """What a call returned, or its exception as a :class:`StudentCodeError`."""
    if report.error is not None:
        raise StudentCodeError.from_report(report.error)
    return report.value


class RemoteObject(wire.StudentObjectHandle):
    """A callable or object in the student's process, known by a reference.

    Passed as an argument to another of the student's functions, it arrives
    there as the object itself.
    """

    __slots__ = ("_session", "_ref", "__name__", "_type_name")

    def __init__(self, session, ref, name, type_name):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "__name__", name)
        object.__setattr__(self, "_type_name", type_name)

    def _wire_reference(self):
        return self._session._current(self._ref)  # refuses a handle from before a restart

    def _grading_call(self, args, kwargs, options):
        """Run :func:`course.grading.probe.run_call` on it in the student's process."""
        return self._session.call(self._ref, args, kwargs, options)

    def __call__(self, *args, **kwargs):
        return _value_of(self._grading_call(args, kwargs, {"send_args": False}))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._session.get_attribute(self._ref, name)
        if isinstance(value, RemoteObject):  # failure messages name it "p.reset", not "reset"
            object.__setattr__(value, "__name__", f"{self.__name__}.{name}")
        return value

    def __setattr__(self, name, value):
        raise AttributeError("objects of the student's process are read-only here")

    def __copy__(self):
        return self  # a handle is a reference: its copies refer to the same object

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        # in the grader's words: the type's name is the student's text (tracebacks may show it)
        return f"<{type_phrase(self._type_name)} of the student's: {self.__name__}>"


def _shared_locally(value, name):
    """What a hidden test gets of a local value: plain data, or a handle on it."""
    if isinstance(value, PLAIN) and not callable(value):
        return wire.roundtrip(value)
    return LocalObject(value, name)


def local_report(report):
    """A :func:`~course.grading.probe.run_call` report as the grader sees it from a worker:
    sent as plain data and rebuilt, with a returned object of the student's as a :class:`LocalObject`."""
    value = report.value
    received = CallReport.from_plain(wire.roundtrip(replace(report, value=None).to_plain()))
    if report.error is not None:
        return received
    if isinstance(value, PLAIN) and not callable(value):
        return replace(received, value=wire.roundtrip(value))
    return replace(received, value=LocalObject(value, "result"))


def unwrap_local(value, depth=0):
    """``value`` with each :class:`LocalObject` replaced by the student's object it stands for."""
    if isinstance(value, LocalObject):
        return value._target
    if depth < 10 and type(value) in (list, tuple):
        return type(value)(unwrap_local(item, depth + 1) for item in value)
    if depth < 10 and type(value) is dict:
        return {key: unwrap_local(item, depth + 1) for key, item in value.items()}
    return value


class LocalObject:
    """A student's object in this process, used like a :class:`RemoteObject`."""

    __slots__ = ("_target", "__name__", "_type_name")

    def __init__(self, target, name):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "__name__", name)
        object.__setattr__(self, "_type_name", wire.type_name(target))

    def _grading_call(self, args, kwargs, options):
        args, kwargs = unwrap_local((tuple(args), dict(kwargs or {})))
        return local_report(run_call(self._target, args, kwargs, **options))

    def __call__(self, *args, **kwargs):
        return _value_of(self._grading_call(args, kwargs, {"send_args": False}))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            value = getattr(self._target, name)
        except Exception as error:  # noqa: BLE001 - as the worker reports a failed lookup
            raise AttributeError(f"{type(error).__name__}: {error}") from None
        return _shared_locally(value, f"{self.__name__}.{name}")

    def __setattr__(self, name, value):
        raise AttributeError("objects of the student's process are read-only here")

    def __copy__(self):
        return self  # a handle is a reference: its copies refer to the same object

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        # in the grader's words: the type's name is the student's text (tracebacks may show it)
        return f"<{type_phrase(self._type_name)} of the student's: {self.__name__}>"
