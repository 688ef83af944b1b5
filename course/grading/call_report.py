"""What one call of a student's function did: the report's fields, declared once.

The probe (:mod:`course.grading.probe`) fills a :class:`CallReport` next to
the student's code; it crosses to the grader as plain data
(:meth:`CallReport.to_plain`, then :mod:`course.grading.wire`), where
:meth:`CallReport.from_plain` rebuilds it. That rebuild is the one place that
checks a report: the student's process may have sent anything, so every
field is checked against its declaration here, text is bounded, and a report
that does not match is refused as a whole. :mod:`course.grading.checks`
judges from the rebuilt report only.

Each field is declared with ``_field(doc, accept)``: ``doc`` says what it
means, ``accept`` turns the plain value into the field's value or raises
:class:`ReportError`.
"""
from dataclasses import dataclass, field, fields

MAX_NAME_CHARS = 200        # an exception's or function's name, as kept in a notebook
MAX_MESSAGE_CHARS = 10_000  # an exception's message
MAX_NAMES = 20              # names in a list (an exception's bases, suspect calls)


class ReportError(ValueError):
    """A report that does not match its declaration."""


def _field(doc, accept):
    return field(metadata={"doc": doc, "accept": accept})


def writable_text(value):
    """Text that can be written into a notebook (no lone surrogates)."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


def bounded_text(value, limit=MAX_MESSAGE_CHARS):
    """``value`` if it is text, else empty; cut to ``limit`` characters with a note."""
    text = value if isinstance(value, str) else ""
    if len(text) > limit:
        text = text[:limit] + f"\n[... {len(text) - limit:,} more characters not shown]"
    return writable_text(text)


def identifier(value, fallback="Error"):
    """A dotted identifier of bounded length (an exception's type name), else ``fallback``."""
    name = value if isinstance(value, str) else ""
    return name if name.replace(".", "_").isidentifier() and len(name) <= MAX_NAME_CHARS else fallback


# -- what a field accepts --------------------------------------------------------
def _int(value):
    if type(value) is not int or value < 0:
        raise ReportError(f"expected a count, got {type(value).__name__}")
    return value


def _bool(value):
    if type(value) is not bool:
        raise ReportError(f"expected a bool, got {type(value).__name__}")
    return value


def _seconds_or_none(value):
    if value is None:
        return None
    if type(value) not in (int, float) or not value >= 0:
        raise ReportError("expected a non-negative number of seconds")
    return float(value)


def _names(value):
    if type(value) not in (list, tuple):
        raise ReportError("expected a list of names")
    return tuple(bounded_text(name, MAX_NAME_CHARS) for name in value[:MAX_NAMES])


def _slot(value):
    if type(value) is int or type(value) is str and len(value) <= MAX_NAME_CHARS:
        return value
    raise ReportError("expected an argument position or keyword")


def _slots(value):
    if type(value) not in (list, tuple):
        raise ReportError("expected a list of argument slots")
    return tuple(_slot(slot) for slot in value)


def _ints(value):
    if type(value) not in (list, tuple) or any(type(n) is not int for n in value):
        raise ReportError("expected a tuple of integers")
    return tuple(value)


def _text(limit):
    def accept(value):
        if not isinstance(value, str):
            raise ReportError("expected text")
        return bounded_text(value, limit)
    return accept


def _optional(accept):
    return lambda value: None if value is None else accept(value)


def _nested(cls):
    return lambda value: None if value is None else cls.from_plain(value)


def _anything(value):
    return value


class _Declared:
    """Conversion to and from plain data, made from the dataclass's field declarations."""

    _names = ()  # the field names, set below for each class once it is made

    def to_plain(self):
        plain = {}
        for name in self._names:
            value = getattr(self, name)
            plain[name] = value.to_plain() if isinstance(value, _Declared) else value
        return plain

    @classmethod
    def from_plain(cls, plain):
        if type(plain) is not dict:
            raise ReportError(f"{cls.__name__}: expected a mapping")
        values = {}
        for f in fields(cls):
            if f.name not in plain:
                raise ReportError(f"{cls.__name__}: {f.name} is missing")
            try:
                values[f.name] = f.metadata["accept"](plain[f.name])
            except ReportError as error:
                raise ReportError(f"{cls.__name__}.{f.name}: {error}") from None
        return cls(**values)


# -- the report ------------------------------------------------------------------------
@dataclass(frozen=True)
class ErrorFacts(_Declared):
    """The exception a call raised."""

    type: str = _field("its class: a name, module-qualified unless a builtin", identifier)
    message: str = _field("its message (the student's text: for the instructor, never in a verdict)",
                          lambda value: bounded_text(value))
    classes: tuple = _field("the class and its bases, named like ``type``, so that a verdict can name "
                            "the first well-known one", lambda value: tuple(identifier(c) for c in _names(value)))

    @classmethod
    def of(cls, exc):
        """The facts of ``exc``, made without trusting it (its ``__str__`` may raise or lie)."""
        return cls(type=_class_name(type(exc)), message=message_of(exc),
                   classes=tuple(_class_name(c) for c in type(exc).__mro__[:MAX_NAMES]))


@dataclass(frozen=True)
class ArrayFacts(_Declared):
    """Memory facts about a returned ndarray."""

    shape: tuple = _field("its shape", _ints)
    dtype: str = _field("its dtype, as ``dtype.str`` (structured: ``str(dtype)``)", _text(MAX_NAME_CHARS))
    kind: str = _field("its dtype's kind character ('i', 'f', 'b', ...)", _text(1))
    nbytes: int = _field("the bytes its elements take (elements x item size)", _int)
    strides: tuple = _field("its strides in bytes", _ints)
    shares_memory_with: tuple = _field("the argument slots whose memory it uses (empty: a buffer of its own)",
                                       _slots)


@dataclass(frozen=True)
class Measurement(_Declared):
    """What the watch saw during a measured call (``count_lines``), and whether the
    count can be trusted."""

    line_events: int = _field("Python line events during the call, in any frame", _int)
    object_work_ns: int = _field("CPU nanoseconds spent inside built-in functions that go through Python "
                                 "objects one by one (sum(), .tolist(), np.array, np.fromiter, ...): outermost "
                                 "calls of at least 50 µs only (shorter ones are overhead), Python code they "
                                 "run excluded (its lines are counted)", _int)
    object_work_calls: tuple = _field("the names of those functions whose time counted, in the order first "
                                      "seen", _names)
    suspect_calls: tuple = _field("functions called that change tracing or run code where lines are not "
                                  "counted (another thread, process, ctypes, code without line numbers)", _names)
    tracer_replaced: bool = _field("the line tracer was no longer in place at the end", _bool)
    profiler_replaced: bool = _field("the profiler was no longer in place at the end", _bool)
    sampler_replaced: bool = _field("the sampling signal handler was no longer in place at the end", _bool)
    untraced_frames: int = _field("events or samples that met a frame whose line events were off", _int)
    threads_started: int = _field("threads started during the call", _int)
    threads_ran: int = _field("other threads seen running Python code during the call", _int)
    other_threads_cpu: float = _field("CPU seconds used by other threads (None: not measurable here)",
                                      _seconds_or_none)
    child_processes: int = _field("child processes started during the call, or already there and working "
                                  "during it (more than 1 ms of CPU time), or that ended during it", _int)
    children_cpu: float = _field("CPU seconds of child processes waited for during the call",
                                 _seconds_or_none)


@dataclass(frozen=True)
class Timing(_Declared):
    """The CPU time of a call made with no watch at all (``time_call``), and whether it
    is all of the call's work."""

    cpu_ns: int = _field("CPU nanoseconds the student's process used during the call, every thread "
                         "(finished ones too) counted", _int)
    allocations_traced: bool = _field("with ``trace_allocations``: whether tracemalloc traced every "
                                      "allocation from the start of the call to its end (False: the call "
                                      "stopped it); else None", _optional(_bool))
    threads_started: int = _field("threads started during the call (still running at its end)", _int)
    child_processes: int = _field("child processes started during the call, or already there and working "
                                  "during it, or that ended during it: their work is not in ``cpu_ns``", _int)
    children_cpu: float = _field("CPU seconds of child processes waited for during the call",
                                 _seconds_or_none)


@dataclass(frozen=True)
class CallReport(_Declared):
    """One call of a student's function, as plain data."""

    error: ErrorFacts = _field("the exception it raised, or None", _nested(ErrorFacts))
    value: object = _field("what it returned, if plain data and asked for (else None)", _anything)
    value_ref: dict = _field("a reference to what it returned when that is not plain data: "
                             "``{'id': int, 'type': str}`` in the student's process, or None",
                             _optional(lambda value: _reference(value)))
    result_type: str = _field("the type of what it returned, named like an exception's class (None if it "
                              "raised)", _optional(_text(MAX_NAME_CHARS)))
    result: ArrayFacts = _field("memory facts if it returned an ndarray, else None", _nested(ArrayFacts))
    args_modified: dict = _field("for each array argument's slot: whether the call changed its values",
                                 lambda value: _modified(value))
    args_after: tuple = _field("``(args, kwargs)`` after the call, if asked for (in-place checks), else None",
                               _optional(lambda value: _arguments(value)))
    legacy_random_used: bool = _field("the call changed NumPy's legacy global random state "
                                      "(np.random.seed, np.random.choice, ...)", _bool)
    peak_bytes: int = _field("with ``trace_memory``: the most memory the call held at once beyond what "
                             "existed before it (Python objects and NumPy buffers, as tracemalloc counts; "
                             "None if the call stopped tracemalloc), else None", _optional(_int))
    resident_peak_bytes: int = _field("with ``trace_memory`` where the OS tells (Linux): the most resident "
                                      "memory the process held during the call beyond what it held before, "
                                      "whatever allocated it (read at every line, return from a built-in "
                                      "and sample); -1 if it could not be read during the call; else None",
                                      _optional(_int))
    measurement: Measurement = _field("with ``count_lines``: what the watch saw, else None",
                                      _nested(Measurement))
    timing: Timing = _field("with ``time_call``: the call's CPU time, unwatched, else None", _nested(Timing))


for _cls in (ErrorFacts, ArrayFacts, Measurement, Timing, CallReport):
    _cls._names = tuple(f.name for f in fields(_cls))


def _reference(value):
    if type(value) is not dict or type(value.get("id")) is not int:
        raise ReportError("expected a reference")
    return {"id": value["id"], "type": bounded_text(value.get("type"), MAX_NAME_CHARS)}


def _modified(value):
    if type(value) is not dict:
        raise ReportError("expected a mapping of slots")
    return {_slot(slot): _bool(changed) for slot, changed in value.items()}


def _arguments(value):
    if type(value) not in (list, tuple) or len(value) != 2 or type(value[0]) not in (list, tuple) \
            or type(value[1]) is not dict:
        raise ReportError("expected (args, kwargs)")
    return list(value[0]), dict(value[1])


def _class_name(cls):
    module, name = getattr(cls, "__module__", ""), getattr(cls, "__qualname__", "?")
    return name if module in ("builtins", "") else f"{module}.{name}"


def message_of(exc):
    """An exception's message, at most 500 characters; never raises."""
    try:
        return str(exc)[:500]
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        return "(the exception's message could not be printed)"
