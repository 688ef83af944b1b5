"""Cheats earn nothing and faults cost only their own exercise, through real nbgrader.

tests/corpus/integrity/<section>/cheat_*.py: every answer is a stub plus a trick,
so every exercise must score 0. fault_*.py: the faulty answers (first line
``# fault:``) must score 0; every other exercise, answered with the reference
solution, must get full marks as if the faults were absent.
"""
import hashlib
import json
import re
import os
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from helpers import autograde, exercise_scores, make_course, marks_lost, run_nbgrader, submit

from course import build, notebooks
from course.grading import cgroup
from course.grading.executor import IsolatedExecute
from course.grading.feedback import HIDDEN_FAILURE, HIDDEN_VERDICTS, INSTRUCTOR_ONLY, VERDICT_CHARS
from course.grading.session import StudentProcessError
from course.layout import ROOT

pytestmark = pytest.mark.slow
CORPUS = ROOT / "tests" / "corpus" / "integrity"
FILES = sorted(CORPUS.glob("*/*.py"))


def _student(path):
    return path.stem.replace("_", "-")


def _digest(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


class _Oracle(BaseHTTPRequestHandler):
    """Answers the network cheat (cheat_network.py) correctly, and remembers that it was asked."""

    def do_POST(self):
        self.server.requests.append(self.path)
        task = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        a = np.array(task["a"])
        if task["task"] == "row_norms":
            answer = np.linalg.norm(a, axis=1, keepdims=True)
        else:
            answer = a.copy()
            answer[np.arange(len(a)), task["cols"]] += task["value"]
        body = json.dumps(answer.tolist()).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _answers(path):
    """A corpus file's answers; a fault file's other exercises get the reference solutions."""
    answers = notebooks.read_answer_file(path)
    if path.stem.startswith("fault"):
        source = notebooks.read(ROOT / "source" / path.parent.name / f"{path.parent.name}.ipynb")
        answers = {**notebooks.reference_answers(source), **answers}
    return answers


@pytest.fixture(scope="module")
def network_oracle():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Oracle)
    server.requests = []
    server.port_file = f"{server.server_address[1]}\n"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _processes_running(marker):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append(pid)
        except OSError:
            pass
    return found


def _segments():
    """The keys of the System V shared-memory segments on the machine."""
    with open("/proc/sysvipc/shm") as table:
        return {int(line.split()[0]) for line in table.readlines()[1:]}


@pytest.fixture(scope="module")
def before_grading():
    """The control groups and segments on the machine before the integrity batch."""
    return cgroup.leftovers(), _segments()


@pytest.fixture(scope="module")
def integrity_course(tmp_path_factory, network_oracle, before_grading):
    course = make_course(tmp_path_factory.mktemp("integrity"))
    # nbgrader copies the assignment's other files beside each submission: the network
    # cheat finds the oracle's port there, as it would find any address it was given.
    (course / "source" / "references" / "oracle_port.txt").write_text(network_oracle.port_file)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.IsolatedExecute.cell_timeout = 5\nc.IsolatedExecute.call_timeout = 5\n"
                     "c.IsolatedExecute.memory_limit = 1.0\n")
    for section in sorted({p.parent.name for p in FILES}):
        build.nbgrader("generate_assignment", section, "--force", root=course, quiet=True)
        rel = notebooks.read(course / "release" / section / f"{section}.ipynb")
        reference = notebooks.reference_answers(notebooks.read(ROOT / "source" / section / f"{section}.ipynb"))
        for path in FILES:
            if path.parent.name == section:
                submit(course, _student(path), section,
                       notebooks.fill_answers(rel, _answers(path)))
                # graded right after the attacker, in the same batch
                submit(course, _student(path) + "-honest", section, notebooks.fill_answers(rel, reference))
        before = _digest(course / "submitted")
        autograde(course, section)
        assert _digest(course / "submitted") == before, "autograde modified a submission"
        assert run_nbgrader(course, "generate_feedback", section, "--force").returncode == 0
    return course


@pytest.mark.parametrize("path", [p for p in FILES if p.stem.startswith("cheat")], ids=lambda p: p.stem)
def test_a_cheat_earns_nothing(integrity_course, path):
    scores = exercise_scores(integrity_course, path.parent.name, _student(path))
    assert scores and all(score == 0 for score, _ in scores.values()), scores


