"""The probe (course.grading.probe): what it measures next to the student's code."""
import gc
import mmap
import os
import pickle
import queue
import signal
import sys
import threading
import time
import types

import numpy as np
import pytest

from course.grading import check, check_vectorized
from course.grading.checks import GradingFailure
from course.grading import probe
from course.grading.call_report import CallReport
from course.grading.probe import _Watch, run_call
from course.grading.wire import roundtrip


def _unlined(function):
    """``function`` with a code object in which no instruction has a line number."""
    units, table = len(function.__code__.co_code) // 2, bytearray()
    while units:
        run = min(units, 8)
        table.append(0x80 | (15 << 3) | (run - 1))  # "no location" for `run` code units
        units -= run
    function.__code__ = function.__code__.replace(co_linetable=bytes(table))
    return function


def _negate_between(Z, low, high):
    for i in range(len(Z)):
        if low < Z[i] < high:
            Z[i] = -Z[i]


def _codes(obj, seen):
    if isinstance(obj, types.CodeType) and id(obj) not in seen:
        seen.add(id(obj))
        yield obj
        for constant in obj.co_consts:
            yield from _codes(constant, seen)


def test_code_the_compiler_made_never_looks_like_it_hides_lines():
    seen = set()
    codes = [c for f in gc.get_objects() if isinstance(f, types.FunctionType) for c in _codes(f.__code__, seen)]
    assert len(codes) > 1000
    assert [c for c in codes if _Watch._hides_lines(c)] == []


def test_a_loop_without_line_numbers_runs_no_line_events_but_is_named():
    hidden = _unlined(types.FunctionType(_negate_between.__code__, globals()))
    report = run_call(hidden, (np.arange(1000.0), 3, 8), {}, count_lines=True)
    assert report.measurement.line_events == 0
    assert any("code without line numbers" in call for call in report.measurement.suspect_calls)


def test_recursion_without_line_numbers_is_named():
    def count(n):
        return 0 if n == 0 else 1 + count(n - 1)

    report = run_call(_unlined(count), (200,), {}, count_lines=True)
    assert report.value == 200
    assert report.measurement.suspect_calls


@pytest.mark.parametrize("hide", [False, True])
def test_a_correct_loop_loses_the_vectorization_point_with_or_without_line_numbers(hide):
    answer = types.FunctionType(_negate_between.__code__, globals())
    rng = np.random.default_rng(5)
    with pytest.raises(GradingFailure):
        check_vectorized(_unlined(answer) if hide else answer,
                         lambda n: (rng.normal(size=n), -0.5, 0.5)).modifies_in_place(0, _negate_between)


def test_a_vectorized_answer_keeps_it():
    rng = np.random.default_rng(6)

    def answer(Z, low, high):
        np.negative(Z, out=Z, where=(low < Z) & (Z < high))

    check_vectorized(answer, lambda n: (rng.normal(size=n), -0.5, 0.5)).modifies_in_place(0, _negate_between)


# -- the line count cannot be hidden -------------------------------------------------
def oracle_reverse(Z):
    return np.array(list(reversed(Z.tolist())), dtype=Z.dtype)


# Each trick computes the right answer with a loop over the input, hidden from the line counter.
def reverse_in_this_frame(Z):  # a loop that sends line events only to this frame's f_trace
    out, n = Z.copy(), len(Z)
    for i in range(n):
        out[i] = Z[n - 1 - i]
    return out


def lines_off(Z):
    sys._getframe().f_trace_lines = False
    out, n = Z.copy(), len(Z)
    for i in range(n):
        out[i] = Z[n - 1 - i]
    return out


def lines_off_and_on_again(Z):
    frame = sys._getframe()
    frame.f_trace_lines = False
    out, n = Z.copy(), len(Z)
    for i in range(n):
        out[i] = Z[n - 1 - i]
    frame.f_trace_lines = True
    return out


