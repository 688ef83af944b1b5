"""Call a student's function once and record what happened, as plain data.

This is the only grading code that runs next to the student's code. It takes
references to everything it uses at import time, before any student code
runs, so replacing ``numpy.shares_memory`` or ``sys.settrace`` afterwards
changes nothing here. It measures and reports; it judges nothing. The
verdicts are made from its report by :mod:`course.grading.checks`.
"""
import copy
import ctypes
import dis
import functools
import gc
import os
import resource
import _signal as _signal_c
import signal
import sys
import threading
import time
import tracemalloc

import numpy as np

from .call_report import ArrayFacts, CallReport, ErrorFacts, Measurement, Timing
from .wire import type_name

_settrace, _gettrace = sys.settrace, sys.gettrace
_setprofile, _getprofile = sys.setprofile, sys.getprofile
_thread_settrace = threading.settrace
_getframe, _current_frames, _get_ident = sys._getframe, sys._current_frames, threading.get_ident
_gc_isenabled, _gc_enable, _gc_disable = gc.isenabled, gc.enable, gc.disable
_MAIN_THREAD = threading.main_thread().ident
# The threads that ran before this module was imported (before any student
# code in the worker; a Jupyter kernel's own threads when validating in a
# kernel) are not watched: they are not the student's.
_THREADS_BEFORE = frozenset(sys._current_frames())
_listdir, _open, _getattr, _id, _len = os.listdir, open, getattr, id, len
_getrusage, _RUSAGE_CHILDREN, _RUSAGE_SELF = resource.getrusage, resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF
_thread_time = getattr(time, "thread_time_ns", None)


def _process_cpu_ns():
    """CPU nanoseconds of every thread of this process, finished ones too, to the microsecond.
    Not ``time.process_time``: where a process has a CPU-time limit (the worker's RLIMIT_CPU),
    Linux serves that clock from the limit's own account, which moves only at scheduler ticks."""
    usage = _getrusage(_RUSAGE_SELF)
    return int((usage.ru_utime + usage.ru_stime) * 1e9)


_thread_ns = _thread_time or _process_cpu_ns
_SIGALRM, _ITIMER_REAL = getattr(signal, "SIGALRM", None), getattr(signal, "ITIMER_REAL", None)
# The C functions, not signal.py's wrappers: those run Python code (enum conversion),
# which would count as the student's while the watch is on.
_setitimer, _sigmask = getattr(_signal_c, "setitimer", None), getattr(_signal_c, "pthread_sigmask", None)
_signal, _getsignal, _SIG_DFL, _SIG_IGN = _signal_c.signal, _signal_c.getsignal, signal.SIG_DFL, signal.SIG_IGN
_SIG_BLOCK, _SIG_UNBLOCK = getattr(signal, "SIG_BLOCK", None), getattr(signal, "SIG_UNBLOCK", None)
_shares_memory, _may_share_memory = np.shares_memory, np.may_share_memory
_array_equal, _ndarray, _TooHard = np.array_equal, np.ndarray, np.exceptions.TooHardError
_as_plain = _ndarray.view
_issubclass = issubclass   # by type: isinstance would read a student's __class__ property
_tracing_memory, _trace_memory, _untrace_memory = tracemalloc.is_tracing, tracemalloc.start, tracemalloc.stop
_traced_memory, _reset_peak = tracemalloc.get_traced_memory, tracemalloc.reset_peak
_object_traceback, _object = tracemalloc.get_object_traceback, object
# NumPy's legacy global random state (np.random.seed, np.random.choice, ...), read
# through the class's own method: a student may rebind the module's names.
_LEGACY_RANDOM, _legacy_state = np.random.mtrand._rand, np.random.RandomState.get_state
_legacy_calls = [0]   # calls of numpy.random's legacy functions, once watch_legacy_random() wrapped them


