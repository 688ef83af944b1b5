"""The second measure of check_vectorized (time in built-ins that go through Python
objects), memory bounds, NumPy's legacy global random state, and the sampler's signals."""
import functools
import itertools
import operator
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from course.grading import GradingFailure, check, check_vectorized
from course.grading import checks
from course.grading.checks import run


def walk(n, rng):
    return np.concatenate([[0], np.cumsum(rng.choice([-1, 1], n))])


def walk_accumulate_list(n, rng):  # the introduction's itertools version, on a list
    steps = rng.choice([-1, 1], n).tolist()
    return np.array(list(itertools.accumulate(steps, initial=0)))


def walk_fromiter_map(n, rng):
    steps = rng.choice([-1, 1], n)
    return np.fromiter(itertools.accumulate(map(int, steps), initial=0), dtype=np.int64, count=n + 1)


def walk_list_and_back(n, rng):
    return np.cumsum(np.array([0] + list(rng.choice([-1, 1], n))))


def total_reduce(n, rng):
    return functools.reduce(operator.add, rng.integers(0, 9, n))


def total_builtin_sum(n, rng):
    return sum(rng.integers(0, 9, n))


def total(n, rng):
    return rng.integers(0, 9, n).sum()


def distinct_sorted(n, rng):  # whole-array code that sorts: costly per element, but in NumPy
    return np.unique(np.sort(rng.integers(0, 50, n)))


def automaton_padding_each_step(n, rng):  # many small np.array/np.asarray calls, none per element
    Z = rng.integers(0, 2, n)
    for _ in range(50):
        padded = np.pad(Z, 1)
        Z = np.asarray(padded[:-2] ^ padded[2:])
    return Z


def arguments(n):
    return n, np.random.default_rng(n)


@pytest.mark.parametrize("func", [walk, total, distinct_sorted, automaton_padding_each_step])
def test_whole_array_code_passes_both_measures(func):
    for _ in range(3):  # timing must never flake for these
        check_vectorized(func, arguments)


@pytest.mark.parametrize("func", [walk_accumulate_list, walk_fromiter_map, walk_list_and_back,
                                  total_reduce, total_builtin_sum])
def test_a_loop_that_c_runs_over_python_objects_is_not_vectorized(func):
    check(func, *arguments(10))  # each runs, and runs no Python line per element:
    with pytest.raises(GradingFailure, match="goes through Python objects once per element"):
        check_vectorized(func, arguments)


def add_broadcast(x, v):
    return x + v


def add_tiled(x, v):
    return x + np.tile(v, (len(x), 1))


def add_after_a_copy(x, v):
    return x.astype(float) + v


def add_in_place_on_a_copy(x, v):
    out = x.copy()
    out += v
    return out


def rows(m):
    return np.random.default_rng(m).normal(size=(m, 3)), np.array([1.0, -2.0, 0.5])


@pytest.mark.parametrize("func", [add_broadcast, add_in_place_on_a_copy])
def test_allocates_at_most_its_result_accepts_broadcasting(func):
    check_vectorized(func, rows).allocates_at_most(1)


@pytest.mark.parametrize("func", [add_tiled, add_after_a_copy])
def test_allocates_at_most_its_result_rejects_a_temporary_of_its_size(func):
    with pytest.raises(GradingFailure, match="allocated .* MiB at once"):
        check_vectorized(func, rows).allocates_at_most(1)
    check_vectorized(func, rows).allocates_at_most(2)  # the bound is what the test says


def walk_from_the_global_state(n, rng):
    np.random.seed(int(rng.integers(2**31)))  # reproducible: only the global state shows it
    return np.concatenate([[0], np.cumsum(np.random.choice([-1, 1], n))])


def test_a_call_that_uses_the_legacy_global_random_state_fails():
    check(walk, 100, np.random.default_rng(1))
    with pytest.raises(GradingFailure, match="legacy global random state"):
        check(walk_from_the_global_state, 100, np.random.default_rng(1))


def walk_restoring_the_global_state(n, rng):
    saved = np.random.get_state()
    try:
        return walk_from_the_global_state(n, rng)
    finally:
        np.random.set_state(saved)   # the state's value is as it was: only the calls show it