@pytest.mark.parametrize("path", [p for p in FILES if p.stem.startswith("fault")], ids=lambda p: p.stem)
def test_a_fault_costs_only_its_own_exercise(integrity_course, path):
    scores = exercise_scores(integrity_course, path.parent.name, _student(path))
    for exercise, answer in _answers(path).items():
        score, most = scores[exercise]
        if answer.startswith("# fault"):
            assert score == 0, exercise
        else:
            assert score == most, (exercise, marks_lost(integrity_course, path.parent.name, _student(path)))


def _hidden_lines(section):
    """Distinctive lines of the section's hidden tests."""
    nb = notebooks.read(ROOT / "source" / section / f"{section}.ipynb")
    return {line.strip() for cell in nb.cells if notebooks.is_test(cell)
            for line in notebooks.split_hidden_tests(cell.source)[1].splitlines() if len(line.strip()) >= 20}


def test_feedback_of_failed_hidden_tests_shows_no_hidden_code(integrity_course):
    import html as html_module

    for path in FILES:
        section = path.parent.name
        page = (integrity_course / "feedback" / _student(path) / section / f"{section}.html").read_text()
        # a test cell failed: its hidden tests failed, or did not run after its visible part failed
        # (a fault that ends the answer cell leaves its function undefined)
        assert any(HIDDEN_VERDICTS[key] in page for key in [(False, "failed"), (True, "failed"),
                                                            (True, "not run")]), path.name
        assert "for the instructor" not in page
        # The student's own code may mention anything; the hidden tests' lines must not appear.
        leaked = [line for line in _hidden_lines(section) - set(map(str.strip, path.read_text().splitlines()))
                  if html_module.escape(line, quote=False) in page or line in page]
        assert leaked == [], (path.name, leaked[:3])
        graded = (integrity_course / "autograded" / _student(path) / section / f"{section}.ipynb").read_text()
        assert "BEGIN HIDDEN TESTS" in graded  # the instructor's copy keeps everything


# What the cheat_verdict_text files make of the hidden inputs: a marker, then the inputs' digits
# (their code writes the marker followed by a quote, so their own source does not match).
_LEAKED = re.compile(r"LEAK[ABC]_m?\d")


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*/cheat_verdict_text.py")), ids=lambda p: p.parent.name)
def test_a_verdict_shows_no_text_the_student_chose_and_is_capped(integrity_course, path):
    section, student = path.parent.name, _student(path)
    graded = notebooks.read(integrity_course / "autograded" / student / section / f"{section}.ipynb")
    verdicts = {notebooks.nbgrader_meta(cell)["grade_id"]: output for cell in graded.cells
                for output in cell.get("outputs", []) if output.get("ename") == HIDDEN_FAILURE}
    # every attack reached the hidden tests (its visible tests pass), so a verdict had the chance to leak
    # (the hidden checks of the other exercises run too, after their stubs failed the visible tests)
    assert {notebooks.exercise_of(grade_id) for grade_id in verdicts} >= set(_answers(path)), sorted(verdicts)
    for grade_id, output in verdicts.items():
        student_line = output["traceback"][0]
        assert len(student_line) <= VERDICT_CHARS + 100 and not _LEAKED.search(student_line), (grade_id, student_line)
        assert INSTRUCTOR_ONLY in output["traceback"]  # the instructor's copy keeps the details
    page = (integrity_course / "feedback" / student / section / f"{section}.html").read_text()
    leak = _LEAKED.search(page)
    assert not leak, page[max(leak.start() - 300, 0):leak.end() + 100] if leak else None
    shown = re.findall(f"{HIDDEN_FAILURE}: [^<\n]*", page)
    assert len(shown) >= len(verdicts) and all(len(line) <= VERDICT_CHARS + 100 for line in shown), shown


def test_autograded_notebook_output_is_bounded(integrity_course):
    graded = integrity_course / "autograded" / "fault-memory-and-output" / "references" / "references.ipynb"
    assert graded.stat().st_size < 2 * 2**20


