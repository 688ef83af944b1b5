"""Grader objects that a student's function works with: stand-ins for its collaborators.

``train_perceptron(network, ...)`` calls the methods of ``network``. To grade it
apart from the student's own ``Perceptron``, a hidden test passes::

    stand_in(Oracle(2, 1), {"propagate_forward": accepts(data=numbers(shape=(2,))),
                            "propagate_backward": accepts(target=numbers(shape=(1,)),
                                                          lrate=optional(number()))},
             name="Perceptron")

In the student's process that arrives as a proxy: each method call and
attribute read on it is sent back to the grader, which runs it on its own
object and answers with plain data. The stand-in records every call, so the
hidden test can check how the function used its collaborator.

Each method says what it accepts (:func:`accepts`), in the statement's words:
an argument the method does not accept is refused before it is copied,
recorded or given to the grader's object, because the oracle would run on any
dtype and shape (a zero-stride view of 64 MiB becomes 512 MiB of floats).
The records have a total cap (``wire.MAX_STAND_IN_CALLS`` and
``wire.MAX_STAND_IN_BYTES``). A refused call answers the student's code with
an error and is kept in :attr:`StandIn.refused`: :func:`course.grading.check`
fails on it with a plain message even if the student's code caught the error.

What crosses the boundary: the method names, the arguments the student's code
passes, and what the grader's object answers, which are inputs of the
function under test (a correct function needs them). The object and its code
stay in the grader; nothing of the student's is called here.
"""
import copy
import itertools
from dataclasses import dataclass, field

import numpy as np

from . import wire

_ids = itertools.count(1)


@dataclass
class Call:
    """One call the student's code made on a stand-in: arguments and answer as plain data."""
    method: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    value: object = None
    error: str | None = None


# -- what a method accepts ---------------------------------------------------------------------
def _is_number(value):
    """A real int or float: Python's or NumPy's scalar, not a bool."""
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)))


def _described(value):
    """What the student's code passed, in words: its kind and shape, never its values."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {str(value.dtype)[:40]}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    if _is_number(value):
        return "a number"
    return "a value of another kind" if isinstance(value, wire.Opaque) else f"a {type(value).__name__}"


class Numbers:
    """An array of ints or floats of a given shape (``None`` for any length along an axis),
    also as a (nested) list or tuple of numbers: what ``numbers(shape=(2,))`` accepts."""

    def __init__(self, shape, at_most):
        self.shape = tuple(shape)
        self.at_most = at_most

    def __str__(self):
        shape = self.shape
        if len(shape) == 1 and shape[0] is not None:
            what = f"{shape[0]} number{'s' if shape[0] != 1 else ''}"
        else:
            what = "numbers of shape (" + ", ".join("any" if s is None else str(s) for s in shape) + \
                   ("," if len(shape) == 1 else "") + ")"
        return f"{what} (an array, list or tuple of ints or floats)"

    def _fits(self, shape):
        return len(shape) == len(self.shape) and all(
            want is None or got == want for got, want in zip(shape, self.shape))

    def _nested_shape(self, value, depth=0, budget=None):
        """The shape of a list or tuple of numbers that fits ``self.shape``, or None; it walks
        no further than that shape allows."""
        budget = budget if budget is not None else [self.at_most]
        if depth == len(self.shape):
            budget[0] -= 1
            return () if _is_number(value) and budget[0] >= 0 else None
        if not isinstance(value, (list, tuple)):
            return None
        want = self.shape[depth]
        if (want is not None and len(value) != want) or len(value) > budget[0]:
            return None
        shapes = {self._nested_shape(item, depth + 1, budget) for item in value}
        if None in shapes or len(shapes) > 1:
            return None
        return (len(value), *(shapes.pop() if shapes else self.shape[depth + 1:]))

    def accepts(self, value):
        if isinstance(value, np.ndarray):
            return (value.dtype.kind in "iuf" and value.dtype.names is None and self._fits(value.shape)
                    and value.size <= self.at_most)
        if not self.shape:
            return _is_number(value)
        return isinstance(value, (list, tuple)) and self._nested_shape(value) is not None


class Number(Numbers):
    """One int or float (a NumPy scalar, or a 0-d array, too): what ``number()`` accepts."""

    def __init__(self):
        super().__init__((), 1)

    def __str__(self):
        return "a number (an int or a float)"


class Optional:
    """An argument that may be left out: the method's own default applies."""

    def __init__(self, spec):
        self.spec = spec

    def accepts(self, value):
        return self.spec.accepts(value)

    def __str__(self):
        return str(self.spec)