def walk_through_the_class(n, rng):
    steps = np.random.RandomState.choice(np.random.mtrand._rand, [-1, 1], n)
    return np.concatenate([[0], np.cumsum(steps)])


def walk_seeding_the_instance_and_restoring(n, rng):
    legacy = np.random.mtrand._rand           # not through numpy.random's functions
    saved = legacy.get_state()
    legacy.seed(int(rng.integers(2**31)))
    try:
        return np.concatenate([[0], np.cumsum(legacy.choice([-1, 1], n))])
    finally:
        legacy.set_state(saved)


def walk_setting_the_state_and_restoring(n, rng):
    saved = np.random.get_state()              # no seeding: a state made from rng, then put back
    np.random.set_state(("MT19937", rng.integers(0, 2**32, 624, dtype=np.uint32), 624, 0, 0.0))
    try:
        return np.concatenate([[0], np.cumsum(np.random.choice([-1, 1], n))])
    finally:
        np.random.set_state(saved)


def walk_from_an_own_state(n, rng):
    own = np.random.RandomState(int(rng.integers(2**31)))   # not the global state
    return np.concatenate([[0], np.cumsum(own.choice([-1, 1], n))])


@pytest.mark.parametrize("count_lines", [False, True])
@pytest.mark.parametrize("func", [walk_restoring_the_global_state, walk_through_the_class,
                                  walk_seeding_the_instance_and_restoring, walk_setting_the_state_and_restoring])
def test_the_legacy_state_used_and_restored_is_seen(func, count_lines):
    # numpy.random's functions as the worker has them: wrapped, each call counted
    code = ("import numpy as np, sys\nfrom course.grading import probe\nprobe.watch_legacy_random()\n"
            "sys.path.insert(0, sys.argv[1])\nimport test_vectorization_measures as t\n"
            f"report = probe.run_call(t.{func.__name__}, (100, np.random.default_rng(1)), count_lines={count_lines})\n"
            f"honest = probe.run_call(t.walk, (100, np.random.default_rng(1)), count_lines={count_lines})\n"
            f"own = probe.run_call(t.walk_from_an_own_state, (100, np.random.default_rng(1)))\n"
            "print(report.legacy_random_used, honest.legacy_random_used, own.legacy_random_used)")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split() == ["True", "False", "False"], done.stdout + done.stderr


def test_without_the_wrappers_a_first_seeding_still_shows():
    # In a student's own kernel (Validate) numpy.random is not wrapped: seeding the legacy state
    # replaces its SeedSequence, which set_state does not put back (seen once per process).
    code = ("import numpy as np, sys\nfrom course.grading import probe\n"
            "sys.path.insert(0, sys.argv[1])\nimport test_vectorization_measures as t\n"
            "print(probe.run_call(t.walk_seeding_the_instance_and_restoring, (100, np.random.default_rng(1)))"
            ".legacy_random_used)")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split() == ["True"], done.stdout + done.stderr


STRESS = """
import threading, time
import numpy as np
from course.grading.probe import run_call
def idle():  # like a Jupyter kernel's own threads: the timer's signal may go to them
    while True:
        time.sleep(0.0001)
for _ in range(2):
    threading.Thread(target=idle, daemon=True).start()
def short(Z):
    return np.asarray(Z) + 1
for _ in range(3000):
    run_call(short, (np.arange(10),), count_lines=True)
print("done")
"""


