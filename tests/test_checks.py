"""The check API that hidden tests call: each check passes a correct function and fails a wrong one."""
import ast

import numpy as np
import pytest

from course import notebooks
from course.grading import GradingFailure, check, check_value, check_vectorized
from course.grading.remote import LocalObject
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
    with pytest.raises(GradingFailure, match=r"sort \(a view\): the result is in reverse order$") as info:
        check(np.sort, np.arange(20)[::3], case="a view").agrees_with(oracle_flip)
    assert "19" not in str(info.value)
    # no relation to the expected result: the count of wrong positions
    with pytest.raises(GradingFailure, match=r"the result is wrong at 7 of 7 positions$") as info:
        check(lambda Z: Z[[1, 0, 2, 4, 3, 6, 5]], np.arange(20)[::3]).agrees_with(oracle_flip)
    assert "19" not in str(info.value)


def test_a_declared_mistake_is_named_and_otherwise_the_difference_is_described():
    mistakes = {"sorts in descending order instead of reversing": lambda Z: np.sort(Z)[::-1],
                "reverses only the first half": lambda Z: np.concatenate([Z[:len(Z) // 2][::-1], Z[len(Z) // 2:]])}
    Z = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    check(flip, Z).agrees_with(oracle_flip, mistakes=mistakes)
    with pytest.raises(GradingFailure, match=r"^<lambda> \(shuffled\): sorts in descending order instead of"):
        check(lambda Z: np.sort(Z)[::-1], Z, case="shuffled").agrees_with(oracle_flip, mistakes=mistakes)
    with pytest.raises(GradingFailure, match=r"\(shuffled\): reverses only the first half$"):
        check(mistakes["reverses only the first half"], Z, case="shuffled").agrees_with(oracle_flip, mistakes=mistakes)
    # a mistake that raises on these arguments is skipped; no match: the difference
    with pytest.raises(GradingFailure, match=r"the result is in reverse order$"):
        check(lambda Z: Z.copy(), Z).agrees_with(oracle_flip, mistakes={"never": lambda Z: 1 / 0})


def test_a_declared_in_place_mistake_is_named():
    def add_one(a):
        a += 1

    def add_two(a):
        a += 2

    check(add_one, np.zeros(3)).modifies_in_place(0, add_one, mistakes={"adds two": add_two})
    with pytest.raises(GradingFailure, match=r"^add_two: adds two$"):
        check(add_two, np.zeros(3)).modifies_in_place(0, add_one, mistakes={"adds two": add_two})


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
    with pytest.raises(GradingFailure, match="its first argument after the call"):
        check(lambda Z: np.where(Z > 2, -Z, Z), np.arange(6)).modifies_in_place(0, oracle)


def test_leaves_arguments_unchanged_catches_a_modified_input():
    check(flip_copy, np.arange(5)).leaves_arguments_unchanged()
    with pytest.raises(GradingFailure, match="modified its first argument"):
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
    # the measured calls, then the timed ones, each with an input of its own
    assert [called.case for called in measured.calls] == \
        ["size 1000", "size 8000", "size 8001", "size 1001", "size 1002", "size 8002", "size 8003"]
    assert measured.sizes == [1000, 8000, 8001, 1001, 1002, 8002, 8003]
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
    with pytest.raises(GradingFailure, match=r"negate_by_position \(size 1000\): its first argument after the call"):
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


def test_every_vectorization_point_is_timed_against_a_reference_of_the_hidden_tests():
    """The third measure needs a whole-array reference, defined in the hidden part itself: a name
    it reads and does not define would come from the student's process."""
    parts = list(_hidden_parts())
    for notebook, grade_id, tree in parts:
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "check_vectorized":
                given = [k.value for k in call.keywords if k.arg == "reference"]
                assert given, f"{notebook}: {grade_id} has no reference for the CPU time measure"
                assert isinstance(given[0], ast.Name) and given[0].id in defined, \
                    f"{notebook}: {grade_id}'s reference is not a function of its hidden part"


def test_a_reference_from_the_students_process_is_refused():
    with pytest.raises(TypeError, match="defined in the hidden tests"):
        check_vectorized(walk, lambda n: (n, np.random.default_rng(n)), reference=LocalObject(walk, "walk"))


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
    with pytest.raises(GradingFailure, match=r"field 'rotate' of the result is in reverse order"):
        check(lambda n: oracle(n)[::-1].copy(), 25).agrees_with(oracle)
    with pytest.raises(GradingFailure, match=r"field 'rotate' of the result is wrong at 24 of 25"):
        check(lambda n: oracle(n)[np.r_[0, 2:n, 1]].copy(), 25).agrees_with(oracle)


def test_check_value_names_a_declared_mistake():
    check_value(np.arange(10, 50), np.arange(10, 50), name="Z")
    mistakes = {"stops at 48: arange leaves out its stop": np.arange(10, 49)}
    with pytest.raises(GradingFailure, match=r"^Z: stops at 48: arange leaves out its stop$"):
        check_value(np.arange(10, 49), np.arange(10, 50), name="Z", mistakes=mistakes)
    with pytest.raises(GradingFailure, match=r"^Z: the result has one element too many"):
        check_value(np.arange(10, 51), np.arange(10, 50), name="Z", mistakes=mistakes)


def test_a_wrong_result_of_a_call_that_changed_its_input_says_so():
    def sorts_in_place(Z):
        Z.sort()
        return Z[::-1] + 1

    with pytest.raises(GradingFailure, match=r"and the call changed its first argument: did it work on its input in place"):
        check(sorts_in_place, np.array([3, 1, 2])).agrees_with(oracle_flip)
    with pytest.raises(GradingFailure) as info:   # a right input, left alone: no such note
        check(lambda Z: Z + 1, np.array([3, 1, 2])).agrees_with(oracle_flip)
    assert "changed argument" not in str(info.value)
