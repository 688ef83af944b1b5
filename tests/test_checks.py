"""The check API that hidden tests call: each check passes a correct function and fails a wrong one."""
import ast
import mmap
import os
import pickle
import queue
import signal
import sys
import threading
import time

import numpy as np
import pytest

from course import notebooks
from course.grading import GradingFailure, check, check_value, check_vectorized
from course.grading.probe import run_call
from course.grading.wire import Opaque, roundtrip
from course.layout import ROOT


def flip(Z):
    return Z[::-1]


def flip_copy(Z):
    return Z[::-1].copy()


def flip_loop(Z):
    return np.array([Z[i] for i in range(len(Z) - 1, -1, -1)])


def oracle_flip(Z):
    return np.array(list(reversed(Z.tolist())), dtype=Z.dtype)


def test_agrees_with_accepts_a_correct_function_on_a_strided_view():
    check(flip, np.arange(20)[::3], case="a view").agrees_with(oracle_flip)


def test_agrees_with_rejects_a_wrong_function_without_showing_expected_values():
    with pytest.raises(GradingFailure, match=r"sort \(a view\): the result is wrong at") as info:
        check(np.sort, np.arange(20)[::3], case="a view").agrees_with(oracle_flip)
    assert "19" not in str(info.value)


def test_returns_array_checks_shape_and_kind():
    check(flip, np.arange(4)).returns_array(shape=(4,), kind="iu")
    with pytest.raises(GradingFailure, match="dtype"):
        check(flip, np.arange(4.0)).returns_array(kind="iu")
    with pytest.raises(GradingFailure, match="not a NumPy array"):
        check(lambda Z: list(Z), np.arange(4)).returns_array()


def test_is_view_of_accepts_a_view_and_rejects_a_copy():
    check(flip, np.arange(5)).is_view_of(0)
    with pytest.raises(GradingFailure, match="returned a copy"):
        check(flip_copy, np.arange(5)).is_view_of(0)


def test_is_new_array_accepts_tile_and_rejects_a_view():
    check(lambda Z: np.tile(Z, (2, 1)), np.arange(3)).is_new_array()
    with pytest.raises(GradingFailure, match="returned a view"):
        check(lambda Z: np.broadcast_to(Z, (2, 3)), np.arange(3)).is_new_array()


def test_modifies_in_place_compares_the_argument_after_the_call():
    def negate(Z):
        Z[Z > 2] *= -1

    def oracle(Z):
        for i in range(len(Z)):
            if Z[i] > 2:
                Z[i] = -Z[i]

    check(negate, np.arange(6)).modifies_in_place(0, oracle)
    with pytest.raises(GradingFailure, match="argument 1 after the call"):
        check(lambda Z: np.where(Z > 2, -Z, Z), np.arange(6)).modifies_in_place(0, oracle)


def test_leaves_arguments_unchanged_catches_a_modified_input():
    check(flip_copy, np.arange(5)).leaves_arguments_unchanged()
    with pytest.raises(GradingFailure, match="modified argument 1"):
        check(lambda Z: Z.sort(), np.arange(5)[::-1].copy()).leaves_arguments_unchanged()


def test_a_student_exception_becomes_a_failure_even_systemexit():
    def leave():
        raise SystemExit(0)

    with pytest.raises(GradingFailure, match="raised SystemExit"):
        check(leave)


def test_check_vectorized_accepts_whole_array_code_and_rejects_a_loop():
    check_vectorized(flip, lambda n: (np.arange(n),))
    with pytest.raises(GradingFailure, match="not vectorized"):
        check_vectorized(flip_loop, lambda n: (np.arange(n),))


def test_check_vectorized_allows_a_loop_of_fixed_length():
    def smooth(Z, steps=3):
        for _ in range(steps):
            Z = (Z[:-2] + Z[1:-1] + Z[2:]) / 3
        return Z

    check_vectorized(smooth, lambda n: (np.ones(n),))


def test_check_vectorized_rejects_switching_the_tracer_off():
    import sys

    def sneaky(Z):
        sys.settrace(None)
        return np.array([z for z in Z])

    with pytest.raises(GradingFailure, match="tracer"):
        check_vectorized(sneaky, lambda n: (np.arange(n),))