def test_many_short_watched_calls_leave_no_signal_behind():
    # A timer signal on its way when sampling stops used to meet SIG_IGN:
    # "OSError: Signal 14 ignored due to race condition", or SIG_DFL: death.
    result = subprocess.run([sys.executable, "-c", STRESS], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "done", result.stderr
    assert "race condition" not in result.stderr and "Error" not in result.stderr, result.stderr


def test_an_idle_child_from_before_the_call_does_not_spoil_the_measurement():
    # multiprocessing's resource tracker, a kernel's helper: children that wait and do no work
    idle = subprocess.Popen([sys.executable, "-c", "import sys; print('ready', flush=True); sys.stdin.read()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert idle.stdout.readline() == b"ready\n"  # started: from now on it only waits
    try:
        check_vectorized(walk, arguments)
    finally:
        idle.stdin.close()
        idle.wait()


def add_tiled_into_a_memory_map(x, v):
    import mmap

    buffer = mmap.mmap(-1, x.nbytes)   # tracemalloc does not see it; the process holds it
    copies = np.frombuffer(buffer, dtype=x.dtype).reshape(x.shape)
    copies[:] = v
    return x + copies


def add_tiled_and_peak_reset_when_large(x, v):
    import tracemalloc

    copies = np.tile(v, (len(x), 1))
    if len(x) > 10_000:   # only in the call that measures memory
        tracemalloc.reset_peak()
    return x + copies


def test_allocates_at_most_counts_what_the_process_holds():
    with pytest.raises(GradingFailure, match="counting memory that NumPy does not allocate"):
        check_vectorized(add_tiled_into_a_memory_map, rows).allocates_at_most(1)
    check_vectorized(add_tiled_into_a_memory_map, rows).allocates_at_most(2)


def test_the_call_that_measures_memory_is_watched_too():
    check_vectorized(add_tiled_and_peak_reset_when_large, rows)   # the smaller sizes: nothing to see
    with pytest.raises(GradingFailure, match="could not be measured.*_tracemalloc.reset_peak"):
        check_vectorized(add_tiled_and_peak_reset_when_large, rows).allocates_at_most(1)


# -- the third and fourth measures: the whole call's CPU time, unwatched ----------------------
# Per-element work that C runs over Python objects through functions the second measure
# does not list (map over a built-in, an object-dtype ufunc, list(array)), or in chunks too
# short for it: the first two measures pass each of these.
def drawdown_reference(prices):
    return np.maximum.accumulate(prices, axis=1) - prices


def drawdown_transposed(prices):  # another whole-array answer
    return np.fmax.accumulate(prices.T).T - prices


def drawdown_object_ufunc(prices):
    return np.frompyfunc(max, 2, 1).accumulate(prices.astype(object), axis=1).astype(float) - prices


def prices(days):
    return (100 * np.exp(np.cumsum(np.random.default_rng(days).normal(0, 0.02, (3, days)), axis=1)),)


def negate_reference(Z, low, high):
    Z[(low < Z) & (Z < high)] *= -1


def negate_where(Z, low, high):
    np.negative(Z, out=Z, where=(low < Z) & (Z < high))


def negate_through_a_list(Z, low, high):
    inside = (low < Z) & (Z < high)
    Z[inside] = list(map(operator.neg, list(Z[inside])))


def negate_in_short_chunks(Z, low, high):  # 64 chunks whatever the size: no line per element
    signs = np.where((low < Z) & (Z < high), -1, 1)
    step = len(Z) // 64 + 1
    for start in range(0, len(Z), step):
        part = slice(start, start + step)
        Z[part] = list(map(operator.mul, Z[part].tolist(), signs[part].tolist()))


def shuffled(n):
    return np.random.default_rng(n).permutation(n) - n // 2, -n // 4, n // 3


def sum_one_hot(values, labels, n):  # whole-array, n times the work of np.bincount
    return values @ (labels[:, None] == np.arange(n)).astype(float)


def sum_bincount(values, labels, n):
    return np.bincount(labels, weights=values, minlength=n)


def labelled(size):
    rng = np.random.default_rng(size)
    return rng.normal(0, 10, size), rng.integers(0, 20, size), 20


def automaton_reference(rule, initial, steps):
    table = (rule >> np.arange(8)) & 1
    Z = np.zeros((steps, len(initial)), dtype=np.int64)
    Z[0] = initial
    for n in range(1, steps):
        row = np.pad(Z[n - 1], 1)
        Z[n] = table[4 * row[:-2] + 2 * row[1:-1] + row[2:]]
    return Z


def automaton_small_ints(rule, initial, steps):
    """The rule looked up per cell by map over .tolist(): Python's small ints (0 to 7, and 0 or 1)
    are shared objects, so this creates none per cell; only its CPU time shows it."""
    table = [(rule >> code) & 1 for code in range(8)]
    Z = np.zeros((steps, len(initial)), dtype=np.int64)
    Z[0] = initial
    for n in range(1, steps):
        row = np.pad(Z[n - 1], 1)
        Z[n] = list(map(table.__getitem__, (4 * row[:-2] + 2 * row[1:-1] + row[2:]).tolist()))
    return Z


def cells(n):
    return 30, np.random.default_rng(n).integers(0, 2, n), 3


WHOLE_ARRAY = [(drawdown_reference, drawdown_reference, prices), (drawdown_transposed, drawdown_reference, prices),
               (negate_reference, negate_reference, shuffled), (negate_where, negate_reference, shuffled),
               # the reference is as slow as the slowest answer accepted
               (sum_one_hot, sum_one_hot, labelled), (sum_bincount, sum_one_hot, labelled),
               (automaton_reference, automaton_reference, cells)]
OBJECT_WORK = [(drawdown_object_ufunc, prices), (negate_through_a_list, shuffled),
               (negate_in_short_chunks, shuffled)]


def _name(value):
    return getattr(value, "__name__", "")


@pytest.mark.parametrize("func, reference, make", WHOLE_ARRAY, ids=_name)
def test_whole_array_code_passes_the_timed_measures(func, reference, make):
    for _ in range(3):  # timing must never flake for these
        measured = check_vectorized(func, make, reference=reference)
        assert measured.sizes[:2] == [1000, 8000]


@pytest.mark.parametrize("func, make", OBJECT_WORK, ids=_name)
def test_object_work_that_no_listed_function_shows_creates_objects_per_element(func, make):
    check(func, *make(10))  # each runs, and passes the first two measures:
    with pytest.raises(GradingFailure,
                       match=r"not vectorized: it creates new Python objects as it goes through the elements"):
        check_vectorized(func, make)
    with mock.patch.object(checks, "_timed_measures", lambda *args: []):
        check_vectorized(func, make)


def test_object_work_that_creates_no_objects_is_timed_against_the_reference():
    check_vectorized(automaton_small_ints, cells)   # no reference: the objects counted are none
    with pytest.raises(GradingFailure, match=r"not vectorized: its CPU time grows by about \d+ ns per cell"):
        check_vectorized(automaton_small_ints, cells, what="cell", reference=automaton_reference)


def floats_from(zeros):  # one new float per item (0 is a shared small int), into an array
    out = np.empty(len(zeros))
    out[:] = list(map(float, zeros))
    return out


def test_the_objects_are_counted_through_what_tracing_them_costs():
    with pytest.raises(GradingFailure, match=r"creates new Python objects"):
        check_vectorized(floats_from, lambda n: ([0] * n,))


def test_the_timed_calls_have_new_inputs_and_are_checked_like_the_measured_ones():
    calls = []

    def right_only_when_watched(prices):  # the first two calls are the watched ones
        calls.append(1)
        if len(calls) > 2:
            return np.zeros_like(prices)
        return drawdown_reference(prices)

    measured = check_vectorized(right_only_when_watched, prices, reference=drawdown_reference)
    # a new input each time: a memo of earlier inputs answers none of them
    assert len(set(measured.sizes)) == len(measured.sizes) > 2
    with pytest.raises(GradingFailure, match=r"\(size 8001\)"):
        measured.agrees_with(drawdown_reference)


def _after_the_watched_calls(work):
    calls = []

    def func(prices):
        calls.append(1)
        return work(prices) if len(calls) > 2 else drawdown_reference(prices)
    return func


def test_work_in_a_thread_is_timed_and_a_thread_left_running_is_not_measured():
    import threading
    import time

    def in_a_thread(prices, keep_running=False):
        box, done = [], threading.Event()

        def work():
            box.append(drawdown_object_ufunc(prices))
            done.set()
            if keep_running:
                time.sleep(0.5)
        worker = threading.Thread(target=work)
        threads = len(os.listdir("/proc/self/task"))
        worker.start()
        done.wait()
        if not keep_running:
            worker.join()
            # finished: the kernel lists a joined thread a little longer (the call would then be
            # "not measured", as one that leaves a thread running)
            while len(os.listdir("/proc/self/task")) >= threads + 1:
                time.sleep(0.001)
        return box[0]

    # every thread's CPU time counts, finished ones too, and so do their allocations
    with pytest.raises(GradingFailure, match="creates new Python objects"):
        check_vectorized(_after_the_watched_calls(in_a_thread), prices)
    with pytest.raises(GradingFailure, match="could not be measured: the function started a thread"):
        check_vectorized(_after_the_watched_calls(lambda p: in_a_thread(p, keep_running=True)), prices)


def test_a_timed_call_that_stops_tracemalloc_is_not_measured():
    import tracemalloc

    def untraced(prices):
        tracing = tracemalloc.is_tracing()
        tracemalloc.stop()
        try:
            return drawdown_object_ufunc(prices)
        finally:
            if tracing:
                tracemalloc.start()

    with pytest.raises(GradingFailure, match="could not be measured: the function stopped tracemalloc"):
        check_vectorized(_after_the_watched_calls(untraced), prices)


def _timed_measures_with(cost, monkeypatch, paused=None):
    """checks._timed_measures (sizes 1,000 and 8,000, no reference) on calls whose CPU time is
    ``cost(n, tracing, call)`` ns, tracing costing 400 ns per allocation; the pauses between
    rounds are not slept but appended to ``paused``."""
    from types import SimpleNamespace

    calls = []

    def timed_call(func, make_arguments, size, tracing):
        calls.append(size)
        return SimpleNamespace(cpu_ns=cost(size, tracing, len(calls))), None

    monkeypatch.setattr(checks, "_timed_call", timed_call)
    monkeypatch.setattr(checks.time, "sleep", (paused if paused is not None else []).append)
    monkeypatch.setattr(checks, "_allocation_ns", lambda: 400.0)
    return checks._timed_measures(lambda n: n, lambda n: (n,), (1_000, 8_000), "square", None)


def test_the_object_count_is_not_fooled_by_the_noise_of_costly_whole_array_code(monkeypatch):
    """An einsum of small matrices costs ~375 ns per square; in the sandbox one of its traced calls
    at the larger size came out slower than its plain one by up to 0.4 "objects" per square, in
    one round in 36, and a class of 12 had one such submission fail three rounds in a row. Here a
    quarter slower, round after round: it makes no object, and tracing grows far less than the call."""
    def einsum_like(n, tracing, call):
        return 375 * n * (1.25 if tracing and n > 5_000 else 1.0)

    assert len(_timed_measures_with(einsum_like, monkeypatch)) == 5   # the warm-up and one round

    def one_noisy_round(n, tracing, call):   # a hiccup in the first round's traced call only
        return 50 * n + (3_000_000 if tracing and n > 5_000 and call < 6 else 0)

    assert len(_timed_measures_with(one_noisy_round, monkeypatch)) == 9   # a second round said "few"


def test_a_burst_of_noise_over_several_rounds_is_waited_out(monkeypatch):
    """Noise comes in bursts: an honest einsum whose traced calls at the larger size look like two
    objects per square for as long as a busy neighbour runs, here the first four rounds (0.35 s of
    pauses), passes in the fifth; rounds run back to back would all have failed it."""
    paused = []

    def burst(n, tracing, call):
        noisy = tracing and n > 5_000 and sum(paused) < 0.7
        return 375 * n + (2 * 400 * n if noisy else 0)

    assert len(_timed_measures_with(burst, monkeypatch, paused)) == 1 + 5 * 4
    assert paused == [0.0, *checks._TIMED_RETRY_PAUSES]


@pytest.mark.parametrize("ns_per_element", [50, 375])
def test_one_object_per_element_fails_the_count_however_costly_the_rest(monkeypatch, ns_per_element):
    def objects(n, tracing, call):
        return ns_per_element * n + (400 * n if tracing else 0)

    paused = []
    with pytest.raises(GradingFailure, match="creates new Python objects as it goes through the squares"):
        _timed_measures_with(objects, monkeypatch, paused)
    assert len(paused) == 1 + len(checks._TIMED_RETRY_PAUSES)   # every round said "many"
