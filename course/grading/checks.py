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
import functools
import gc
import math
import time
import tracemalloc

import numpy as np

from . import wire
from .diagnosis import diagnose
from .probe import object_work_label, run_call, suspect_label
from .remote import LocalObject, RemoteObject, StudentCodeError, local_report, unwrap_local
from .stand_in import stand_ins_in
from .wording import dtype_phrase, opaque_phrase, public_exception_name, type_phrase


class GradingFailure(AssertionError):
    """A hidden check failed; the message is meant for the student."""


def _name(func):
    return getattr(func, "__name__", None) or "the function"


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _slot_name(slot):
    """An argument in words: "its first argument" (a count from 0 or 1 would leave the student
    guessing), "its argument 'x'" for a keyword argument."""
    if isinstance(slot, int):
        return f"its {_ORDINALS[slot]} argument" if 0 <= slot < len(_ORDINALS) else f"its argument number {slot + 1}"
    return f"its argument {slot!r}"


def run(func, args=(), kwargs=None, **options):
    """Call ``func`` through the probe; return its report as plain data."""
    if isinstance(func, RemoteObject):
        return func._grading_call(tuple(args), dict(kwargs or {}), options)
    if isinstance(func, LocalObject):
        return func._grading_call(tuple(args), dict(kwargs or {}), options)
    if not callable(func):
        raise GradingFailure(f"{_name(func)} is not a function")
    args, kwargs = unwrap_local((tuple(args), dict(kwargs or {})))
    return local_report(run_call(func, args, kwargs, **options))


def check(func, *args, case=None, fresh_process=False, **kwargs):
    """Call ``func(*args, **kwargs)`` once and return a :class:`Checked` to assert on.

    ``case`` names the case in failure messages ("empty input", "a view"...).
    ``fresh_process`` calls it in a new student process, the notebook's cells
    replayed, so that nothing an earlier call left in the process (a memo of
    answers, a changed global) can answer this one: how reproducibility is
    checked. (Validating in a kernel, there is only the kernel's process.)
    Raises :class:`GradingFailure` if the function raised.
    """
    if fresh_process and isinstance(func, RemoteObject):
        func._session.start_afresh()
    pristine = copy.deepcopy((args, kwargs))
    report = run(func, args, kwargs)
    for stand_in in stand_ins_in((args, kwargs)).values():
        if stand_in.refused:
            # The student's code was told, and may have caught it: the verdict does not depend on that.
            where = f" ({case})" if case else ""
            raise GradingFailure(f"{_name(func)}{where}: {stand_in.refused}")
    return Checked(func, pristine, report, case)


def construct(cls, *args, case=None, **kwargs):
    """Make ``cls(*args, **kwargs)`` (a student's class) where the student's code runs.

    Returns a handle on the new object: its methods are functions for
    :func:`check`, its attributes are read with :func:`attribute` as plain
    data. ``case`` names the object in failure messages (default: the class name).
    """
    made = check(cls, *args, case=case, **kwargs)
    if not isinstance(made.value, (RemoteObject, LocalObject)):
        made.fail(f"made {_type_of(made.value)}, not an object")
    object.__setattr__(made.value, "__name__", case or _name(cls))
    return made.value


def attribute(obj, name):
    """The attribute ``name`` of a student's object (a handle from :func:`construct`), as plain data."""
    try:
        return getattr(obj, name)
    except Exception:  # noqa: BLE001 - missing, or its property raised: either way the student's
        raise GradingFailure(f"{_name(obj)}: has no attribute {name!r} that can be read") from None


