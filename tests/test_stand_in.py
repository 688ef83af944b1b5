"""What a stand-in accepts (course.grading.stand_in): arguments judged against its methods'
specs before anything is copied, recorded or run; records capped. In the grader's process,
with arguments as they arrive from the wire (see tests/test_objects.py for the whole path)."""
import time

import numpy as np
import pytest

from course.grading import GradingFailure, accepts, check, number, numbers, optional, stand_in
from course.grading import wire


class Oracle:
    def __init__(self):
        self.runs = 0

    def propagate_forward(self, data):
        self.runs += 1
        return np.zeros(1)

    def propagate_backward(self, target, lrate=0.1):
        self.runs += 1
        return 0.0


def network():
    return stand_in(Oracle(), {"propagate_forward": accepts(data=numbers(shape=(2,))),
                               "propagate_backward": accepts(target=numbers(shape=(1,)),
                                                             lrate=optional(number()))},
                    name="Perceptron")


def call(net, method, *args, **kwargs):
    return net.answer("call", method, args, kwargs, from_wire=True)


def test_everything_a_correct_student_could_pass_is_accepted():
    net, inputs, targets = network(), np.arange(12.0).reshape(6, 2), np.ones((6, 1))
    for data in (inputs[3], inputs[::2][1], inputs.T[:, 0], [0.5, 1], (np.float32(1), np.int64(2)),
                 np.array([1, 2], np.int8), inputs[3].tolist()):
        call(net, "propagate_forward", data)
    for rate in (0.1, np.float64(0.1) * 0.999, 1, np.int32(1), np.array(0.5)):
        call(net, "propagate_backward", targets[2], rate)
    call(net, "propagate_backward", target=[1.0], lrate=0.2)
    call(net, "propagate_backward", targets[0])
    assert net.refused is None and net.target.runs == len(net.calls) == 14


@pytest.mark.parametrize("args, kwargs, error", [
    ((np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), (2**26,), (0,)),), {}, ValueError),
    ((np.zeros(2**23),), {}, ValueError),                       # large but legal on the wire
    ((np.zeros((2, 1)),), {}, ValueError),
    ((np.array(["a", "b"]),), {}, ValueError),
    ((np.array([1 + 2j, 0]),), {}, ValueError),
    (([0.5, "x"],), {}, ValueError),
    (([[0.5], [1.0]],), {}, ValueError),
    ((wire.Opaque("Evil", "x"),), {}, TypeError),
    (([0.5, 1.0], 3), {}, TypeError),
    ((), {}, TypeError),
    ((), {"datum": [0.5, 1.0]}, TypeError),
])
def test_an_argument_the_method_does_not_accept_is_refused_before_anything_is_done(args, kwargs, error):
    net = network()
    start = time.perf_counter()
    with pytest.raises(error, match=r"Perceptron\.propagate_forward.*data"):
        call(net, "propagate_forward", *args, **kwargs)
    assert time.perf_counter() - start < 0.05
    assert net.calls == [] and net.target.runs == 0 and "propagate_forward" in net.refused


def test_the_refusal_names_what_the_method_accepts_in_the_statements_words():
    net = network()
    with pytest.raises(ValueError) as refused:
        call(net, "propagate_backward", np.zeros(3), True)
    assert str(refused.value) == ("Perceptron.propagate_backward: target must be 1 number "
                                  "(an array, list or tuple of ints or floats), not an array of shape (3,) "
                                  "and dtype float64")
    with pytest.raises(TypeError, match=r"lrate must be a number \(an int or a float\), not a bool"):
        call(net, "propagate_backward", [1.0], True)


def test_the_records_have_a_total_cap(monkeypatch):
    monkeypatch.setattr(wire, "MAX_STAND_IN_CALLS", 5)
    net = network()
    for _ in range(5):
        call(net, "propagate_forward", [0.5, 1.0])
    with pytest.raises(RuntimeError, match="at most 5 calls"):
        call(net, "propagate_forward", [0.5, 1.0])
    assert len(net.calls) == 5 and "more calls" in net.refused
    monkeypatch.setattr(wire, "MAX_STAND_IN_CALLS", 10_000)
    monkeypatch.setattr(wire, "MAX_STAND_IN_BYTES", 2000)
    net = network()
    with pytest.raises(RuntimeError):
        for _ in range(100):
            call(net, "propagate_forward", np.zeros(2))
    assert 0 < len(net.calls) < 20


def test_a_refused_call_fails_the_check_even_if_the_student_code_caught_it():
    def train(net):
        try:
            net.propagate_forward(np.zeros(5))
        except ValueError:
            pass
        return 0

    with pytest.raises(GradingFailure, match=r"^train \(a case\): called Perceptron.propagate_forward with "
                                             r"arguments it does not accept"):
        check(train, network(), case="a case")


def test_a_stand_in_needs_its_methods_specs():
    with pytest.raises(TypeError, match="accepts"):
        stand_in(Oracle(), ["propagate_forward"])