# -- resident memory: what the process holds, whatever allocated it ----------------------
# tracemalloc counts what Python's and NumPy's allocators hand out; memory mapped (mmap,
# shared memory) or allocated by other C code is held all the same. While a memory call
# runs, the process's resident size is read at every line event, return from a built-in
# and sample. For it to follow what is held, glibc is asked first to give freed memory
# back and to map every block of _FRESH_PAGES_FROM bytes or more afresh (a block reused
# from freed, still resident memory would not show).
_STATM = "/proc/self/statm"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_FRESH_PAGES_FROM = 64 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
try:
    _glibc = ctypes.CDLL(None)
    _mallopt, _malloc_trim = _glibc.mallopt, _glibc.malloc_trim
except (OSError, AttributeError):   # not glibc: resident memory is read, without those settings
    _mallopt = _malloc_trim = None
_os_open, _os_pread, _os_close, _O_RDONLY = os.open, os.pread, os.close, os.O_RDONLY


def _resident_bytes():
    """This process's resident memory in bytes, or None if /proc does not tell."""
    try:
        fd = _os_open(_STATM, _O_RDONLY)
    except OSError:
        return None
    try:
        return int(_os_pread(fd, 128, 0).split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None
    finally:
        _os_close(fd)


class _Resident:
    """The highest resident size seen since :meth:`start`, as growth over its start."""

    def __init__(self, before):
        self.before = self.highest = before
        self.unreadable = False

    @classmethod
    def start(cls):
        if _mallopt is not None:
            _mallopt(_M_MMAP_THRESHOLD, _FRESH_PAGES_FROM)
            _mallopt(_M_TRIM_THRESHOLD, _FRESH_PAGES_FROM)
            _malloc_trim(0)
        before = _resident_bytes()
        return None if before is None else cls(before)

    def note(self):
        now = _resident_bytes()
        if now is None:
            self.unreadable = True
        elif now > self.highest:
            self.highest = now

    def growth(self):
        self.note()
        return -1 if self.unreadable else self.highest - self.before


# Timed calls (and the grader's timing of a reference) allocate from a heap kept warm: arrays
# up to _WARM_MMAP_BELOW bytes come from memory already used (freed, kept) instead of pages
# mapped afresh, whose faults would add a cost per byte that depends on the process's history
# (glibc's mmap threshold moves with what was freed before), not on the function.
_WARM_MMAP_BELOW, _WARM_TRIM_ABOVE = 32 * 2**20, 128 * 2**20


def warm_heap():
    """Set this process's allocator for timing: the same in the student's and the grader's.
    (In the sandbox a page fault costs several times more than outside: a float64 array of
    24,000 elements mapped afresh triples the cost of computing it.)"""
    if _mallopt is not None:
        _mallopt(_M_MMAP_THRESHOLD, _WARM_MMAP_BELOW)
        _mallopt(_M_TRIM_THRESHOLD, _WARM_TRIM_ABOVE)


# From the start, so that the heap has grown by the time anything is timed, for the whole process:
# only a memory call changes it while it runs, and puts it back (run_call).
warm_heap()


def _legacy_seed_sequence():
    """The SeedSequence behind the legacy state: ``np.random.seed`` replaces it, and
    ``np.random.set_state`` does not put it back."""
    return _getattr(_getattr(_LEGACY_RANDOM, "_bit_generator", None), "_seed_seq", None)


def watch_legacy_random():
    """Replace numpy.random's legacy functions (``np.random.seed``, ``choice``, ``set_state``...,
    bound to the global RandomState) by wrappers that count their calls, so that a call that used
    the legacy state and then restored it is seen (the state's value alone is as it was). The
    worker calls this before it runs any student code; NumPy's own functions are Cython code,
    which no profile hook sees."""
    import functools

    wrapped = {}
    for module in (np.random, np.random.mtrand):
        for name in dir(module):
            original = getattr(module, name)
            if name.startswith("_") or not (_getattr(original, "__self__", None) is _LEGACY_RANDOM
                                            or name in ("seed", "sample", "ranf")):
                continue
            if id(original) not in wrapped:
                def counted(*args, __original=original, **kwargs):
                    _legacy_calls[0] += 1
                    return __original(*args, **kwargs)
                wrapped[id(original)] = functools.wraps(original)(counted)
            setattr(module, name, wrapped[id(original)])

# While lines are counted, the function is also sampled: every _SAMPLE_EVERY
# seconds (wall time) a signal handler looks at what the main thread runs.
_SAMPLE_EVERY = 100e-6
# A call of an _OBJECT_WORK function counts only if it took this long: every
# profiler event costs a few microseconds of its own (a frame for the hook,
# allocations that tracemalloc traces), and per-element work at the sizes
# graded (thousands of elements, tens of ns each) takes far longer.
_OBJECT_WORK_MIN_NS = 50_000

# Built-in functions that change or read the tracing of the call, or run code
# where the line counter cannot see it (another thread, process or
# interpreter): (module, name), or a whole module. None of them has a place in
# whole-array code.
_SUSPECT_FUNCTIONS = {
    "sys": {"settrace", "setprofile", "gettrace", "getprofile", "call_tracing",
            "_current_frames", "_current_exceptions"},
    "_thread": {"start_new_thread", "start_new"},
    "posix": {"fork", "forkpty", "posix_spawn", "posix_spawnp", "system", "execv", "execve",
              "wait", "wait3", "wait4", "waitpid", "waitid", "pidfd_open", "register_at_fork"},
    "gc": {"get_objects", "get_referrers", "get_referents"},
}
_SUSPECT_MODULES = {"_signal", "_posixsubprocess", "_ctypes", "_xxsubinterpreters",
                    "_xxinterpchannels", "_winapi", "_tracemalloc",
                    # memory that tracemalloc does not trace: mapped, shared
                    "mmap", "_posixshmem"}
# Built-in functions that go through Python objects one by one when given a list
# or an iterator, in C, where no line event shows it: the time spent in them is
# the second measure of per-element work. (Calling a type, list(...) or
# tuple(...), makes no profiler event; a result made that way ends up in one of
# these, np.array or np.fromiter, all the same.)
_OBJECT_WORK = {id(f): name for f, name in (
    (sum, "sum"), (min, "min"), (max, "max"), (sorted, "sorted"), (any, "any"), (all, "all"),
    (functools.reduce, "functools.reduce"), (np.array, "np.array"), (np.asarray, "np.asarray"),
    (np.asanyarray, "np.asanyarray"), (np.fromiter, "np.fromiter"),
    (np.ndarray.tolist, "ndarray.tolist"), (str.join, "str.join"), (bytes.join, "bytes.join"),
)}
# The same methods bound to an object: (class, method name) -> name in messages.
_OBJECT_WORK_METHODS = {(np.ndarray, "tolist"): "ndarray.tolist", (str, "join"): "str.join",
                        (bytes, "join"): "bytes.join"}
# Python-level functions of the same kind (the others end in a built-in above).
_SUSPECT_CODE = {threading.settrace.__code__: "threading.settrace",
                 threading.setprofile.__code__: "threading.setprofile"}
# Attributes that switch a frame's line events off.
_FRAME_TRACING = frozenset({"f_trace", "f_trace_lines", "f_trace_opcodes"})
_CTYPES_DIR = os.path.dirname(ctypes.__file__) + os.sep
# The other suspects, named in the probe's words (never by the student's function name:
# a co_name is the student's text).
_NAMES_FRAME_TRACING, _CTYPES, _NO_LINE_NUMBERS = "frame.f_trace", "ctypes", "code without line numbers"
_RESUME = dis.opmap["RESUME"]
_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]
_JUMPS_BACKWARD = frozenset(dis.opmap[name] for name in ("JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT")
                            if name in dis.opmap)