class Checked:
    """The outcome of one call, with assertions that raise :class:`GradingFailure`."""

    def __init__(self, func, pristine, report, case):
        self.name = _name(func)
        self.case = case
        self._pristine = pristine
        self.report = report
        error = report.error
        if error is not None:
            # The student chose the exception's class and message, and could make them spell
            # out a hidden input: the verdict names only a well-known class; the rest is the
            # instructor's (chained below, kept out of feedback).
            try:
                self.fail(f"raised {public_exception_name(error.type, error.classes)}")
            except GradingFailure as failure:
                raise failure from StudentCodeError.from_report(error)
        if report.legacy_random_used:
            # Reproducible all the same when seeded from the Generator, so no other check sees it.
            self.fail("used NumPy's legacy global random state (np.random.seed, np.random.choice, ...); "
                      "draw only from the Generator it is given")
        self.value = report.value

    # -- helpers -----------------------------------------------------------
    def fail(self, message):
        where = f" ({self.case})" if self.case else ""
        raise GradingFailure(f"{self.name}{where}: {message}")

    def fresh_arguments(self):
        """A deep copy of the arguments as they were before the call."""
        return copy.deepcopy(self._pristine)

    def _result(self):
        if self.report.result is None:
            self.fail(f"returned {type_phrase(self.report.result_type)}, not a NumPy array")
        return self.report.result

    # -- what the value is -------------------------------------------------
    def returns_array(self, *, shape=None, ndim=None, kind=None):
        """The result is an ndarray; ``kind`` is a string of allowed dtype kinds ("iu", "f", "b")."""
        facts = self._result()
        if ndim is not None and len(facts.shape) != ndim:
            self.fail(f"returned a {len(facts.shape)}-D array, expected {ndim}-D")
        if shape is not None and facts.shape != tuple(shape):
            self.fail(f"returned shape {facts.shape}, expected {tuple(shape)}")
        if kind is not None and facts.kind not in kind:
            self.fail(f"returned {dtype_phrase(facts.dtype, facts.kind)}, expected {_kind_words(kind)}")
        return self

    def equals(self, expected, *, rtol=1e-7, atol=0.0):
        """The value equals ``expected`` (arrays: same shape, compatible dtype, close values)."""
        problem = difference(self.value, expected, rtol=rtol, atol=atol)
        if problem:
            self.fail(problem)
        return self

    def agrees_with(self, oracle, *, rtol=1e-7, atol=0.0, mistakes=None):
        """The value equals what ``oracle`` returns for a fresh copy of the same arguments.

        ``mistakes`` names the exercise's typical mistakes: ``{sentence: function}``,
        each function making that mistake (same arguments as the oracle). When the
        value is wrong and agrees with one of them (same tolerance), the failure
        message is that sentence, which says what is wrong in the statement's words
        ("rotates the squares before it translates them"), after the case. Without
        a match, the message describes the difference (:func:`difference`).
        """
        problem = difference(self.value, self._on_fresh_arguments(oracle), rtol=rtol, atol=atol)
        if problem:
            named = named_mistake(self.value, mistakes, self._on_fresh_arguments, rtol=rtol, atol=atol)
            changed = [slot for slot, modified in self.report.args_modified.items() if modified]
            if changed and not named:  # a wrong result often comes of working on the input itself
                problem += f" (and the call changed {_slot_name(changed[0])}: did it work on its input in place?)"
            self.fail(named or problem)
        return self

    def _on_fresh_arguments(self, function):
        """What ``function`` returns for a fresh copy of the call's arguments."""
        args, kwargs = self.fresh_arguments()
        return function(*args, **kwargs)

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
        if slot not in facts.shares_memory_with:
            self.fail(f"returned a copy; it must be a view sharing the memory of {_slot_name(slot)}")
        return self

    def is_new_array(self):
        """The result shares no memory with the arguments (a copy, not a view).

        ``flags.owndata`` is not required: ``np.tile`` returns a reshaped view
        of the new buffer it made, which is a copy all the same.
        """
        facts = self._result()
        if facts.shares_memory_with:
            self.fail(f"returned a view of {_slot_name(facts.shares_memory_with[0])}; "
                      "it must be a new array")
        return self

    def allocates_at_most(self, results=1.0, *, what="its result"):
        """The call held at most ``results`` times its result's bytes at once (plus 256 KiB for
        NumPy's iteration buffers and small objects): ``allocates_at_most(1)`` allows the
        result and nothing of its size beside it, such as a copy of an argument repeated per
        row (``np.tile``).

        The call must have traced its memory: use it on :func:`check_vectorized`'s result
        (it calls the function once more, at the largest size, to measure).
        """
        peak, resident, facts = self.report.peak_bytes, self.report.resident_peak_bytes, self._result()
        if peak is None or resident == -1:
            self.fail("could not be measured: the memory it used was not traced")
        allowed = results * facts.nbytes + _SMALL_ALLOCATIONS
        if peak > allowed:
            self.fail(f"allocated {_mib(peak)} at once for a result of {_mib(facts.nbytes)}; "
                      f"it may allocate only {what} (no temporary array of that size)")
        # What the process held, whatever allocated it (memory mapped or allocated outside NumPy).
        if resident is not None and resident > results * facts.nbytes + _RESIDENT_SLACK:
            self.fail(f"held {_mib(resident)} of memory at once for a result of {_mib(facts.nbytes)}, "
                      f"counting memory that NumPy does not allocate; it may allocate only {what}")
        return self

    def has_strides(self, predicate, message):
        """``predicate(strides)`` holds for the result's strides (in bytes)."""
        strides = self._result().strides
        if not predicate(strides):
            self.fail(message)
        return self

    # -- arguments -----------------------------------------------------------
    def leaves_arguments_unchanged(self):
        """No array argument was modified."""
        changed = [slot for slot, modified in self.report.args_modified.items() if modified]
        if changed:
            self.fail(f"modified {_slot_name(changed[0])}; it must leave its input unchanged")
        return self

    def argument_after(self, slot):
        """The value of argument ``slot`` after the call."""
        args, kwargs = self.report.args_after
        return args[slot] if isinstance(slot, int) else kwargs[slot]

    def modifies_in_place(self, slot, oracle, *, rtol=1e-7, atol=0.0, mistakes=None):
        """Argument ``slot`` after the call equals what the in-place ``oracle`` makes of a copy;
        ``mistakes`` as for :meth:`agrees_with`, each one modifying its arguments in place."""
        after = self.argument_after(slot)
        problem = difference(after, self._in_place(oracle, slot), rtol=rtol, atol=atol)
        if problem:
            self.fail(named_mistake(after, mistakes, lambda mistaken: self._in_place(mistaken, slot),
                                    rtol=rtol, atol=atol) or f"{_slot_name(slot)} after the call: {problem}")
        return self

    def _in_place(self, function, slot):
        """Argument ``slot`` of a fresh copy of the arguments after ``function`` ran on them."""
        args, kwargs = self.fresh_arguments()
        function(*args, **kwargs)
        return args[slot] if isinstance(slot, int) else kwargs[slot]