def lines_off_without_a_call_or_a_name(Z):
    # the frame from a traceback, the attribute's name built at run time, a loop that calls nothing:
    # only the sampling sees the frame with its line events off
    try:
        raise ValueError
    except ValueError as error:
        frame = error.__traceback__.tb_frame
    name = "".join(["f_tr", "ace_li", "nes"])
    object.__setattr__(frame, name, False)
    out, n, i = Z.copy(), len(Z), 0
    while i < n:
        out[i] = Z[n - 1 - i]
        i += 1
    object.__setattr__(frame, name, True)
    return out


def tracer_off_and_back(Z):
    tracer = sys.gettrace()
    sys.settrace(None)
    reversed_ = np.array([Z[i] for i in range(len(Z) - 1, -1, -1)])
    sys.settrace(tracer)
    return reversed_


def profiler_off(Z):
    sys.setprofile(None)
    return reverse_in_this_frame(Z)


def untraced_thread(Z):
    out = Z.copy()

    def loop():
        for i in range(len(Z)):
            out[i] = Z[len(Z) - 1 - i]

    threading.settrace(None)
    worker = threading.Thread(target=loop)
    worker.start()
    worker.join()
    return out


def forked_child(Z):
    read, write = os.pipe()
    if os.fork() == 0:
        try:
            os.write(write, pickle.dumps([Z[i] for i in range(len(Z) - 1, -1, -1)]))
        finally:
            os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 20):
        chunks.append(chunk)
    os.close(read)
    os.wait()
    return np.array(pickle.loads(b"".join(chunks)))


@pytest.fixture
def helper_thread():
    """A thread started before the call, that reverses what it is given (with a loop)."""
    jobs, results = queue.Queue(), queue.Queue()

    def serve():
        while (Z := jobs.get()) is not None:
            results.put(np.array([Z[i] for i in range(len(Z) - 1, -1, -1)]))

    server = threading.Thread(target=serve, daemon=True)
    server.start()

    def ask_helper_thread(Z):
        jobs.put(Z)
        return results.get()

    yield ask_helper_thread
    jobs.put(None)
    server.join()


@pytest.fixture
def helper_process():
    """A process forked before the call, that reverses what it finds in shared memory (with a loop)."""
    shared = mmap.mmap(-1, 8 * 10_000)
    state = np.frombuffer(shared, dtype=np.int64, count=2)
    data = np.frombuffer(shared, dtype=np.int64, offset=16)
    pid = os.fork()
    if pid == 0:
        try:
            while True:
                if state[0] == 1:
                    n = int(state[1])
                    data[:n] = [data[n - 1 - i] for i in range(n)]
                    state[0] = 2
                time.sleep(0.001)
        finally:
            os._exit(0)

    def ask_helper_process(Z):
        data[:len(Z)] = Z
        state[:] = 1, len(Z)
        time.sleep(0.2)  # one line, whatever the size
        return data[:len(Z)].copy()

    yield ask_helper_process
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


TRICKS = [lines_off, lines_off_and_on_again, lines_off_without_a_call_or_a_name, tracer_off_and_back,
          profiler_off, untraced_thread, forked_child, "helper_thread", "helper_process"]


@pytest.mark.parametrize("trick", TRICKS, ids=lambda t: getattr(t, "__name__", t))
def test_check_vectorized_rejects_a_loop_hidden_from_the_line_counter(trick, request):
    with pytest.raises(GradingFailure, match="not vectorized"):  # the loop, when the counter sees it
        check_vectorized(reverse_in_this_frame, lambda n: (np.arange(n),))
    func = request.getfixturevalue(trick) if isinstance(trick, str) else trick
    check(func, np.arange(50)).agrees_with(oracle_reverse)  # each trick computes the right answer
    with pytest.raises(GradingFailure, match="could not be measured"):
        check_vectorized(func, lambda n: (np.arange(n),)).agrees_with(oracle_reverse)
    assert sys.gettrace() is None and sys.getprofile() is None  # and nothing is left behind
    # no sampler left: the default, or the inert handler that catches a late signal
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, probe._late_sample)