# -- reading the names back in the grader ---------------------------------------------
# A report's names come from the student's process, which may send any text: the grader
# takes only the names in the tables above, and describes anything else.
_SUSPECT_LABELS = frozenset({f"{module}.{name}" for module, names in _SUSPECT_FUNCTIONS.items() for name in names}
                            | set(_SUSPECT_CODE.values()) | {_NAMES_FRAME_TRACING, _CTYPES, _NO_LINE_NUMBERS})
_OBJECT_WORK_LABELS = frozenset(_OBJECT_WORK.values()) | frozenset(_OBJECT_WORK_METHODS.values())


def suspect_label(name):
    """A ``suspect_calls`` entry as a verdict may name it: one of the probe's own labels,
    a function of a suspect module (``_signal.setitimer``) that exists there, or a description."""
    module, _, function = str(name).partition(".")
    if name in _SUSPECT_LABELS:
        return name
    if module in _SUSPECT_MODULES:
        loaded = sys.modules.get(module)
        real = loaded is not None and function.isidentifier() and hasattr(loaded, function)
        return name if real else f"a function of {module}"
    return "a function that hides lines from the count"


def object_work_label(name):
    """An ``object_work_calls`` entry as a verdict may name it: one of the probe's own labels, or a description."""
    return name if name in _OBJECT_WORK_LABELS else "a built-in function"


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
    return ArrayFacts(
        shape=tuple(int(n) for n in plain.shape),
        dtype=plain.dtype.str if plain.dtype.names is None else str(plain.dtype),
        kind=plain.dtype.kind,
        nbytes=int(plain.nbytes),
        strides=tuple(int(s) for s in plain.strides),
        shares_memory_with=tuple(slot for slot, arg in array_args if _shares(plain, arg)),
    )