def check_vectorized(func, make_arguments, *, sizes=(1_000, 8_000), what="element", reference=None):
    """``func`` does no per-element work in Python; returns a :class:`Measured`.

    ``make_arguments(n)`` returns the argument tuple for input size ``n``. The
    function is called at each size, watched (:mod:`course.grading.probe`)
    by two measures:

    - Python line events, in any frame: a loop over the input adds at least
      one per ``what``, while whole-array code runs the same lines whatever
      the size. Loops whose length does not depend on ``n`` (over time
      steps, say) are allowed.
    - CPU time inside built-in functions that go through Python objects one
      by one (``sum``, ``functools.reduce``, ``.tolist()``, ``np.array`` of a
      list, ``np.fromiter``...): a loop run by C over Python objects (``map``,
      ``itertools``, a list and back) runs no line, but makes this time grow
      with ``n``, by several nanoseconds per element, where whole-array code
      spends a constant, tiny amount.

    A count is trusted only if nothing could have hidden lines from it: a call
    that changes tracing, starts a thread or process, or has another thread
    work for it fails as "could not be measured".

    Then it calls the function again at each size, with no watch at all
    (:func:`_timed_measures`): the Python objects a call creates per element
    are counted through what tracing their allocations costs, and with
    ``reference`` (a whole-array version defined by the hidden test, as slow
    as the slowest answer to accept) its CPU time must not grow more than
    ``_REFERENCE_FACTOR`` times as fast as the reference's. These see work
    through Python objects whatever runs it (``map`` over a built-in, an
    object-dtype ufunc, chunks too short for the second measure). The timed
    calls are added to the measured calls, so their values are checked like
    the others'.

    The point is for a correct function only: assert on the measured calls
    through the result, like on :func:`check`'s (``.agrees_with(oracle)``,
    ``.satisfies(...)``, ``.modifies_in_place(...)``...).
    """
    if isinstance(reference, (RemoteObject, LocalObject)):
        # A name the hidden test reads but does not define comes from the student's process.
        raise TypeError("check_vectorized: the reference must be defined in the hidden tests, not taken "
                        "from the student's notebook")
    name = _name(func)
    counts, calls, object_work, object_calls = [], [], [], []
    for n in sizes:
        args = tuple(make_arguments(n))
        pristine = copy.deepcopy((args, {}))
        report = run(func, args, count_lines=True)
        called = Checked(func, pristine, report, f"size {n}")  # fails if it raised
        reasons = _unmeasured(report.measurement)
        if reasons:
            called.fail("could not be measured: the function changed tracing or started a thread "
                        f"or process during the call ({'; '.join(reasons)}). "
                        "Whole-array code needs none of this.")
        counts.append(report.measurement.line_events)
        object_work.append(report.measurement.object_work_ns)
        object_calls.extend(label for label in map(object_work_label, report.measurement.object_work_calls)
                            if label not in object_calls)
        calls.append(called)
    growth = counts[-1] - counts[0]
    allowed = (sizes[-1] - sizes[0]) // 16 + 16
    if growth > allowed:
        raise GradingFailure(
            f"{name} is not vectorized: it runs Python code once per {what} "
            f"({counts[0]} lines executed for size {sizes[0]}, {counts[-1]} for size {sizes[-1]}). "
            "Use whole-array operations instead of a Python loop.")
    allowed_work = max(_OBJECT_NS_PER_ELEMENT * (sizes[-1] - sizes[0]), _OBJECT_NS_NOISE)
    for _ in range(_OBJECT_WORK_RETRIES):
        if object_work[-1] - object_work[0] <= allowed_work:
            break
        # Time is noisy where line counts are not: measure again, keep each size's least.
        # A loop over the elements costs its time every time; a hiccup of the machine does not.
        for i in (0, -1):
            again = run(func, tuple(make_arguments(sizes[i])), count_lines=True).measurement
            if again is not None and not _unmeasured(again):
                object_work[i] = min(object_work[i], again.object_work_ns)
    if object_work[-1] - object_work[0] > allowed_work:
        raise GradingFailure(
            f"{name} is not vectorized: it goes through Python objects once per {what} "
            f"(in {', '.join(object_calls)}: {_microseconds(object_work[0])} for size {sizes[0]}, "
            f"{_microseconds(object_work[-1])} for size {sizes[-1]}). Work on whole arrays instead "
            "of lists, iterators or Python numbers.")
    called_sizes = list(sizes)
    for n, called in _timed_measures(func, make_arguments, (sizes[0], sizes[-1]), what, reference):
        calls.append(called)
        called_sizes.append(n)
    return Measured(calls, func, make_arguments, sizes[-1], called_sizes)


