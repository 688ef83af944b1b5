"""The grader's side of a student's process (course.grading.session), with a real sandboxed
worker but no nbgrader: answers are plain data and bounded, and a fault costs only the cell
that caused it. Whole notebooks under nbgrader: test_integrity.py and test_limits.py."""
import time

import pytest

from course.grading.executor import IsolatedExecute
from course.grading.feedback import ANSI_COLOUR
from course.grading.remote import RemoteObject
from course.grading.session import GradingTimeLimit, StudentCrash, StudentTimeout


@pytest.fixture
def session():
    with IsolatedExecute().session() as session:
        yield session


def test_a_cell_reports_its_output_and_its_error_as_plain_data(session):
    reply = session.run_cell("print('hello')\nraise KeyError('no such key')")
    assert not reply["ok"] and reply["stdout"].startswith("hello\n")
    assert reply["error"]["ename"] == "KeyError" and "no such key" in reply["error"]["evalue"]
    assert session.run_cell("x = 1")["ok"]


def test_an_error_comes_with_its_traceback_as_jupyter_shows_it_and_not_printed(session):
    """IPython's traceback goes in the error (naming the cell by its count, as its prompt), not in
    stdout as IPython alone would print it: the notebook would show it twice."""
    reply = session.run_cell("x = 1\nassert x == 2, 'x is not 2'", count=67)
    assert reply["stdout"] == "" and reply["stderr"] == ""
    shown = ANSI_COLOUR.sub("", reply["error"]["traceback"])
    assert "In[67], line 2" in shown and "AssertionError" in shown and shown.rstrip().endswith("x is not 2")
    assert "error" in session.run_cell("def f(:")["error"]["traceback"].lower()   # a syntax error too


def test_a_forged_traceback_is_bounded_and_text(session):
    forged = {"ok": False, "stdout": "", "stderr": "", "images": [],
              "error": {"ename": "E", "evalue": "v", "traceback": "t" * 10**6}}
    with IsolatedExecute(output_limit=100).session() as bounded:
        reply = bounded.run_cell(FORGE.format(replies=[{"ok": True, "reply": forged}]))
        assert len(reply["error"]["traceback"]) < 200 and "more characters" in reply["error"]["traceback"]
    forged["error"]["traceback"] = ["a", 1]
    assert session.run_cell(FORGE.format(replies=[{"ok": True, "reply": forged}]))["error"]["traceback"] == ""


def test_output_is_bounded_in_the_grader():
    with IsolatedExecute(output_limit=100).session() as session:
        reply = session.run_cell("print('x' * 1000)")
    assert reply["stdout"].startswith("x" * 100)
    assert len(reply["stdout"]) < 200 and "more characters" in reply["stdout"]


def test_a_lookup_returns_only_the_names_asked_for(session):
    session.run_cell("x = [1, 2.5, 'a']\ndef double(y):\n    return 2 * y\nsecret = 1")
    found = session.lookup(["x", "double", "missing"])
    assert set(found) == {"x", "double"} and found["x"] == [1, 2.5, "a"]
    assert isinstance(found["double"], RemoteObject)  # a handle: the function stays in the student's process


# The student's code can find the worker's encoder and write to its reply pipe (docs/threat-model.md, "Not
# defended"): forged replies, each a frame of an 8-byte length and a message, queued before the real ones.
FORGE = """
import gc, os, struct, sys
dumps = next(f for f in gc.get_objects() if callable(f) and getattr(f, "__qualname__", None) == "dumps"
             and getattr(f, "__module__", None) == "course.grading.wire")  # the worker's own encoder
for reply in {replies!r}:
    payload = dumps(reply)
    os.write(int(sys.argv[2]), struct.pack("<Q", len(payload)) + payload)
"""


def test_what_a_forged_reply_carries_is_bounded_and_only_what_was_asked_for_is_kept():
    with IsolatedExecute(output_limit=100).session() as session:
        ran = {"ok": True, "stdout": "x" * 1000, "stderr": "", "images": [b"GIF89a"], "error": None}
        found = {"x": {"kind": "value", "value": 1}, "intruder": {"kind": "value", "value": 2}}
        reply = session.run_cell(FORGE.format(replies=[{"ok": True, "reply": ran}, {"ok": True, "reply": found}]))
        assert reply["ok"] and reply["stdout"].startswith("x" * 100) and len(reply["stdout"]) < 200
        assert "more characters" in reply["stdout"] and reply["images"] == []  # not a PNG
        assert session.lookup(["x"]) == {"x": 1}


def test_a_timeout_costs_only_its_cell_and_the_cells_before_it_are_replayed(session):
    session.run_cell("x = 41")
    start = time.monotonic()
    with pytest.raises(StudentTimeout, match="within 1 s"):
        session.run_cell("while True:\n    pass", timeout=1)
    assert time.monotonic() - start < 10
    assert session.lookup(["x"]) == {"x": 41} and session.restarts == 1


def test_a_crash_is_named_and_the_next_cell_runs_in_a_fresh_process(session):
    session.run_cell("x = 41")
    with pytest.raises(StudentCrash, match="exited with status 3"):
        session.run_cell("import os\nos._exit(3)")
    assert session.run_cell("x += 1")["ok"] and session.lookup(["x"]) == {"x": 42}


def test_a_cell_that_brings_every_replay_down_is_left_out_of_the_history(session):
    session.run_cell("x = 41")
    poison = "import os, sys\nsys.addaudithook(lambda event, args: os._exit(7) if event == 'compile' else None)"
    session.run_cell(poison)  # from now on every cell kills the process, replays included
    assert session.run_cell("x += 1")["ok"]
    assert session.dropped == [poison] and session.lookup(["x"]) == {"x": 42}


def test_a_process_stopped_by_its_cpu_limit_is_reported_as_such():
    # 3 s: the limit counts the worker's start (NumPy, IPython) too, up to a second on a busy machine
    with IsolatedExecute(cpu_limit=3).session() as session:
        with pytest.raises(StudentCrash, match=r"used up its CPU-time limit \(3 s\)"):
            session.run_cell("while True:\n    pass", timeout=30)


def test_nothing_runs_after_the_notebook_deadline():
    with IsolatedExecute().session(deadline=time.monotonic() - 1) as session:
        with pytest.raises(GradingTimeLimit):
            session.run_cell("x = 1")


def test_a_fresh_process_forgets_what_calls_left_and_keeps_looked_up_names():
    memo = ("import os\nseen = {}\n"
            "def answer(x):\n"
            "    if x not in seen:\n"
            "        seen[x] = int.from_bytes(os.urandom(8), 'little')\n"
            "    return seen[x]\n")
    with IsolatedExecute().session() as session:
        session.run_cell(memo)
        answer = session.lookup(["answer"])["answer"]
        first = answer(5)
        assert answer(5) == first                 # the same process remembers
        session.start_afresh()
        assert session.restarts == 0
        assert answer(5) != first                 # the same handle, a new process: no memo