# -- the state of the process around a call -----------------------------------
def _children_cpu():
    """CPU seconds used by the child processes that have been waited for."""
    usage = _getrusage(_RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tasks():
    """The thread ids of this process (None where /proc is not there)."""
    try:
        return _listdir("/proc/self/task")
    except OSError:
        return None


def _children(tasks):
    """This process's child processes, as {pid: CPU nanoseconds used so far, or None for one
    that has exited but was not waited for} (None where /proc does not tell)."""
    if tasks is None:
        return None
    found = {}
    try:
        for task in tasks:
            with _open(f"/proc/self/task/{task}/children") as listing:
                for pid in listing.read().split():
                    found[pid] = _cpu_ns(pid)
    except OSError:
        return None
    return found


def _cpu_ns(pid):
    """CPU nanoseconds a running process has used; None for a zombie or a process gone."""
    try:
        with _open(f"/proc/{pid}/stat") as stat:
            if stat.read().rpartition(")")[2].split()[0] in ("Z", "X"):
                return None
        with _open(f"/proc/{pid}/schedstat") as schedstat:  # exact, where clock ticks are 10 ms
            return int(schedstat.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None


# A child that was there before the call (a helper a library keeps, such as
# multiprocessing's resource tracker, waiting on a pipe) may use this much CPU
# during it; more, and it may have done the call's work.
_CHILD_IDLE_NS = 1_000_000


def _children_that_worked(before, after):
    """Children started during the call, and those from before that worked during it."""
    before, after = before or {}, after or {}
    started = set(after) - set(before)
    worked = [pid for pid, ns in before.items() if ns is not None and (
        after.get(pid) is None or after[pid] - ns > _CHILD_IDLE_NS)]
    return _len(started) + _len(worked)


def _snapshot():
    tasks = _tasks()
    return {"tasks": None if tasks is None else _len(tasks), "children": _children(tasks),
            # CPU time of every thread, dead or alive, and of this one (exact clocks, in ns)
            "cpu": _process_cpu_ns(), "thread_cpu": _thread_time() if _thread_time else None,
            "children_cpu": _children_cpu()}


class _Watch:
    """Counts the Python line events of one call and records what could hide some.

    Three hooks run while the function runs in the main thread: the tracer
    (``sys.settrace``) counts line events in every frame; the profiler
    (``sys.setprofile``), which sees every call and return, including calls of
    built-in functions, records suspect calls and frames whose line events
    were switched off; a sampling signal handler looks at the running frames
    every ``_SAMPLE_EVERY`` seconds, for a frame switched off and on again in
    between, and for other threads running Python code.
    """

    def __init__(self):
        self.count = 0          # line events
        self.calls = []         # names of suspect functions called
        self.untraced = 0       # events or samples that met a frame whose line events were off
        self.threads_seen = {}  # thread id -> (frame, instruction) last seen, other threads
        self.threads_new = set()
        self.threads_ran = set()
        self.active = False
        self.sampling = self.in_sample = False
        self.top = None         # the frame that calls the function
        self.main = _get_ident()
        self.object_ns = 0      # CPU time inside the outermost _OBJECT_WORK calls
        self.object_names = []
        self.object_call = None  # (function, frame, name) of the one running now
        self.object_from = None  # when its time began to count (None: paused)
        self.object_call_ns = 0
        self.object_nested = 0   # Python frames running inside it (their lines are counted instead)
        self._codes = {}
        self.resident = None     # a _Resident to keep up to date, in a memory call
        # One bound method each, so that identity tells whether a hook is still in place.
        self.tracer, self.profiler, self.sampler = self._trace, self._profile, self._sample

    # -- hooks (they run with tracing suspended) --------------------------------
    def _trace(self, frame, event, arg):
        if event == "line":
            self.count += 1
            if self.resident is not None:
                self.resident.note()
            return self.tracer
        if event == "call" and (_id(frame.f_code) in _OWN_CODE or not self.active):
            return None
        return self.tracer

    def _profile(self, frame, event, arg):
        code = frame.f_code
        if not self.active or _id(code) in _OWN_CODE:
            return
        if event in ("c_return", "c_exception"):
            if self.resident is not None:
                self.resident.note()
            call = self.object_call
            if call is not None and call[0] is arg and call[1] is frame:
                self._object_work_ends()
        starts_object_work = False
        if event == "c_call":
            module, name = _getattr(arg, "__module__", None), _getattr(arg, "__name__", None)
            if module in _SUSPECT_MODULES or name in _SUSPECT_FUNCTIONS.get(module, ()):
                self._suspect(f"{module}.{name}")
            starts_object_work = self.object_call is None and self._object_work_begins(arg, name, frame)
        elif event == "call":
            if self.object_call is not None:
                # Python code run from inside (an import, a callback): its lines count instead.
                self._pause_object_work()
                self.object_nested += 1
            if _id(code) not in self._codes:
                self._inspect(code)
            frame = frame.f_back
        if not self._traced(frame):
            self.untraced += 1
        if event == "return" and self.object_nested:
            self.object_nested -= 1
            starts_object_work = not self.object_nested
        if starts_object_work:  # last, so that none of the hook's own work is counted
            self._resume_object_work()

    def _sample(self, signum, frame):
        # Never twice at once: a sample can start while Python code (a weakref
        # callback, say) runs inside the previous one.
        if not self.active or self.in_sample:
            return
        self.in_sample = True
        counting = self.object_from is not None  # a signal sent just before the timer stopped
        if counting:
            self._pause_object_work()
        try:
            if not self._traced(frame):
                self.untraced += 1
            self._look_at_threads()
            if self.resident is not None:
                self.resident.note()
        finally:
            if counting:
                self._resume_object_work()
            self.in_sample = False

    def _resume_object_work(self):
        # No samples while the C call runs: taking one costs tens of microseconds,
        # which would count as the call's work, and there is no Python frame to
        # look at. (The timer stops: blocking the signal would only send it to
        # another thread. Python code run from inside is paused, and sampled.)
        if self.sampling:
            _setitimer(_ITIMER_REAL, 0)
        self.object_from = _thread_ns()

    def _pause_object_work(self):
        # No call between reading and clearing: a sample cannot come in between.
        started = self.object_from
        self.object_from = None
        if started is not None:
            self.object_call_ns += _thread_ns() - started
            if self.sampling and self.active:
                _setitimer(_ITIMER_REAL, _SAMPLE_EVERY, _SAMPLE_EVERY)

    def _object_work_ends(self):
        """The outermost call ended: keep its time if it is long enough to be work, not noise."""
        self._pause_object_work()
        if self.object_call_ns >= _OBJECT_WORK_MIN_NS:
            self.object_ns += self.object_call_ns
            label = self.object_call[2]
            if label not in self.object_names and _len(self.object_names) < 8:
                self.object_names.append(label)
        self.object_call = None

    def _object_work_begins(self, function, name, frame):
        label = _OBJECT_WORK.get(_id(function))
        if label is None:
            owner = _getattr(function, "__self__", None)
            for (cls, method), text in _OBJECT_WORK_METHODS.items():
                if name == method and isinstance(owner, cls):
                    label = text
                    break
        if label is None:
            return False
        self.object_call, self.object_nested, self.object_call_ns = (function, frame, label), 0, 0
        return True

    def _traced(self, frame):
        """Every frame of the call from ``frame`` up has line events on, sent to the tracer.

        A frame caught at a RESUME instruction (entering a function, or a
        generator coming back), before its "call" event, has no tracer yet:
        it has run nothing since.
        """
        top, tracer = self.top, self.tracer
        while frame is not None and frame is not top:
            if frame.f_trace is not tracer or not frame.f_trace_lines:
                code, at = frame.f_code, frame.f_lasti
                if _id(code) not in _OWN_CODE and not (
                        frame.f_trace is None and (at < 0 or code.co_code[at] == _RESUME)):
                    return False
            frame = frame.f_back
        return True

    def _inspect(self, code):
        """Code that runs for the first time in the call: is it a suspect?"""
        self._codes[_id(code)] = code
        name = _SUSPECT_CODE.get(code)
        if name is not None:
            self._suspect(name)
        touches = not _FRAME_TRACING.isdisjoint(code.co_names)
        for constant in code.co_consts:
            if type(constant) is str and constant in _FRAME_TRACING:
                touches = True
        if touches:
            self._suspect(_NAMES_FRAME_TRACING)
        if code.co_filename.startswith(_CTYPES_DIR):
            self._suspect(_CTYPES)
        if self._hides_lines(code):
            self._suspect(_NO_LINE_NUMBERS)

    @staticmethod
    def _hides_lines(code):
        """Whether ``code`` can run a loop, or call itself, without a line event: no
        instruction has a line number, or a backward jump lands on one without.
        The compiler never makes such code (none of the ~20,000 code objects of
        NumPy, IPython and the standard library); ``code.replace(co_linetable=...)`` does."""
        lines = {}
        for start, end, line in code.co_lines():
            for offset in range(start, end, 2):
                lines[offset] = line
        if all(line is None for line in lines.values()):  # an empty line table included
            return True
        raw, argument = code.co_code, 0
        for offset in range(0, _len(raw), 2):
            opcode = raw[offset]
            argument = argument << 8 | raw[offset + 1]
            if opcode == _EXTENDED_ARG:
                continue
            if opcode in _JUMPS_BACKWARD and lines.get(offset + 2 - 2 * argument) is None:
                return True
            argument = 0
        return False

    def _suspect(self, name):
        if name not in self.calls and _len(self.calls) < 8:
            self.calls.append(name)

    def _look_at_threads(self, first=False):
        """Remember where the other threads are; note those that moved (ran Python code)."""
        # sys._current_frames() holds the interpreter's thread-list lock while it
        # allocates: a garbage collection there could run Python code that needs it.
        collecting = _gc_isenabled()
        _gc_disable()
        try:
            frames = _current_frames()
        finally:
            if collecting:
                _gc_enable()
        for ident, frame in frames.items():
            if ident == self.main or ident in _THREADS_BEFORE:
                continue
            seen = self.threads_seen.get(ident)
            here = (frame, frame.f_lasti)
            if seen is None:
                if not first:
                    self.threads_new.add(ident)
            elif seen[0] is not frame or seen[1] != here[1]:
                self.threads_ran.add(ident)
            self.threads_seen[ident] = here

    # -- around the call ----------------------------------------------------
    def begin(self, top):
        self.top = top
        self._look_at_threads(first=True)
        self.before = _snapshot()
        self._start_sampling()
        _thread_settrace(self.tracer)
        self.old_trace, self.old_profile = _gettrace(), _getprofile()
        _setprofile(self.profiler)
        _settrace(self.tracer)

    def end(self):
        """Stop watching (``self.active`` is already False); return the facts."""
        tracer_kept, profiler_kept = _gettrace() is self.tracer, _getprofile() is self.profiler
        _settrace(self.old_trace if self.old_trace is not self.tracer else None)
        _setprofile(self.old_profile if self.old_profile is not self.profiler else None)
        _thread_settrace(None)
        sampler_kept = self._stop_sampling()
        after = _snapshot()
        self._look_at_threads()
        before = self.before

        def grew(key):
            if before[key] is None or after[key] is None:
                return 0
            return max(after[key] - before[key], 0)

        other_cpu = None
        if before["thread_cpu"] is not None:
            other_ns = (after["cpu"] - before["cpu"]) - (after["thread_cpu"] - before["thread_cpu"])
            other_cpu = max(other_ns, 0) / 1e9
        self.threads_seen.clear()  # let go of the other threads' frames
        return Measurement(
            line_events=self.count,
            object_work_ns=self.object_ns,
            object_work_calls=tuple(self.object_names),
            tracer_replaced=not tracer_kept,
            profiler_replaced=not profiler_kept,
            sampler_replaced=not sampler_kept,
            suspect_calls=tuple(self.calls),
            untraced_frames=self.untraced,
            threads_started=max(grew("tasks"), _len(self.threads_new)),
            threads_ran=_len(self.threads_ran),
            other_threads_cpu=other_cpu,
            # children running when the call began, or that appeared during it
            child_processes=_children_that_worked(before["children"], after["children"]),
            children_cpu=max(after["children_cpu"] - before["children_cpu"], 0.0),
        )

    def _start_sampling(self):
        if _setitimer is None or _get_ident() != _MAIN_THREAD:
            return
        try:
            self.old_handler = _signal(_SIGALRM, self.sampler)
        except (ValueError, OSError):
            return
        self.was_blocked = _sigmask is not None and _SIGALRM in _sigmask(_SIG_BLOCK, ())
        if self.was_blocked:
            _sigmask(_SIG_UNBLOCK, (_SIGALRM,))
        self.old_timer = _setitimer(_ITIMER_REAL, _SAMPLE_EVERY, _SAMPLE_EVERY)
        self.sampling = True

    def _stop_sampling(self):
        """Stop the samples and put back what was there; return whether the handler was still ours."""
        if not self.sampling:
            return True
        _setitimer(_ITIMER_REAL, 0)
        kept = _getsignal(_SIGALRM) is self.sampler
        # A signal already sent may still be on its way, to this thread or to
        # another (a process's timer signal goes to any thread that does not
        # block it). It must find a Python handler: SIG_DFL would end the
        # process, and SIG_IGN set while it is pending makes Python print
        # "OSError: Signal 14 ignored due to race condition". So where there
        # was no Python handler before, a no-op one stays.
        old = self.old_handler
        _signal(_SIGALRM, old if callable(old) else _late_sample)
        if self.was_blocked:
            _sigmask(_SIG_BLOCK, (_SIGALRM,))
        if self.old_timer[0] > 0:
            _setitimer(_ITIMER_REAL, *self.old_timer)
        return kept


def _late_sample(signum, frame):
    """The SIGALRM handler left after a watch: a sample that arrives late does nothing."""


# The watch's own code: the sampling handler runs with tracing on, and may
# interrupt a hook. Neither is the student's code.
# The probe's own code (static methods unwrapped): never counted, never suspect.
_OWN_CODE = frozenset(id(f.__code__) for f in (getattr(m, "__func__", m) for m in
                                                [*vars(_Watch).values(), *vars(_Resident).values(), _resident_bytes,
                                                 _process_cpu_ns])
                      if hasattr(f, "__code__"))


def run_call(func, args=(), kwargs=None, *, count_lines=False, trace_memory=False, time_call=False,
             trace_allocations=False, send_value=True, send_args=True):
    """Call ``func(*args, **kwargs)``; return a :class:`~course.grading.call_report.CallReport`.

    ``count_lines`` watches the call (:class:`_Watch`); ``trace_memory``
    measures the most memory it held (``peak_bytes``), in a call of its own
    because tracing every allocation would blur the watch's timing.
    ``time_call`` measures the CPU time of the call, unwatched
    (:class:`~course.grading.call_report.Timing`): nothing of the probe runs
    while it runs, so all of it is the function's. With ``trace_allocations``
    tracemalloc traces every allocation during the timed call: each costs a
    few hundred nanoseconds more, so the difference with an untraced call
    tells how many Python objects the call created (see
    :func:`course.grading.checks.check_vectorized`).
    ``send_value`` and ``send_args`` say whether the value and the arguments
    after the call go in the report.
    """
    kwargs = dict(kwargs or {})
    array_args = _arrays_in(args, kwargs)
    before = {slot: _as_plain(a, _ndarray).copy() for slot, a in array_args}
    random_before = _legacy_random_state(), _legacy_seed_sequence(), _legacy_calls[0]
    watch = _Watch() if count_lines else None
    value, error, measurement, peak, resident, timing = None, None, None, None, None, None
    collecting = _gc_isenabled()
    _gc_disable()  # a collection in the middle would be counted as the call's work
    if trace_memory:
        started_tracing = not _tracing_memory()
        if started_tracing:
            _trace_memory(1)
        resident = _Resident.start()
        if watch is not None:
            watch.resident = resident
        _reset_peak()
        memory_before = _traced_memory()[0]
    if watch is not None:
        watch.begin(_getframe())
        watch.active = True
    if time_call:
        timed = _snapshot()
        if trace_allocations:
            # A sentinel traced now is untraced if tracing stops during the call, even if it
            # is started again: stopping tracemalloc forgets every trace.
            was_tracing = _tracing_memory()
            if not was_tracing:
                _trace_memory(1)
            sentinel = _object()   # no free list: a new allocation, traced
        timed_from = _process_cpu_ns()
    try:
        value = func(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are answers too
        error = ErrorFacts.of(exc)
    finally:
        if time_call:
            cpu_ns = _process_cpu_ns() - timed_from
            traced = None
            if trace_allocations:
                traced = _tracing_memory() and _object_traceback(sentinel) is not None
                if not was_tracing and _tracing_memory():
                    _untrace_memory()
            timing = _timing(timed, cpu_ns, traced)
        if watch is not None:
            watch.active = False
            measurement = watch.end()
        if trace_memory and _tracing_memory():  # a call that stopped tracing has no peak
            peak = max(_traced_memory()[1] - memory_before, 0)
            if started_tracing:
                _untrace_memory()
        if resident is not None:
            resident = resident.growth()
        if trace_memory:
            # The memory call mapped every block afresh (_Resident.start); whatever runs next
            # (the notebook's next cells, a timed call) gets the warm heap back: in the sandbox
            # each fresh page costs a fault several times dearer than outside.
            warm_heap()
        if collecting:
            _gc_enable()
    return CallReport(
        error=error,
        value=value if send_value and error is None else None,
        value_ref=None,
        result_type=type_name(value) if error is None else None,
        result=describe_array(value, array_args) if _issubclass(type(value), _ndarray) else None,
        args_modified={slot: not _same_values(before[slot], _as_plain(a, _ndarray))
                       for slot, a in array_args},
        args_after=(copy.copy(list(args)), dict(kwargs)) if send_args else None,
        legacy_random_used=_legacy_random_used(random_before),
        peak_bytes=peak,
        resident_peak_bytes=resident,
        measurement=measurement,
        timing=timing,
    )


def _timing(before, cpu_ns, traced):
    """The CPU time of an unwatched call, and what could have done its work elsewhere: work
    done in another process is not in this process's CPU time (another thread's is)."""
    after = _snapshot()
    started = 0 if before["tasks"] is None or after["tasks"] is None else max(after["tasks"] - before["tasks"], 0)
    return Timing(cpu_ns=max(cpu_ns, 0), allocations_traced=traced, threads_started=started,
                  child_processes=_children_that_worked(before["children"], after["children"]),
                  children_cpu=max(after["children_cpu"] - before["children_cpu"], 0.0))


def _legacy_random_used(before):
    """Whether the legacy global random state was used since ``before`` was read: its value
    changed, it was seeded (a new SeedSequence behind it), or one of its functions was called."""
    state, seed_sequence, calls = before
    return (_legacy_calls[0] != calls or _legacy_seed_sequence() is not seed_sequence
            or _legacy_random_state() != state)


def _legacy_random_state():
    """NumPy's legacy global random state, as something that compares by value."""
    state = _legacy_state(_LEGACY_RANDOM, legacy=False)
    return (bytes(state["state"]["key"]), state["state"]["pos"], state["has_gauss"], state["gauss"])