def _timed_measures(func, make_arguments, sizes, what, reference):
    """The third and fourth measures of :func:`check_vectorized`; returns the timed calls as
    ``(size, Checked)``.

    Each round calls the function twice at each size, with no watch: once
    plainly, once with every allocation traced by tracemalloc, which costs a
    few hundred nanoseconds per allocation (``_allocation_ns``). The
    difference between the two calls' CPU times counts the Python objects the
    call created, and its growth between the sizes those created per
    element: whole-array code creates a few whatever the size, work through
    Python objects one or more per element (a NumPy scalar for each element
    of an array it iterates, a float for each result). The count is made
    within each round, and the function fails it only if every round (up to
    ``1 + len(_TIMED_RETRY_PAUSES)``, a pause before each new one) finds more than ``_OBJECTS_PER_ELEMENT`` objects
    per element *and* a tracing cost that grows at least ``_TRACED_SHARE``
    times as fast as the plain call's time: timing noise grows with what the
    function costs per element (about a tenth of it, in both calls), so
    whole-array code that costs hundreds of nanoseconds per element (an
    einsum of small matrices) can seem to make a few tenths of an object per
    element in one round, while work that makes one object per element costs
    more to trace than to run. With ``reference``, the plain call's CPU time
    is also compared with the reference's (the least of each size's calls
    over the rounds), timed in the grader where no student code runs.

    Each call has an input of its own (size ``n + 1``, ``n + 2``...): a repeated
    input could be answered from a memo, and the checks that follow compare
    every timed call's value, so a call that only looks cheap fails too.
    """
    name, span = _name(func), sizes[-1] - sizes[0]
    plain, reference_ns = [None, None], [None, None]
    few_objects = False   # whether a round found the function making few objects per element
    # A first call whose time is not kept (its value is): the first call after a watched one
    # costs up to three times more (caches, the allocator), whatever the function.
    timed = [(sizes[1] + 1, _timed_call(func, make_arguments, sizes[1] + 1, False)[1])]
    size = [sizes[0], sizes[1] + 1]
    for pause in (0.0, *_TIMED_RETRY_PAUSES):
        # A pause before each new round, longer each time: the noise of a busy machine comes in
        # bursts, and rounds run back to back would all fall in the same one.
        time.sleep(pause)
        round_plain, round_traced = [None, None], [None, None]
        for i in (0, 1):
            for tracing in (False, True):
                size[i] += 1
                facts, called = _timed_call(func, make_arguments, size[i], tracing)
                timed.append((size[i], called))
                (round_traced if tracing else round_plain)[i] = facts.cpu_ns
            plain[i] = round_plain[i] if plain[i] is None else min(plain[i], round_plain[i])
            if reference is not None:   # grader time is cheap: the least of a few runs
                ns = min(_grader_cpu_ns(reference, *make_arguments(size[i])) for _ in range(_REFERENCE_RUNS))
                reference_ns[i] = ns if reference_ns[i] is None else min(reference_ns[i], ns)
        # Tracing costs what the call allocates, at each size: its growth is per element.
        tracing_growth = (round_traced[1] - round_plain[1]) - (round_traced[0] - round_plain[0])
        few_objects = few_objects or (tracing_growth <= _OBJECTS_PER_ELEMENT * span * _allocation_ns()
                                      or tracing_growth < _TRACED_SHARE * (round_plain[1] - round_plain[0]))
        growth = plain[1] - plain[0]
        if reference is not None:
            reference_growth = max(reference_ns[1] - reference_ns[0], 0)
            allowed = max(_REFERENCE_FACTOR * reference_growth + _CPU_NS_PER_ELEMENT * span, _CPU_NS_NOISE)
        if few_objects and (reference is None or growth <= allowed):
            return timed
        # Time is noisy: measure again, with new inputs.
    if not few_objects:
        raise GradingFailure(
            f"{name} is not vectorized: it creates new Python objects as it goes through the {what}s "
            f"(a Python number or a NumPy scalar per {what}, say). Work that goes through Python objects "
            "once per element does that even when no Python line runs for it (map, an object-dtype ufunc, "
            "a list made into an array). Work on whole arrays instead of lists, iterators, object arrays "
            "or Python numbers.")
    raise GradingFailure(
        f"{name} is not vectorized: its CPU time grows by about {growth / span:,.0f} ns per {what} "
        f"({_microseconds(plain[0])} for size {sizes[0]}, {_microseconds(plain[1])} for size "
        f"{sizes[1]}), {_times(growth, reference_growth)} as fast as whole-array code's. Work that "
        "goes through Python objects once per element costs that much even when no Python line runs "
        "for it (map, an object-dtype ufunc, a list made into an array). Work on whole arrays instead "
        "of lists, iterators, object arrays or Python numbers.")


