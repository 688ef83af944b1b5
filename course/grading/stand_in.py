"""Grader objects that a student's function works with: stand-ins for its collaborators.

``train_perceptron(network, ...)`` calls the methods of ``network``. To grade it
apart from the student's own ``Perceptron``, a hidden test passes
``stand_in(Oracle(2, 1), methods=("propagate_forward", "propagate_backward"))``.
In the student's process that arrives as a proxy: each method call and
attribute read on it is sent back to the grader, which runs it on its own
object and answers with plain data. The stand-in records every call, so the
hidden test can check how the function used its collaborator.

What crosses the boundary: the method names, the arguments the student's code
passes, and what the grader's object answers, which are inputs of the
function under test (a correct function needs them). The object and its code
stay in the grader; nothing of the student's is called here.
"""
import copy
import itertools
from dataclasses import dataclass, field

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


class StandIn(wire.GraderObject):
    """A grader's object offered to the student's code, by reference; see :func:`stand_in`."""

    def __init__(self, target, methods, name=None):
        self._target = target
        self._methods = tuple(methods)
        self._type_label = name or type(target).__name__
        self._grader_id = next(_ids)
        self.calls = []

    @property
    def target(self):
        """The grader's object behind the stand-in (in the state the student's calls left it)."""
        return self._target

    def answer(self, op, name, args=(), kwargs=None, *, from_wire=False):
        """Serve one request of the student's code: ``op`` is "call" or "getattr".

        Arguments and answers are copied as plain data both ways, so the
        student's code and the grader's object never share anything; with
        ``from_wire`` the arguments were just decoded from the student's
        process and the answer will be encoded for it, which copies already.
        """
        name = str(name)
        args, kwargs = tuple(args), dict(kwargs or {})
        if not from_wire:
            args, kwargs = wire.roundtrip((args, kwargs))
        if op == "call" and name in self._methods:
            record = Call(name, copy.deepcopy(args), copy.deepcopy(kwargs))
            self.calls.append(record)
            try:
                value = getattr(self._target, name)(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - the student's call was wrong: tell the student
                record.error = f"{type(error).__name__}: {error}"
                raise
            value = value if from_wire else wire.roundtrip(value)
            record.value = copy.deepcopy(value)
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

    def __repr__(self):
        return f"<grader's {self._type_label}>"


def stand_in(target, methods, *, name=None):
    """Offer ``target`` (a grader's object) to the student's code, with only ``methods`` callable.

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
