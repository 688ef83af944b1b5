"""The call report (course.grading.call_report): declared once, checked once when it arrives."""
import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from course.grading import call_report
from course.grading.call_report import CallReport, ErrorFacts, Measurement, ReportError
from course.grading.probe import run_call
from course.grading.wire import roundtrip

GRADING = Path(call_report.__file__).parent


def _report(**changes):
    def reverse(Z):
        return Z[::-1]

    plain = roundtrip(run_call(reverse, (np.arange(5),), count_lines=True).to_plain())
    plain.update(changes)
    return plain


def test_a_report_survives_the_wire_unchanged():
    report = CallReport.from_plain(_report())
    assert report.result.shape == (5,) and report.result.shares_memory_with == (0,)
    assert report.measurement.line_events >= 1 and report.error is None
    again = CallReport.from_plain(roundtrip(report.to_plain()))
    np.testing.assert_array_equal(again.value, report.value)
    np.testing.assert_array_equal(again.args_after[0][0], report.args_after[0][0])
    assert dataclasses.replace(again, value=None, args_after=None) == dataclasses.replace(report, value=None, args_after=None)


@pytest.mark.parametrize("changes", [
    {"measurement": {"line_events": 3}},                        # fields missing
    {"args_modified": {0: "yes"}},                              # a bool that is not one
    {"result": dict(_report()["result"], shape="(5,)")},        # a shape that is not a tuple
    {"peak_bytes": -1},                                         # a count below zero
    {"error": {"type": "ValueError", "message": "x"}},          # no bases
    [],                                                          # not a mapping at all
])
def test_a_report_that_does_not_match_its_declaration_is_refused(changes):
    plain = changes if isinstance(changes, list) else _report(**changes)
    with pytest.raises(ReportError):
        CallReport.from_plain(plain)


def test_text_from_the_students_process_is_bounded_and_names_are_identifiers():
    error = ErrorFacts.from_plain({"type": "not a name; <script>", "message": "x" * 50_000,
                                   "classes": ["ValueError", "\ud800"] + ["E"] * 100})
    assert error.type == "Error"
    assert len(error.message) < call_report.MAX_MESSAGE_CHARS + 100
    assert len(error.classes) == call_report.MAX_NAMES and error.classes[1] == "Error"


def test_an_exception_whose_message_cannot_be_printed_is_still_reported():
    class Rude(ValueError):
        def __str__(self):
            raise RuntimeError("no")

    def fails():
        raise Rude()

    error = run_call(fails).error
    assert error.classes[1] == "ValueError" and "could not be printed" in error.message


def _attributes_read(path):
    return {node.attr for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Attribute)}


@pytest.mark.parametrize("cls", [CallReport, ErrorFacts, Measurement, call_report.ArrayFacts])
def test_every_declared_field_is_documented_and_read_by_the_grader(cls):
    read = set()
    for name in ("checks.py", "session.py", "remote.py", "executor.py"):
        read |= _attributes_read(GRADING / name)
    for field in dataclasses.fields(cls):
        assert field.metadata["doc"], field.name
        assert field.name in read, f"{cls.__name__}.{field.name} is declared but nobody reads it"


def test_a_handle_called_directly_gives_the_value_or_the_students_exception():
    from course.grading.remote import LocalObject, StudentCodeError

    class Counter:
        def __init__(self):
            self.n = 0

        def add(self, k):
            if k < 0:
                raise ValueError("no")
            self.n += k
            return self.n

    add = LocalObject(Counter(), "counter").add
    assert add(2) == 2 and add(3) == 5
    with pytest.raises(StudentCodeError) as info:
        add(-1)
    assert info.value.type_name == "ValueError" and info.value.message == "no"