def _timed_call(func, make_arguments, size, tracing):
    """One unwatched call at ``size``: its :class:`Timing` and its :class:`Checked`."""
    args = tuple(make_arguments(size))
    pristine = copy.deepcopy((args, {}))
    report = run(func, args, time_call=True, trace_allocations=tracing)
    called = Checked(func, pristine, report, f"size {size}")
    facts = report.timing
    if facts is None or facts.threads_started or facts.child_processes or (facts.children_cpu or 0) > 0:
        called.fail("could not be measured: the function started a thread or process during "
                    "the call. Whole-array code needs none of this.")
    if tracing and not facts.allocations_traced:
        called.fail("could not be measured: the function stopped tracemalloc during the call. "
                    "Whole-array code needs none of this.")
    return facts, called


@functools.cache
def _allocation_ns():
    """What tracemalloc adds to the cost of one allocation, on this machine (measured once,
    in the grader: the least of several runs, never below 50 ns)."""
    zeros = [0] * _CALIBRATION_OBJECTS

    def floats():
        list(map(float, zeros))   # one new float per item

    def traced_floats():
        tracemalloc.start(1)
        try:
            floats()
        finally:
            tracemalloc.stop()

    extra = min(_grader_cpu_ns(traced_floats) for _ in range(5)) - min(_grader_cpu_ns(floats) for _ in range(5))
    return max(extra / _CALIBRATION_OBJECTS, 50.0)