def test_the_network_oracle_works_but_was_never_reached_during_grading(integrity_course, network_oracle):
    assert network_oracle.requests == []
    # Control: outside the sandbox, the same cheat gets the right answers.
    answers = notebooks.read_answer_file(CORPUS / "references" / "cheat_network.py")
    here = os.getcwd()
    os.chdir(integrity_course / "source" / "references")
    try:
        namespace = {"np": np}
        exec(answers["add_to_selected"], namespace)
        exec(answers["row_norms"], namespace)
        a = np.arange(6.0).reshape(2, 3)
        namespace["add_to_selected"](a, [2, 0], 10.0)
        norms = namespace["row_norms"](np.array([[3.0, 4.0]]))
    finally:
        os.chdir(here)
    np.testing.assert_array_equal(a, [[0, 1, 12], [13, 4, 5]])
    np.testing.assert_allclose(norms, [[5.0]])
    assert len(network_oracle.requests) == 2
    network_oracle.requests.clear()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_honest_student_after_each_attacker_gets_full_marks(integrity_course, path):
    scores = exercise_scores(integrity_course, path.parent.name, _student(path) + "-honest")
    assert scores and all(most > 0 for _, most in scores.values()), scores
    assert not marks_lost(integrity_course, path.parent.name, _student(path) + "-honest")