def test_the_probe_reports_what_it_saw_as_plain_data():
    plain = roundtrip(run_call(tracer_off_and_back, (np.arange(10),), count_lines=True).to_plain())
    measurement = CallReport.from_plain(plain).measurement
    assert measurement.suspect_calls == ("sys.gettrace", "sys.settrace")
    assert measurement.threads_started == 0 and measurement.child_processes == 0
    assert run_call(reverse_in_this_frame, (np.arange(10),)).measurement is None  # nothing measured unless asked


# A result that fills itself when its class is looked at after the call: its metaclass's __module__,
# or its own __class__, run the per-element loop outside the measured window.
LATE_FILL = """
import numpy as np
filled = []

def fill(array):
    filled.append(1)
    for i in range(len(array)):          # the work the line count should have seen
        array[i] = array.source[len(array) - 1 - i]

class Late(type):
    @property
    def __module__(cls):                 # read by a type's name: Result.__module__
        for array in list(cls.pending):
            fill(array)
        cls.pending.clear()
        return "numpy"

class Result(np.ndarray, metaclass=Late):
    pending = []

class Sneaky:
    @property
    def __class__(self):
        fill(self.array)
        return np.ndarray

def late_reverse(Z):
    out = np.zeros(len(Z), dtype=Z.dtype).view(Result)
    out.source = Z
    Result.pending.append(out)
    return out

def sneaky_reverse(Z):
    s = Sneaky()
    s.array = np.zeros(len(Z), dtype=Z.dtype).view(Result)
    s.array.source = Z
    return [s, s.array]
"""


@pytest.mark.parametrize("where", ["here", "worker"])
def test_nothing_of_the_students_runs_after_the_measured_window(where):
    from course.grading import check_vectorized
    from course.grading.executor import IsolatedExecute

    def oracle(Z):
        return Z[::-1]

    if where == "here":
        namespace = {}
        exec(LATE_FILL, namespace)
        late = namespace["late_reverse"]
        with pytest.raises(GradingFailure, match="wrong at|reverse order"):
            check_vectorized(late, lambda n: (np.arange(float(n)),)).agrees_with(oracle)
        report = run_call(namespace["sneaky_reverse"], (np.arange(5.0),))
        from course.grading import wire
        wire.dumps(report.value)
        assert namespace["filled"] == []      # the class was never looked at through the student's code
        return
    with IsolatedExecute().session() as session:
        session.run_cell(LATE_FILL)
        late = session.lookup(["late_reverse"])["late_reverse"]
        with pytest.raises(GradingFailure, match="wrong at|reverse order"):
            check_vectorized(late, lambda n: (np.arange(float(n)),)).agrees_with(oracle)
        session.lookup(["sneaky_reverse"])["sneaky_reverse"](np.arange(5.0))
        assert session.run_cell("print(len(filled))")["stdout"] == "0\n"


def _page_faults_of(work):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    work()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(probe._mallopt is None, reason="glibc's mallopt is needed")
def test_after_a_memory_call_the_notebook_gets_the_warm_heap_back():
    """A memory call maps every block afresh while it runs (its resident measure sees them);
    the cells after it must not: an array of 1 MiB made and freed 40 times reuses the heap
    (a few faults) instead of mapping 256 fresh pages each time."""
    def churn():
        for _ in range(40):
            np.ones(2**17).sum()

    churn()   # the heap has grown to hold one
    assert _page_faults_of(churn) < 1_000
    report = run_call(lambda n: np.ones(n).sum(), (2**17,), trace_memory=True)
    assert report.resident_peak_bytes is not None
    assert _page_faults_of(churn) < 1_000    # without the warm heap back: about 40 x 256