def _grader_cpu_ns(function, *args):
    """CPU nanoseconds of ``function(*args)`` in this thread (exact even under a CPU-time
    limit), garbage collection off as in the student's calls."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        started = time.thread_time_ns()
        function(*args)
        return time.thread_time_ns() - started
    finally:
        if collecting:
            gc.enable()


def _times(growth, reference_growth):
    if reference_growth <= 0:
        return "many times"
    return f"{growth / reference_growth:,.0f} times"


# The third measure. Per-element work through Python objects costs tens of ns per element
# at the least (a list of floats made by .tolist() and turned back into an array: about 28);
# whole-array answers of the corpus cost at most 3.4 times their reference (which is chosen
# within about three times the slowest accepted: a one-hot table for a sum by label), and
# the same code costs up to 1.5 times more in the student's sandboxed process than in the
# grader's (measured): the factor leaves room for both, and catches work that creates no
# objects only where it costs ten times the reference or more.
_REFERENCE_FACTOR = 8
_CPU_NS_PER_ELEMENT = 3.0
_CPU_NS_NOISE = 60_000
_REFERENCE_RUNS = 3
# The fourth: Python objects created per element. Iterating over an array makes one per
# element (a NumPy scalar), and most work on them another; whole-array answers make a few
# per call (measured: within 0.02 per element of none at the sizes graded).
_OBJECTS_PER_ELEMENT = 0.25
# ... and tracing them must cost at least half as much as the call itself grows: one new object
# costs 20 to 60 ns to make and about 400 more to trace, while the noise of an honest call is a
# share of its own time (transform_squares' einsum, ~375 ns per square: up to 0.4 "objects" per
# square in one round in 36, measured in the sandbox).
_TRACED_SHARE = 0.5
_CALIBRATION_OBJECTS = 20_000
# Seconds of pause before each round after the first. Measured on 24 reference submissions of
# advanced beside a busy process: one round in 24 had an object count within a quarter of failing,
# while wrong answers fail by 3 to 20 times. A burst of noise long enough to fail a whole-array
# answer in every round must now last the 0.75 s of pauses; a wrong answer, which every round
# fails, pays them.
_TIMED_RETRY_PAUSES = (0.05, 0.1, 0.2, 0.4)


# Per-element work on Python objects costs 5-100 ns per element (a list of ints
# made by .tolist() alone costs about 8 ns per element, np.array of a list 20);
# whole-array code calls such functions on short lists only, or on arrays (a
# copy costs below 1 ns per element). Below the noise floor nothing is judged:
# one cache miss or timer tick is a few microseconds.
_OBJECT_NS_PER_ELEMENT = 5.0
_OBJECT_NS_NOISE = 60_000
_OBJECT_WORK_RETRIES = 2
# A ufunc that broadcasts or casts works through buffers of 8,192 elements per operand.
_SMALL_ALLOCATIONS = 256 * 2**10
# Resident memory also grows with what the call's own watch records and with pages of
# code run for the first time: about 0.15 MiB for `x + v` at 64,000 x 3 (measured).
_RESIDENT_SLACK = 512 * 2**10


def _microseconds(ns):
    return f"{ns / 1e3:,.0f} µs"


def _mib(nbytes):
    return f"{nbytes / 2**20:.2f} MiB"


class Measured:
    """The calls that :func:`check_vectorized` measured, one :class:`Checked` each, and
    ``sizes``: the input size of each call (the measured sizes, then those of the timed calls).

    Each assertion method of :class:`Checked` is applied to every call in
    turn, so ``check_vectorized(f, make).agrees_with(oracle)`` compares the
    measured results with the oracle's.
    """

    def __init__(self, calls, func=None, make_arguments=None, largest=None, sizes=None):
        self.calls = list(calls)
        self.sizes = list(sizes) if sizes is not None else [None] * len(self.calls)
        self._func, self._make_arguments, self._largest = func, make_arguments, largest

    def allocates_at_most(self, results=1.0, *, what="its result"):
        """``Checked.allocates_at_most`` on one more call, its memory traced, at 8 times
        the largest size: large enough that NumPy's fixed-size buffers do not count."""
        size = 8 * self._largest
        args = tuple(self._make_arguments(size))
        pristine = copy.deepcopy((args, {}))
        # Watched like the measured calls: memory got where tracemalloc does not look (ctypes,
        # mmap, shared memory) or its peak reset (tracemalloc.reset_peak) makes it unmeasured.
        report = run(self._func, args, trace_memory=True, count_lines=True)
        called = Checked(self._func, pristine, report, f"size {size}")
        reasons = _unmeasured(report.measurement)
        if reasons:
            called.fail("could not be measured: the memory of the call was not all traced "
                        f"({'; '.join(reasons)}). Whole-array code needs none of this.")
        called.allocates_at_most(results, what=what)
        return self

    def _each(method):
        def apply(self, *args, **kwargs):
            for called in self.calls:
                getattr(called, method)(*args, **kwargs)
            return self
        apply.__name__ = method
        apply.__doc__ = f"``Checked.{method}`` on every measured call."
        return apply

    returns_array = _each("returns_array")
    agrees_with = _each("agrees_with")
    satisfies = _each("satisfies")
    leaves_arguments_unchanged = _each("leaves_arguments_unchanged")
    modifies_in_place = _each("modifies_in_place")
    is_view_of = _each("is_view_of")
    is_new_array = _each("is_new_array")
    has_strides = _each("has_strides")
    del _each