# -- the vectorization point is for a correct function only ------------------------
def placeholder(Z):
    return np.zeros_like(Z)


def test_check_vectorized_compares_the_measured_calls_with_an_oracle():
    measured = check_vectorized(flip, lambda n: (np.arange(n),)).agrees_with(oracle_flip)
    assert [called.case for called in measured.calls] == ["size 1000", "size 8000"]
    with pytest.raises(GradingFailure, match=r"placeholder \(size 1000\): the result is wrong at") as info:
        check_vectorized(placeholder, lambda n: (np.arange(n),)).agrees_with(oracle_flip)
    assert "[" not in str(info.value)  # no array, so no expected values


def test_check_vectorized_checks_an_in_place_answer_on_the_measured_calls():
    def negate(Z, low, high):
        Z[(low < Z) & (Z < high)] *= -1

    def negate_by_position(Z, low, high):  # right for arange(n) only
        Z[low + 1:high] *= -1

    def oracle(Z, low, high):
        for i in range(len(Z)):
            if low < Z[i] < high:
                Z[i] = -Z[i]

    def shuffled(n):
        return np.random.default_rng(n).permutation(n) - n // 2, -n // 4, n // 3

    check_vectorized(negate, shuffled).modifies_in_place(0, oracle)
    with pytest.raises(GradingFailure, match=r"negate_by_position \(size 1000\): argument 1 after the call"):
        check_vectorized(negate_by_position, shuffled).modifies_in_place(0, oracle)


def walk(n, rng):
    return np.concatenate([[0], np.cumsum(rng.choice(np.array([-1, 1]), size=n))])


def walk_ignoring_rng(n, rng):
    return np.concatenate([[0], np.cumsum(np.random.default_rng(0).integers(0, 2, n) * 2 - 1)])


def walk_placeholder(n, rng):
    return np.zeros(n + 1, dtype=np.int64)


def is_walk(positions):
    return positions[0] == 0 and bool(np.all(np.abs(np.diff(positions)) == 1))


@pytest.mark.parametrize("func, problem", [(walk, None), (walk_ignoring_rng, "did not draw"),
                                           (walk_placeholder, "not a walk")])
def test_check_vectorized_with_a_generator_argument(func, problem):
    def judge():
        sizes = (1_000, 8_000)
        measured = check_vectorized(func, lambda n: (n, np.random.default_rng(n)), sizes=sizes)
        for n, called in zip(sizes, measured.calls):
            called.returns_array(shape=(n + 1,), kind="iu").satisfies(is_walk, "not a walk")
            if called.argument_after(1).bit_generator.state == np.random.default_rng(n).bit_generator.state:
                called.fail("did not draw from rng")

    if problem is None:
        judge()
    else:
        with pytest.raises(GradingFailure, match=problem):
            judge()


def _hidden_parts():
    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        for cell in notebooks.read(path).cells:
            if notebooks.is_test(cell) and notebooks.HIDDEN_BEGIN in cell.source:
                hidden = cell.source.split(notebooks.HIDDEN_BEGIN)[1].split(notebooks.HIDDEN_END)[0]
                yield path.name, notebooks.nbgrader_meta(cell)["grade_id"], ast.parse(hidden)