def numbers(shape=(None,), *, at_most=2**16):
    """Accepts an array, list or tuple of ints or floats of this ``shape`` (``None``: any
    length along that axis) and at most ``at_most`` numbers."""
    return Numbers(shape, at_most)


def number():
    """Accepts one int or float."""
    return Number()


def optional(spec):
    """The argument may be left out."""
    return Optional(spec)


class Accepts:
    """The parameters of a method, in order, each with what it accepts."""

    def __init__(self, parameters):
        self.parameters = dict(parameters)

    def signature(self):
        return ", ".join(f"{name}=..." if isinstance(spec, Optional) else name
                         for name, spec in self.parameters.items())

    def describe(self):
        return "; ".join(f"{name}: {spec}" + (" (may be left out)" if isinstance(spec, Optional) else "")
                         for name, spec in self.parameters.items())

    def check(self, where, args, kwargs):
        """Raise TypeError or ValueError, naming the method and what it accepts, unless the
        arguments fit. Looks at kinds and shapes only: nothing is copied or converted."""
        accepted = f"{where}({self.signature()}) accepts {self.describe()}"
        if not isinstance(args, (list, tuple)) or not isinstance(kwargs, dict):
            raise TypeError(accepted)
        names = list(self.parameters)
        if len(args) > len(names):
            raise TypeError(f"{accepted}; it was given {len(args)} positional arguments")
        given = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in self.parameters or name in given:
                raise TypeError(f"{accepted}; it was given the argument {str(name)[:40]!r}"
                                + (" twice" if name in given else ""))
            given[name] = value
        for name, spec in self.parameters.items():
            if name not in given:
                if not isinstance(spec, Optional):
                    raise TypeError(f"{accepted}; {name} is missing")
            elif not spec.accepts(given[name]):
                error = ValueError if isinstance(given[name], (np.ndarray, list, tuple)) else TypeError
                raise error(f"{where}: {name} must be {spec}, not {_described(given[name])}")


def accepts(**parameters):
    """What a stand-in's method accepts, parameter by parameter, in the order of its signature:
    ``accepts(target=numbers(shape=(1,)), lrate=optional(number()))``."""
    return Accepts(parameters)


def _held_bytes(value, depth=0):
    """About what a recorded value holds in memory (validated arguments and the oracle's answers
    are shallow: arrays, lists of numbers, numbers)."""
    if isinstance(value, np.ndarray):
        return 112 + value.nbytes
    if depth < 10 and isinstance(value, (list, tuple)):
        return 56 + sum(8 + _held_bytes(item, depth + 1) for item in value)
    if depth < 10 and isinstance(value, dict):
        return 232 + sum(_held_bytes(k, depth + 1) + _held_bytes(v, depth + 1) for k, v in value.items())
    return 32