# Other threads may use some CPU time while the function runs (an idle BLAS
# thread waking up takes a few ms); more than this, and they did its work.
_OTHER_THREADS_CPU = 20e-3


def _unmeasured(facts):
    """Why the probe's measurement of a call cannot be trusted, in words (empty if it can)."""
    if facts is None:
        return ["the report of the measurement is missing"]
    reasons = []
    if facts.suspect_calls:
        reasons.append("it used " + ", ".join(dict.fromkeys(map(suspect_label, facts.suspect_calls))))
    if facts.tracer_replaced or facts.profiler_replaced or facts.sampler_replaced:
        reasons.append("it replaced the tracer that counts its lines")
    if facts.untraced_frames:
        reasons.append("line events were switched off in its code")
    if facts.threads_started:
        reasons.append("it started a thread")
    if facts.threads_ran:
        reasons.append("another thread ran Python code during the call")
    elif facts.other_threads_cpu is not None and facts.other_threads_cpu > _OTHER_THREADS_CPU:
        reasons.append("another thread worked during the call")
    if facts.child_processes or (facts.children_cpu or 0) > 0:
        reasons.append("a child process ran during the call")
    return reasons


def check_value(value, expected, *, name, rtol=1e-7, atol=0.0, mistakes=None):
    """A named value (not a function) equals ``expected``; ``mistakes`` maps a sentence
    naming a typical mistake to the value that mistake gives (see :meth:`Checked.agrees_with`)."""
    problem = difference(value, expected, rtol=rtol, atol=atol)
    if problem:
        named = named_mistake(value, mistakes, lambda mistaken: mistaken, rtol=rtol, atol=atol)
        raise GradingFailure(f"{name}: {named or problem}")