def _named(name):
    """Processes whose name (``/proc/<pid>/comm``) is ``name``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if open(f"/proc/{pid}/comm", "rb").read().strip() == name:
                found.append(pid)
        except OSError:
            pass
    return found


def test_no_student_process_outlives_grading(integrity_course):
    assert _processes_running(b"time.sleep(317)") == []
    assert _processes_running(b"time.sleep(318)") == []
    # cheat_outlive_kill: out of its group, no parent-death signal, a non-daemon thread
    assert _named(b"outlive-worker") == [] and _named(b"outlive-child") == []


def test_nothing_a_student_wrote_outlives_grading(integrity_course):
    import glob

    assert glob.glob(os.path.join(tempfile.gettempdir(), "student-*", "immutable-marker-4242.txt")) == []
    assert glob.glob(os.path.join(tempfile.gettempdir(), "student-*", "fill-*.bin")) == []


def test_no_segment_or_control_group_of_a_student_outlives_grading(integrity_course, before_grading):
    groups, segments = before_grading
    # A group is left over once the grader that made it is gone (its pid is in the group's name);
    # another grader running on the machine meanwhile may still have its own.
    left = {g for g in cgroup.leftovers() - groups if not os.path.exists(f"/proc/{g.rsplit('-', 2)[-2]}")}
    assert left == set()
    # fault_sandbox_totals made eight segments, keys 0x5EB0 to 0x5EB7, in the sandbox's IPC namespace
    assert _segments() - segments == set() and not _segments() & set(range(0x5EB0, 0x5EB8))


@pytest.mark.skipif(not cgroup.available(), reason="no control groups here: memory is limited per process only")
def test_the_sandbox_limits_hold_for_all_its_processes_together(integrity_course):
    graded = notebooks.read(integrity_course / "autograded" / "fault-sandbox-totals" / "references"
                            / "references.ipynb")
    printed = "".join(o.get("text", "") for cell in graded.cells for o in cell.get("outputs", []))
    totals = re.search(r"sandbox totals: segments (\d+), children that held 600 MiB (\d+), "
                       r"processes forked (\d+)", printed)
    assert totals, [(o.get("ename"), o.get("evalue")) for cell in graded.cells if cell.get("metadata", {})
                    .get("nbgrader", {}).get("grade_id") == "tint" for o in cell.get("outputs", [])]
    segments, held, forked = map(int, totals.groups())
    # memory_limit is 1 GiB in this course: never the 8 x 64 MiB segments and 600 MiB children together
    assert segments * 64 + held * 600 < 1024, totals.group(0)
    assert 0 < forked < IsolatedExecute().process_limit, totals.group(0)


def test_worker_cannot_read_the_course_or_reach_the_network(tmp_path):
    secret = ROOT / "source" / "references" / "references.ipynb"
    with IsolatedExecute().session() as session:
        assert session.run_cell(f"open({str(secret)!r}).read()")["error"]["ename"] == "PermissionError"
        reply = session.run_cell("import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=2)")
        assert reply["error"] is not None


def test_worker_leaves_no_process_behind():
    import os
    import time

    with IsolatedExecute().session() as session:
        reply = session.run_cell("import subprocess, os\n"
                                 "p = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
                                 "print(os.getpid(), p.pid)")
        assert reply["ok"], reply
        protections = session.protections

    def sleepers():
        """Each ``sleep 300`` still there, with what /proc says of it (a failure then says where
        it lives: its parent, its PID namespace's pids, its state, its control groups)."""
        found = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    if not cmdline.read().startswith(b"sleep\x00300"):
                        continue
                with open(f"/proc/{pid}/status") as status:
                    facts = [line for line in status.read().splitlines()
                             if line.split(":")[0] in ("State", "PPid", "NSpid")]
                with open(f"/proc/{pid}/cgroup") as groups:
                    found[pid] = facts + groups.read().split()
            except OSError:   # gone meanwhile
                pass
        return found

    # The kernel ends a PID namespace's processes after its first one: soon, not at once.
    deadline = time.monotonic() + 10
    while sleepers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sleepers() == {}, (reply["stdout"], protections)


def test_a_worker_that_stops_in_the_middle_of_a_reply_cannot_stall_the_grader():
    stall = ("import os, struct, sys, time\n"
             "os.write(int(sys.argv[2]), struct.pack('<Q', 100) + b'xx')\ntime.sleep(300)")
    with IsolatedExecute().session() as session:
        with pytest.raises(StudentProcessError, match="did not finish within 2 s"):
            session.run_cell(stall, timeout=2)
        assert session.run_cell("1 + 1")["result"] == "2"   # a cell's value, nbgrader's execute_result


def test_a_reply_the_grader_cannot_read_costs_only_its_cell():
    garbage = "import os, struct, sys\nos.write(int(sys.argv[2]), struct.pack('<Q', 3) + b'xyz')"
    with IsolatedExecute().session() as session:
        session.run_cell("x = 41")
        with pytest.raises(StudentProcessError, match="sent a reply the grader cannot read"):
            session.run_cell(garbage, timeout=10)
        assert session.run_cell("print(x + 1)")["stdout"] == "42\n"


def test_output_that_is_not_valid_text_is_kept_writable():
    with IsolatedExecute().session() as session:
        reply = session.run_cell("print('\\udcff')")
        reply["stdout"].encode("utf-8")  # a lone surrogate would make nbgrader fail to save the notebook


def test_a_cell_that_poisons_the_replay_is_left_out_of_it():
    with IsolatedExecute().session() as session:
        session.run_cell("def f():\n    return 1")
        session.run_cell("import os, sys\nsys.addaudithook(lambda e, a: os._exit(1) if e == 'exec' else None)")
        assert session.run_cell("y = f()")["error"] is None
        assert len(session.dropped) == 1 and "addaudithook" in session.dropped[0]
        assert session.run_cell("print(y)")["stdout"] == "1\n"


def test_a_worker_that_hides_from_its_killer_dies_with_the_session():
    escape = ("import ctypes, os, subprocess, sys, threading, time\n"
              "code = ('import ctypes, os, threading, time\\n'\n"
              "        'ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)\\n'\n"
              "        'ctypes.CDLL(None).prctl(15, b\"hide-child\", 0, 0, 0)\\n'\n"
              "        'os.setpgid(0, 0)\\n'\n"
              "        'threading.Thread(target=time.sleep, args=(600,)).start()\\n')\n"
              "subprocess.Popen([sys.executable, '-c', code])\n"
              "ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)\n"
              "ctypes.CDLL(None).prctl(15, b'hide-worker', 0, 0, 0)\n"
              "os.setpgid(0, 0)\n"
              "threading.Thread(target=time.sleep, args=(600,)).start()\n"
              "time.sleep(0.5)")
    import time

    with IsolatedExecute().session() as session:
        assert session.run_cell(escape)["error"] is None
        assert _named(b"hide-worker") and _named(b"hide-child")
    deadline = time.monotonic() + 5
    while (_named(b"hide-worker") or _named(b"hide-child")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _named(b"hide-worker") == [] and _named(b"hide-child") == []


def test_the_worker_has_no_capabilities_and_its_scratch_is_bounded_and_goes_away():
    with IsolatedExecute(scratch_limit=100).session() as session:
        status = session.run_cell("print(open('/proc/self/status').read())")["stdout"]
        assert re.search(r"^CapEff:\s+0+$", status, re.MULTILINE), status
        assert re.search(r"^CapBnd:\s+0+$", status, re.MULTILINE) or "Uid:\t0" not in status
        fill = session.run_cell("for i in range(5):\n    open(f'f{i}', 'wb').write(b'x' * 40 * 2**20)")
        assert fill["error"] is not None and "No space left" in fill["error"]["evalue"], fill
        scratch = session._scratch
        assert any("scratch tmpfs 100 MiB" in p for p in session.protections), session.protections
    assert not os.path.exists(scratch)
