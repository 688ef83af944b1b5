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
import gc
import os
import resource
import signal
import sys
import threading
import time

import numpy as np

from .wire import _BASE, _FLAGS, _owner, type_name

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
_getrusage, _RUSAGE_CHILDREN = resource.getrusage, resource.RUSAGE_CHILDREN
_process_time, _thread_time = time.process_time_ns, getattr(time, "thread_time_ns", None)
_SIGALRM, _ITIMER_REAL = getattr(signal, "SIGALRM", None), getattr(signal, "ITIMER_REAL", None)
_setitimer, _sigmask = getattr(signal, "setitimer", None), getattr(signal, "pthread_sigmask", None)
_signal, _getsignal, _SIG_DFL, _SIG_IGN = signal.signal, signal.getsignal, signal.SIG_DFL, signal.SIG_IGN
_SIG_BLOCK, _SIG_UNBLOCK = getattr(signal, "SIG_BLOCK", None), getattr(signal, "SIG_UNBLOCK", None)
_shares_memory, _may_share_memory = np.shares_memory, np.may_share_memory
_array_equal, _ndarray, _TooHard = np.array_equal, np.ndarray, np.exceptions.TooHardError
_as_plain = _ndarray.view

# While lines are counted, the function is also sampled: every _SAMPLE_EVERY
# seconds (wall time) a signal handler looks at what the main thread runs.
_SAMPLE_EVERY = 100e-6

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
                    "_xxinterpchannels", "_winapi"}
# Python-level functions of the same kind (the others end in a built-in above).
_SUSPECT_CODE = {threading.settrace.__code__: "threading.settrace",
                 threading.setprofile.__code__: "threading.setprofile"}
# Attributes that switch a frame's line events off.
_FRAME_TRACING = frozenset({"f_trace", "f_trace_lines", "f_trace_opcodes"})
_CTYPES_DIR = os.path.dirname(ctypes.__file__) + os.sep
_RESUME = dis.opmap["RESUME"]
_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]
_JUMPS_BACKWARD = frozenset(dis.opmap[name] for name in ("JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT")
                            if name in dis.opmap)


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
    """This process's child processes, as {pid: running} (None where /proc does not tell).

    A child that has exited but was not waited for (a zombie) is not running.
    """
    if tasks is None:
        return None
    found = {}
    try:
        for task in tasks:
            with _open(f"/proc/self/task/{task}/children") as listing:
                for pid in listing.read().split():
                    found[pid] = _running(pid)
    except OSError:
        return None
    return found