def named_mistake(actual, mistakes, made, *, rtol, atol):
    """The sentence of the first of ``mistakes`` (``{sentence: mistake}``) whose result, ``made(mistake)``,
    ``actual`` agrees with (same tolerance), or None. A mistake that cannot happen on these
    arguments (its function raises) is skipped."""
    for sentence, mistaken in (mistakes or {}).items():
        try:
            result = made(mistaken)
        except Exception:  # noqa: BLE001 - a mistake that cannot happen on these arguments
            continue
        if difference(actual, result, rtol=rtol, atol=atol) is None:
            return sentence
    return None


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
    """What a student's result was, in the grader's words (:mod:`course.grading.wording`)."""
    if isinstance(actual, wire.Opaque):
        return f"{opaque_phrase(actual.type_name)} (not plain data the grader can read)"
    if isinstance(actual, (RemoteObject, LocalObject)):
        return type_phrase(actual._type_name)
    return type_phrase(wire.type_name(actual))


def _structured_difference(actual, expected, *, rtol, atol, where):
    """Structured arrays match field by field: same names in the same order, same field
    shapes, values close (each field compared like an array of its own)."""
    names = actual.dtype.names
    if names != expected.dtype.names:
        # The student's field names are the student's text: only the statement's are named.
        found = "a structured dtype with other fields" if names else dtype_phrase(actual.dtype)
        return f"{where} has {found}, expected the fields {list(expected.dtype.names)} in that order"
    for name in names:
        got, want = actual.dtype.fields[name][0], expected.dtype.fields[name][0]
        if got.shape != want.shape:
            return f"field {name!r} of {where} has shape {got.shape} per element, expected {want.shape}"
        problem = difference(np.ascontiguousarray(actual[name]), np.ascontiguousarray(expected[name]),
                             rtol=rtol, atol=atol, where=f"field {name!r} of {where}")
        if problem:
            return problem
    return None


def difference(actual, expected, *, rtol=1e-7, atol=0.0, where="the result"):
    """Describe how ``actual`` differs from ``expected``, or return None if they match.

    The description never contains the expected values.
    """
    if isinstance(expected, np.ndarray):
        if not isinstance(actual, np.ndarray):
            return f"{where} is {_type_of(actual)}, expected a NumPy array"
        if actual.shape != expected.shape:
            hint = diagnose(actual, expected)
            return f"{where} {hint}" if hint else f"{where} has shape {actual.shape}, expected {expected.shape}"
        allowed = _compatible_kinds(expected.dtype.kind)
        if actual.dtype.kind not in allowed:
            return f"{where} has {dtype_phrase(actual.dtype)}, expected {_kind_words(allowed)}"
        if expected.dtype.names is not None:
            return _structured_difference(actual, expected, rtol=rtol, atol=atol, where=where)
        if expected.dtype.kind in "fc":
            bad = ~np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
        else:
            bad = actual != expected
        if np.any(bad):
            hint = diagnose(actual, expected, rtol=rtol, atol=atol)
            return f"{where} {hint}" if hint else \
                f"{where} is wrong at {int(np.count_nonzero(bad))} of {bad.size} positions"
        return None
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)):
            return f"{where} is {_type_of(actual)}, expected a bool"
        return None if bool(actual) == bool(expected) else f"{where} is wrong"
    if _is_number(expected):
        if not _is_number(actual):
            return f"{where} is {_type_of(actual)}, expected a number"
        if isinstance(expected, (float, np.floating)) and math.isnan(expected):
            return None if isinstance(actual, (float, np.floating)) and math.isnan(actual) \
                else f"{where} is wrong"
        if isinstance(expected, (int, np.integer)) and isinstance(actual, (int, np.integer)):
            return None if int(actual) == int(expected) else f"{where} is wrong"
        close = abs(complex(actual) - complex(expected)) <= atol + rtol * abs(complex(expected))
        return None if close else f"{where} is wrong"
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)):
            return f"{where} is {_type_of(actual)}, expected a sequence"
        if len(actual) != len(expected):
            return f"{where} has {len(actual)} items, expected {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            problem = difference(a, e, rtol=rtol, atol=atol, where=f"item {i} of {where}")
            if problem:
                return problem
        return None
    return None if type(actual) is type(expected) and actual == expected else f"{where} is wrong"