def _results_are_checked(tree, call):
    """The result of ``call`` (a check_vectorized) is asserted on: chained, or named and used."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    parent = parents.get(call)
    if isinstance(parent, ast.Attribute):
        return True
    if isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Name):
        name = parent.targets[0].id
        return any(isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                   and node.value.id == name for node in ast.walk(tree))
    return False


def test_every_vectorization_point_needs_a_correct_answer():
    """A hidden part that checks vectorization alone must check the measured results too."""
    parts = list(_hidden_parts())
    assert parts
    for notebook, grade_id, tree in parts:
        calls = [node for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
        if any(c.func.id == "check" for c in calls):
            continue  # the cell's own checks make its point need a correct answer
        for call in (c for c in calls if c.func.id == "check_vectorized"):
            assert _results_are_checked(tree, call), f"{notebook}: {grade_id} gives a point for any answer"
    with_placeholder = ast.parse("check_vectorized(f, lambda n: (n,))\n")
    assert not _results_are_checked(with_placeholder, with_placeholder.body[0].value)


# -- the line count cannot be hidden -------------------------------------------------
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
    check(func, np.arange(50)).agrees_with(oracle_flip)  # each trick computes the right answer
    with pytest.raises(GradingFailure, match="could not be measured"):
        check_vectorized(func, lambda n: (np.arange(n),)).agrees_with(oracle_flip)
    assert sys.gettrace() is None and sys.getprofile() is None  # and nothing is left behind
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL


def test_check_vectorized_accepts_whole_array_code_that_calls_python_helpers():
    def automaton(rule, initial, steps):
        table = (rule >> np.arange(8)) & 1
        Z = np.zeros((steps, len(initial)), dtype=np.int64)
        Z[0] = initial
        for n in range(1, steps):
            row = np.pad(Z[n - 1], 1)
            Z[n] = table[4 * row[:-2] + 2 * row[1:-1] + row[2:]]
        return Z

    for _ in range(5):  # the sampling must never take numpy's own Python code for a trick
        check_vectorized(automaton, lambda n: (30, np.random.default_rng(n).integers(0, 2, n), 3))
        check_vectorized(walk, lambda n: (n, np.random.default_rng(n)))


def test_the_probe_reports_what_it_saw_as_plain_data():
    measurement = roundtrip(run_call(tracer_off_and_back, (np.arange(10),), count_lines=True))["measurement"]
    assert measurement["suspect_calls"] == ["sys.gettrace", "sys.settrace"]
    assert measurement["threads_started"] == 0 and measurement["child_processes"] == 0
    assert run_call(flip, (np.arange(10),))["measurement"] is None  # nothing measured unless asked


def test_check_value_handles_nan_and_bool_results():
    expected = (np.nan, False, False, np.nan, False)
    check_value([float("nan"), np.False_, False, np.float64("nan"), False], expected, name="nan_results")
    with pytest.raises(GradingFailure, match="item 1"):
        check_value((np.nan, True, False, np.nan, False), expected, name="nan_results")
    with pytest.raises(GradingFailure, match="expected a bool"):
        check_value((np.nan, 0, False, np.nan, False), expected, name="nan_results")


def test_a_lying_object_cannot_pass_a_comparison():
    class Always:
        def __eq__(self, other):
            return True

    class Lying(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), bool)

    with pytest.raises(GradingFailure):
        check(lambda: Always()).equals(3)
    with pytest.raises(GradingFailure, match="wrong at"):
        check(lambda: np.zeros(3).view(Lying)).equals(np.arange(3.0))
    assert isinstance(roundtrip(Always()), Opaque)


def test_wire_keeps_views_generators_and_structured_arrays():
    Z = np.arange(24.0).reshape(4, 6)
    view = roundtrip(Z[::2, 1::-1])
    np.testing.assert_array_equal(view, Z[::2, 1::-1])
    assert view.strides == Z[::2, 1::-1].strides and view.base is not None
    rng = roundtrip(np.random.default_rng(5))
    assert rng.integers(1000) == np.random.default_rng(5).integers(1000)
    S = np.zeros(2, dtype=[("p", float, (2,)), ("k", int)])
    assert roundtrip(S).dtype == S.dtype


def test_structured_arrays_are_compared_field_by_field_with_tolerance():
    squares = np.dtype([("points", float, (4, 2)), ("scale", float), ("rotate", float)])

    def make(n):
        S = np.zeros(n, dtype=squares)
        S["rotate"] = np.arange(n) * (2 * np.pi / n)
        return S

    def oracle(n):
        S = np.zeros(n, dtype=squares)
        S["rotate"] = np.linspace(0, 2 * np.pi, n, endpoint=False)  # equal up to rounding
        return S

    def make_numpy1(n):  # ("scale", float, 1) was a scalar field in NumPy 1, is shape (1,) in NumPy 2
        return np.zeros(n, dtype=[("points", float, (4, 2)), ("scale", float, 1), ("rotate", float)])

    check(make, 25).agrees_with(oracle)
    with pytest.raises(GradingFailure, match=r"field 'scale' of the result has shape \(1,\) per element"):
        check(make_numpy1, 25).agrees_with(oracle)
    with pytest.raises(GradingFailure, match=r"field 'rotate' of the result is wrong at 24 of 25"):
        check(lambda n: oracle(n)[::-1].copy(), 25).agrees_with(oracle)