class StandIn(wire.GraderObject):
    """A grader's object offered to the student's code, by reference; see :func:`stand_in`."""

    def __init__(self, target, methods, name=None):
        if not isinstance(methods, dict) or not all(isinstance(a, Accepts) for a in methods.values()):
            raise TypeError("stand_in: give each method what it accepts, "
                            "{'method': accepts(name=numbers(...), ...)}")
        self._target = target
        self._accepts = dict(methods)
        self._methods = tuple(methods)
        self._type_label = name or type(target).__name__
        self._grader_id = next(_ids)
        self._held = 0
        self.calls = []
        self.refused = None   # why the first refused call was refused, for the verdict

    @property
    def target(self):
        """The grader's object behind the stand-in (in the state the student's calls left it)."""
        return self._target

    def _refuse(self, error, verdict):
        if self.refused is None:
            self.refused = verdict
        raise error

    def answer(self, op, name, args=(), kwargs=None, *, from_wire=False):
        """Serve one request of the student's code: ``op`` is "call", "getattr" or "copy" (refused).

        Arguments and answers are copied as plain data both ways, so the
        student's code and the grader's object never share anything; with
        ``from_wire`` the arguments were just decoded from the student's
        process and the answer will be encoded for it, which copies already.
        """
        name = str(name)
        kwargs = {} if kwargs is None else kwargs
        if op == "copy":  # copy.copy or copy.deepcopy of it: a copy would not be the grader's object
            self._refuse(TypeError(f"the {self._type_label} given to your function cannot be copied"),
                         f"made a copy of the {self._type_label} it was given: work with the"
                         f" {self._type_label} itself, the one passed in")
        if op == "call" and name in self._methods:
            if not from_wire:
                args, kwargs = wire.roundtrip((tuple(args), dict(kwargs)))
            where = f"{self._type_label}.{name}"
            try:  # before anything is copied, recorded or given to the grader's object
                self._accepts[name].check(where, args, kwargs)
            except (TypeError, ValueError) as error:
                self._refuse(error, f"called {where} with arguments it does not accept ({error})")
            held = _held_bytes(args) + _held_bytes(kwargs)
            if len(self.calls) >= wire.MAX_STAND_IN_CALLS or self._held + held > wire.MAX_STAND_IN_BYTES:
                self._refuse(RuntimeError(f"the {self._type_label} given to your function answers at most "
                                          f"{wire.MAX_STAND_IN_CALLS:,} calls"),
                             f"made more calls on the {self._type_label} it was given than the grader "
                             f"keeps ({wire.MAX_STAND_IN_CALLS:,} calls, "
                             f"{wire.MAX_STAND_IN_BYTES // 2**20} MiB of arguments and answers)")
            record = Call(name, copy.deepcopy(tuple(args)), copy.deepcopy(dict(kwargs)))
            self.calls.append(record)
            self._held += held
            try:
                value = getattr(self._target, name)(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - the student's call was wrong: tell the student
                record.error = f"{type(error).__name__}: {error}"
                raise
            value = value if from_wire else wire.roundtrip(value)
            record.value = copy.deepcopy(value)
            self._held += _held_bytes(value)
            return value
        if op == "getattr" and not name.startswith("_") and name not in self._methods:
            value = getattr(self._target, name)
            return value if from_wire else wire.roundtrip(value)
        raise AttributeError(f"the {self._type_label} given to your function has no attribute {name!r}")

    # Without isolation (validating in a kernel) the student's code gets this
    # object itself and uses it the same way.
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._methods:
            def method(*args, **kwargs):
                return self.answer("call", name, args, kwargs)
            method.__name__ = name
            return method
        return self.answer("getattr", name)

    # A reference, as a handle on a student's object is: the grader's copies of a call's arguments
    # (to call an oracle on) refer to the same stand-in. In the student's process a copy is refused
    # (the worker's proxy asks for one: op "copy").
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return f"<grader's {self._type_label}>"


def stand_in(target, methods, *, name=None):
    """Offer ``target`` (a grader's object) to the student's code: ``methods`` maps each method
    the student's code may call to what it accepts (:func:`accepts`).

    Other public attributes can be read (as plain-data copies). ``.calls``
    lists the :class:`Call` s made, in order; ``.target`` is the object.
    """
    return StandIn(target, methods, name)


def stand_ins_in(value, found=None, depth=0):
    """``{id: StandIn}`` of the stand-ins in ``value`` (nested lists, tuples, dicts)."""
    found = {} if found is None else found
    if isinstance(value, StandIn):
        found[value._grader_id] = value
    elif depth < 10 and isinstance(value, (list, tuple)):
        for item in value:
            stand_ins_in(item, found, depth + 1)
    elif depth < 10 and isinstance(value, dict):
        for item in value.values():
            stand_ins_in(item, found, depth + 1)
    return found