def _running(pid):
    try:
        with _open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _snapshot():
    tasks = _tasks()
    return {"tasks": None if tasks is None else _len(tasks), "children": _children(tasks),
            # CPU time of every thread, dead or alive, and of this one (exact clocks, in ns)
            "cpu": _process_time(), "thread_cpu": _thread_time() if _thread_time else None,
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
        self.samples = 0
        self.threads_seen = {}  # thread id -> (frame, instruction) last seen, other threads
        self.threads_new = set()
        self.threads_ran = set()
        self.active = False
        self.sampling = self.in_sample = False
        self.top = None         # the frame that calls the function
        self.main = _get_ident()
        self._codes = {}
        # One bound method each, so that identity tells whether a hook is still in place.
        self.tracer, self.profiler, self.sampler = self._trace, self._profile, self._sample

    # -- hooks (they run with tracing suspended) --------------------------------
    def _trace(self, frame, event, arg):
        if event == "line":
            self.count += 1
            return self.tracer
        if event == "call" and (_id(frame.f_code) in _OWN_CODE or not self.active):
            return None
        return self.tracer

    def _profile(self, frame, event, arg):
        code = frame.f_code
        if not self.active or _id(code) in _OWN_CODE:
            return
        if event == "c_call":
            module, name = _getattr(arg, "__module__", None), _getattr(arg, "__name__", None)
            if module in _SUSPECT_MODULES or name in _SUSPECT_FUNCTIONS.get(module, ()):
                self._suspect(f"{module}.{name}")
        elif event == "call":
            if _id(code) not in self._codes:
                self._inspect(code)
            frame = frame.f_back
        if not self._traced(frame):
            self.untraced += 1

    def _sample(self, signum, frame):
        # Never twice at once: a sample can start while Python code (a weakref
        # callback, say) runs inside the previous one.
        if not self.active or self.in_sample:
            return
        self.in_sample = True
        try:
            self.samples += 1
            if not self._traced(frame):
                self.untraced += 1
            self._look_at_threads()
        finally:
            self.in_sample = False

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
            self._suspect(f"frame.f_trace (in {code.co_name})")
        if code.co_filename.startswith(_CTYPES_DIR):
            self._suspect("ctypes")
        if self._hides_lines(code):
            self._suspect(f"code without line numbers (in {code.co_name})")

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
        return {
            "line_events": self.count,
            "tracer_replaced": not tracer_kept,
            "profiler_replaced": not profiler_kept,
            "sampler_replaced": not sampler_kept,
            "suspect_calls": list(self.calls),
            "untraced_frames": self.untraced,
            "samples": self.samples if self.sampling else None,
            "threads_started": max(grew("tasks"), _len(self.threads_new)),
            "threads_ran": _len(self.threads_ran),
            "other_threads_cpu": other_cpu,
            # children running when the call began, or that appeared during it
            "child_processes": _len([pid for pid, running in (before["children"] or {}).items() if running])
                               + _len(set(after["children"] or ()) - set(before["children"] or ())),
            "children_cpu": max(after["children_cpu"] - before["children_cpu"], 0.0),
        }

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
        _signal(_SIGALRM, _SIG_IGN)  # drops a signal still on its way: it must not meet SIG_DFL
        _signal(_SIGALRM, _SIG_DFL if self.old_handler is None else self.old_handler)
        if self.was_blocked:
            _sigmask(_SIG_BLOCK, (_SIGALRM,))
        if self.old_timer[0] > 0:
            _setitimer(_ITIMER_REAL, *self.old_timer)
        return kept


# The watch's own code: the sampling handler runs with tracing on, and may
# interrupt a hook. Neither is the student's code.
# The probe's own code (static methods unwrapped): never counted, never suspect.
_OWN_CODE = frozenset(id(f.__code__) for f in (getattr(m, "__func__", m) for m in vars(_Watch).values())
                      if hasattr(f, "__code__"))


def run_call(func, args=(), kwargs=None, *, count_lines=False, send_value=True,
             send_args=True):
    """Call ``func(*args, **kwargs)`` and return a report (a dict of plain data).

    Keys: ``value`` (the return value, or None if not sent), ``error`` (None or
    ``{"type", "message"}``), ``result`` (memory facts when the value is an
    ndarray, else None), ``result_type``, ``args_after`` (the arguments after
    the call), ``args_modified`` (slot -> bool, for array arguments) and
    ``measurement`` (None, or with ``count_lines`` what the line counter saw:
    ``line_events``, the Python line events during the call, in any frame, and
    the facts that say whether that count can be trusted: hooks replaced,
    suspect functions called, frames whose line events were switched off,
    threads started or running, child processes, CPU time of other threads).
    """
    kwargs = dict(kwargs or {})
    array_args = _arrays_in(args, kwargs)
    before = {slot: _as_plain(a, _ndarray).copy() for slot, a in array_args}
    watch = _Watch() if count_lines else None
    value, error, measurement = None, None, None
    if watch is not None:
        watch.begin(_getframe())
        watch.active = True
    try:
        value = func(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are answers too
        error = {"type": type(exc).__name__, "message": _message(exc),
                 # the class and its bases, so the grader can name the first well-known one
                 "classes": [_class_name(c) for c in type(exc).__mro__[:20]]}
    finally:
        if watch is not None:
            watch.active = False
            measurement = watch.end()
    report = {
        "error": error,
        "value": value if send_value and error is None else None,
        "result_type": type_name(value) if error is None else None,
        "result": describe_array(value, array_args) if isinstance(value, _ndarray) else None,
        "args_modified": {slot: not _same_values(before[slot], _as_plain(a, _ndarray))
                          for slot, a in array_args},
        "args_after": (copy.copy(list(args)), dict(kwargs)) if send_args else None,
        "line_events": measurement["line_events"] if measurement else None,
        "measurement": measurement,
    }
    return report


def _class_name(cls):
    module, name = _getattr(cls, "__module__", ""), _getattr(cls, "__qualname__", "?")
    return name if module in ("builtins", "") else f"{module}.{name}"


def _message(exc):
    try:
        return str(exc)[:500]
    except BaseException:  # noqa: BLE001
        return "(the exception's message could not be printed)"
