"""Checks of a student's class and of a function that uses a collaborator: each passes a
correct answer and fails a wrong one, in the grader's own process (validating a notebook)
and through the isolated worker (autograding)."""
import numpy as np
import pytest

from course.grading import GradingFailure, accepts, attribute, check, construct, number, stand_in
from course.grading.executor import IsolatedExecute
from course.grading.wire import Opaque, roundtrip

STUDENT_CODE = '''
import numpy as np

class Counter:
    def __init__(self, n):
        self.values = np.zeros(n)

    def draw(self, rng):
        self.values[...] = rng.random(self.values.shape)

    def add(self, x):
        self.values += x
        return float(self.values.sum())

class WrongCounter(Counter):
    def add(self, x):
        self.values = self.values + 2 * x
        return float(self.values.sum())

def total(counter, xs):
    """Uses a collaborator: adds each x in turn, returns what it answered."""
    return [counter.add(x) for x in xs]

def total_skipping(counter, xs):
    return [counter.add(x) for x in xs[1:]]

kept = []
def keep(counter):
    kept.append(counter)
    return 0

def copy_it(counter):
    import copy
    return copy.deepcopy(counter)
'''


class OracleCounter:
    def __init__(self, n):
        self.values = np.zeros(n)

    def add(self, x):
        if np.any(x < 0):
            raise ValueError("only positive numbers")
        self.values = self.values + x
        return float(self.values.sum())


ADD = {"add": accepts(x=number())}   # what the stand-in's method accepts


@pytest.fixture(scope="module", params=["local", "isolated"])
def student(request):
    """The student's names, as the hidden tests see them in each mode."""
    names = ["Counter", "WrongCounter", "total", "total_skipping", "keep", "copy_it"]
    if request.param == "local":
        namespace = {}
        exec(STUDENT_CODE, namespace)
        yield {name: namespace[name] for name in names}
        return
    with IsolatedExecute().session() as session:
        assert session.run_cell(STUDENT_CODE)["ok"]
        yield session.lookup(names) | {"session": session}


def judge_counter(Counter):
    """A hidden test of the class: construct, call methods, compare attributes with an oracle."""
    counter, oracle = construct(Counter, 3, case="Counter(3)"), OracleCounter(3)
    check_values = lambda: np.testing.assert_allclose(attribute(counter, "values"), oracle.values)  # noqa: E731
    check(counter.draw, np.random.default_rng(1))
    oracle.values = attribute(counter, "values")
    for x in (1.0, np.arange(3.0)):
        check(counter.add, x, case=f"add({x!r})").agrees_with(oracle.add)
    check_values()


def test_a_class_is_constructed_and_used_where_the_student_code_runs(student):
    judge_counter(student["Counter"])
    assert np.all(attribute(construct(student["Counter"], 2), "values") == 0)


def test_a_wrong_method_fails_and_the_message_names_the_object(student):
    with pytest.raises(GradingFailure, match=r"^Counter\(3\)\.add \(add\(1\.0\)\): the result is wrong"):
        judge_counter(student["WrongCounter"])


def test_a_missing_attribute_is_a_grading_failure(student):
    counter = construct(student["Counter"], 2, case="Counter(2)")
    with pytest.raises(GradingFailure, match="Counter\\(2\\): has no attribute 'weights'"):
        attribute(counter, "weights")


def test_constructing_a_plain_value_is_not_an_object(student):
    with pytest.raises(GradingFailure, match="not an object"):
        construct(student["total"], [], [])


def test_a_stand_in_answers_the_student_code_and_records_the_calls(student):
    network = stand_in(OracleCounter(2), ADD, name="Counter")
    called = check(student["total"], network, [1.0, 2.0, 3.0])
    assert called.value == [2.0, 6.0, 12.0]
    assert [(c.method, c.args, c.value) for c in network.calls] == \
        [("add", (1.0,), 2.0), ("add", (2.0,), 6.0), ("add", (3.0,), 12.0)]
    np.testing.assert_array_equal(network.target.values, [6.0, 6.0])
    assert isinstance(called.argument_after(0), Opaque)  # the grader's object never comes back


def test_a_stand_in_shows_a_wrong_use(student):
    network = stand_in(OracleCounter(2), ADD)
    check(student["total_skipping"], network, [1.0, 2.0, 3.0])
    assert [c.args for c in network.calls] != [(1.0,), (2.0,), (3.0,)]


def test_a_stand_in_offers_only_its_methods_and_its_errors_reach_the_student(student):
    def judge(func, *args, message=r"raised \w+Error"):
        network = stand_in(OracleCounter(2), ADD)
        with pytest.raises(GradingFailure, match=message):
            check(func, network, *args)
    judge(student["total"], [-1.0])                                 # the oracle's own error
    with IsolatedExecute().session() as session:
        session.run_cell(STUDENT_CODE + "\ndef reset(counter):\n    return counter.__init__(5)\n")
        found = session.lookup(["reset", "copy_it"])
        judge(found["reset"])                                        # not offered
        # cannot be copied: named in the verdict, even where the student's code catches the error
        judge(found["copy_it"], message=r"^copy_it: made a copy of the OracleCounter it was given")


def test_a_stand_in_kept_by_the_student_is_gone_after_the_call():
    with IsolatedExecute().session() as session:
        assert session.run_cell(STUDENT_CODE)["ok"]
        check(session.lookup(["keep"])["keep"], stand_in(OracleCounter(2), ADD))
        reply = session.run_cell("kept[0].add(1.0)")
        assert reply["error"]["ename"] == "LookupError"


def test_only_the_student_process_makes_a_grader_object_live():
    assert isinstance(roundtrip(stand_in(OracleCounter(1), ADD)), Opaque)


def test_a_student_object_is_passed_back_to_the_student_code_by_reference(student):
    counter = construct(student["Counter"], 2, case="Counter(2)")
    check(student["total"], counter, [1.0, 2.0]).equals([2.0, 6.0])
    np.testing.assert_array_equal(attribute(counter, "values"), [3.0, 3.0])   # the same object, changed


def test_a_handle_from_before_a_restart_is_refused():
    with IsolatedExecute().session() as session:
        assert session.run_cell(STUDENT_CODE)["ok"]
        found = session.lookup(["Counter", "total"])
        counter = construct(found["Counter"], 2)
        session._kill()  # as after a crash: the next request starts a fresh process
        with pytest.raises(Exception, match="lost when the student's process restarted"):
            check(found["total"], counter, [1.0])


def test_the_grader_never_resolves_a_reference_sent_by_the_student_process():
    from course.grading import wire

    class Handle(wire.StudentObjectHandle):
        def _wire_reference(self):
            return {"id": 1}

    assert isinstance(roundtrip(Handle()), Opaque)
