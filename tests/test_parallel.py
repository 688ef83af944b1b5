"""Parallel autograding (course.classgrade) against plain sequential ``nbgrader autograde``.

One class, built twice: the demo class plus generated references submissions
(correct, wrong, malformed, hostile and faulty ones). One copy is graded by
plain ``nbgrader autograde SECTION`` with this folder's config, the other by
the coordinator with two jobs, interrupted with SIGINT after its first saved
submission and then resumed. The two gradebooks must agree cell by cell.
"""
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from helpers import make_course, run_nbgrader

from course import build, notebooks
from course.classgrade import coordinator
from course.classgrade.progress import Progress
from course.grading import batch_report
from course.layout import Course

SECTIONS = ("warmup", "references")
INTERRUPTED = 130


# -- helpers ---------------------------------------------------------------------------------------
def gradebook_table(course):
    """Everything a gradebook says, keyed by names (ids differ from run to run)."""
    from nbgrader.api import Gradebook, SubmittedAssignment

    table = {}
    with Gradebook(Course(course).db_url) as gradebook:
        for assignment in gradebook.assignments:
            for nb in assignment.notebooks:
                for cell in nb.source_cells:
                    table["source", assignment.name, nb.name, cell.name] = (cell.checksum, cell.source, cell.locked)
        for student in gradebook.students:
            table["student", student.id] = (student.first_name, student.last_name, student.email)
        for sub in gradebook.db.query(SubmittedAssignment):
            key = (sub.assignment.name, sub.student.id)
            table[("submission", *key)] = (sub.timestamp, sub.extension)
            for nb in sub.notebooks:
                table[("notebook", *key, nb.name)] = (nb.flagged, nb.late_submission_penalty)
                for g in nb.grades:
                    table[("grade", *key, nb.name, g.name)] = (g.auto_score, g.manual_score, g.extra_credit,
                                                               g.needs_manual_grade, g.max_score)
                for c in nb.comments:
                    table[("comment", *key, nb.name, c.name)] = (c.auto_comment, c.manual_comment)
    return table


def _scores(table, section, student):
    return {key[-1]: value[0] for key, value in table.items() if key[:3] == ("grade", section, student)}


def _digest(folder):
    """Contents of the regular files under ``folder`` (a FIFO is not opened)."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        mode = os.lstat(path).st_mode
        found[str(path)] = path.read_bytes() if stat.S_ISREG(mode) else stat.S_IFMT(mode)
    return found


def _submit(course, student, files):
    folder = course / "submitted" / student / "references"
    folder.mkdir(parents=True)
    for name, data in files.items():
        if callable(data):
            data(folder / name)
        else:
            (folder / name).write_bytes(data)


def _generated_class(course):
    """The demo class and the generated references submissions."""
    build.build_demo_class(root=course)
    stub = notebooks.read(Course(course).release("references"))
    answers = notebooks.reference_answers(notebooks.read(Course(course).source("references")))
    good = notebooks.fill_answers(stub, answers)
    wrong = notebooks.fill_answers(stub, dict(answers, row_norms="def row_norms(A):\n    return A.sum(axis=1)\n"))
    crashing = notebooks.fill_answers(stub, answers)
    crashing.cells.insert(0, nbformat.v4.new_code_cell("import os\nos._exit(3)"))   # kills the student's process
    deleted = notebooks.fill_answers(stub, answers)
    deleted.cells = [c for c in deleted.cells if notebooks.nbgrader_meta(c).get("grade_id") != "tint_test"]
    dumps = notebooks.dumps
    _submit(course, "gen-correct", {"references.ipynb": dumps(good).encode(),
                                    "timestamp.txt": b"2026-11-30 12:00:00.000000 UTC"})
    _submit(course, "gen-wrong", {"references.ipynb": dumps(wrong).encode()})
    _submit(course, "gen-crash", {"references.ipynb": dumps(crashing).encode()})
    _submit(course, "gen-deleted-test", {"references.ipynb": dumps(deleted).encode()})
    _submit(course, "gen-not-json", {"references.ipynb": b"{this is not json"})
    _submit(course, "gen-linked", {"references.ipynb": lambda p: p.symlink_to(
        course / "source" / "references" / "references.ipynb")})
    _submit(course, "gen-fifo", {"references.ipynb": dumps(good).encode(), "notes.txt": os.mkfifo})
    _submit(course, "gen-no-notebook", {"answers.py": b"x = 1\n"})


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    """(sequential course, parallel course, the interrupted run, the resumed run's outcome)."""
    sequential = make_course(tmp_path_factory.mktemp("sequential"), demo=True)
    shutil.rmtree(sequential / "source" / "advanced")
    build.generate(root=sequential)
    parallel = tmp_path_factory.mktemp("parallel") / "course"
    shutil.copytree(sequential, parallel, symlinks=True)
    _generated_class(sequential)
    _generated_class(parallel)
    for section in SECTIONS:
        run_nbgrader(sequential, "autograde", section, "--force")

    before = _digest(parallel / "submitted")
    # SIGINT handled as in a terminal, even where this suite was started in the background
    # (a shell without job control starts background commands with SIGINT ignored, inherited)
    code = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler);"
            "import sys; from course import build; from course.classgrade import coordinator;"
            "o = coordinator.autograde(sys.argv[1], sys.argv[2:], jobs=2, bar=False);"
            "sys.exit(build.exit_status(o))")
    child = subprocess.Popen([sys.executable, "-c", code, str(parallel), *SECTIONS], stderr=subprocess.PIPE,
                             text=True, env=build.tool_environ(), start_new_session=True)
    lines = []
    for line in child.stderr:
        lines.append(line)
        if re.match(r"\[ *1/", line):
            os.killpg(child.pid, signal.SIGINT)   # Ctrl-C in a terminal reaches the whole group
            break
    lines += child.stderr.readlines()
    child.wait(timeout=300)
    interrupted = {"code": child.returncode, "stderr": "".join(lines),
                   "record": {s: json.loads(Course(parallel).graded_record(s).read_text())
                              if Course(parallel).graded_record(s).exists() else {} for s in SECTIONS},
                   "table": gradebook_table(parallel),
                   "integrity": sqlite3.connect(Course(parallel).gradebook).execute("PRAGMA integrity_check")
                   .fetchone()[0]}
    resumed = coordinator.autograde(parallel, SECTIONS, jobs=2, bar=False, stream=io.StringIO())
    after = _digest(parallel / "submitted")
    return sequential, parallel, interrupted, resumed, before == after


# -- the gradebook ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_parallel_gradebook_is_the_sequential_one_cell_by_cell(classes):
    sequential, parallel, _, _, _ = classes
    expected, got = gradebook_table(sequential), gradebook_table(parallel)
    assert got == expected
    # and it holds real grades: full, partial and zero marks, a repair, a crash that costs its cells
    full = _scores(expected, "references", "alice")
    assert full and all(score > 0 for score in full.values())
    assert _scores(expected, "references", "gen-correct") == full
    assert _scores(expected, "references", "gen-deleted-test") == full
    assert 0 < sum(_scores(expected, "references", "gen-wrong").values()) < sum(full.values())
    assert sum(_scores(expected, "references", "carol").values()) == 0
    assert expected["submission", "references", "gen-correct"][0] is not None   # its timestamp.txt


@pytest.mark.slow
def test_the_comparison_sees_one_changed_score(classes, tmp_path):
    _, parallel, _, _, _ = classes
    copy = Course(tmp_path)
    shutil.copy(Course(parallel).gradebook, copy.gradebook)
    assert gradebook_table(tmp_path) == gradebook_table(parallel)
    with sqlite3.connect(copy.gradebook) as db:
        db.execute("UPDATE grade SET auto_score = auto_score + 1 WHERE auto_score = 0 AND rowid ="
                   " (SELECT min(rowid) FROM grade WHERE auto_score = 0)")
    assert gradebook_table(tmp_path) != gradebook_table(parallel)


@pytest.mark.slow
def test_the_batch_reports_are_the_sequential_ones(classes):
    sequential, parallel, _, _, _ = classes
    for section in SECTIONS:
        assert batch_report.load(parallel, section) == batch_report.load(sequential, section)
    report = batch_report.load(parallel, "references")
    assert {"erin", "gen-not-json", "gen-linked", "gen-no-notebook"} <= report.not_graded()
    assert "notes.txt is a named pipe (FIFO)" in report.text()


@pytest.mark.slow
def test_submissions_are_only_read(classes):
    assert classes[4]



@pytest.mark.slow
def test_the_summary_says_not_graded_where_nbgrader_left_a_zero_row(classes, capsys):
    _, parallel, _, _, _ = classes
    assert build.scores(parallel)["references", "erin"][0] == 0   # nbgrader's row for the renamed notebook
    build.summary(parallel)
    erin = next(line for line in capsys.readouterr().out.splitlines() if line.split()[:1] == ["erin"])
    assert "not graded" in erin and "0.0" not in erin

# -- failures, interruption, resumption ------------------------------------------------------------
@pytest.mark.slow
def test_a_submission_that_cannot_be_graded_stops_nothing_and_the_status_says_so(classes):
    _, _, _, resumed, _ = classes
    not_graded = {student for section, student in resumed.not_graded}
    assert {"erin", "gen-not-json", "gen-linked", "gen-no-notebook"} <= not_graded
    assert not resumed.failed
    assert build.exit_status(resumed) == 1


@pytest.mark.slow
def test_ctrl_c_leaves_a_consistent_gradebook_and_the_next_run_skips_what_was_saved(classes):
    _, parallel, interrupted, resumed, _ = classes
    assert interrupted["code"] == INTERRUPTED, interrupted["stderr"]
    assert "Interrupted:" in interrupted["stderr"]
    assert interrupted["integrity"] == "ok"
    saved = [(s, student) for s, record in interrupted["record"].items() for student in record]
    assert saved, "nothing was saved before the interrupt"
    for section, student in saved:   # every recorded submission was saved in full
        scores = _scores(interrupted["table"], section, student)
        assert scores and None not in scores.values()
    assert set(saved) <= set(resumed.skipped)
    assert len(saved) < len(resumed.skipped) + len(resumed.graded) + len(resumed.not_graded)


@pytest.mark.slow
def test_progress_is_one_log_line_per_submission_when_not_on_a_terminal(classes):
    _, _, interrupted, _, _ = classes
    lines = [line for line in interrupted["stderr"].splitlines() if line.startswith("[")]
    assert lines and all(re.fullmatch(r"\[ ?\d+/\d+\] (warmup|references) \S+: .+ \(\d+\.\d s\)", line)
                         for line in lines), lines


@pytest.mark.slow
def test_an_unchanged_submission_is_skipped_and_a_changed_one_graded_again(classes):
    """Runs last: it changes the parallel class."""
    _, parallel, _, _, _ = classes
    again = coordinator.autograde(parallel, ["references"], jobs=2, bar=False, stream=io.StringIO())
    assert ("references", "alice") in again.skipped and not again.graded
    right = (parallel / "submitted" / "gen-correct" / "references" / "references.ipynb").read_bytes()
    (parallel / "submitted" / "gen-wrong" / "references" / "references.ipynb").write_bytes(right)
    again = coordinator.autograde(parallel, ["references"], jobs=2, bar=False, stream=io.StringIO())
    assert again.graded == [("references", "gen-wrong")]
    table = gradebook_table(parallel)
    assert _scores(table, "references", "gen-wrong") == _scores(table, "references", "alice")



# -- a worker process that dies or a job that never ends ----------------------------------------------
JOB_TIMEOUT = 40   # seconds; a good job here (references, in a process of its own) takes under 10


def _references_class(folder, students):
    course = make_course(folder)
    for section in ("warmup", "advanced"):
        shutil.rmtree(course / "source" / section)
    build.generate(root=course)
    stub = notebooks.read(Course(course).release("references"))
    answers = notebooks.reference_answers(notebooks.read(Course(course).source("references")))
    for student in students:
        _submit(course, student, {"references.ipynb": notebooks.dumps(notebooks.fill_answers(stub, answers)).encode()})
    return course


def _grade_with_failing_jobs(course, monkeypatch):
    import failing_jobs

    monkeypatch.setenv("PYTHONPATH", str(Path(failing_jobs.__file__).parent))   # for the retries' processes
    stream = io.StringIO()
    outcome = coordinator.autograde(course, ["references"], jobs=2, bar=False, stream=stream,
                                    job_timeout=JOB_TIMEOUT, grade_function=failing_jobs.grade_or_fail)
    return outcome, stream.getvalue()


@pytest.mark.slow
def test_a_worker_process_that_dies_costs_only_its_own_submission(tmp_path, monkeypatch):
    good = ["ok-1", "ok-2", "ok-3"]
    course = _references_class(tmp_path, ["dies-1", "hangs-1", *good])
    outcome, log = _grade_with_failing_jobs(course, monkeypatch)
    assert sorted(student for _, student in outcome.graded) == good
    assert sorted(student for _, student in outcome.failed) == ["dies-1", "hangs-1"]
    assert build.exit_status(outcome) == 1
    full = _scores(gradebook_table(course), "references", "ok-1")
    assert full and all(score > 0 for score in full.values())
    assert all(_scores(gradebook_table(course), "references", s) == full for s in good)
    report = batch_report.load(course, "references")
    assert {"dies-1", "hangs-1"} <= report.not_graded()
    assert "exited with status 9" in log and f"did not finish within {JOB_TIMEOUT} s" in log


@pytest.mark.slow
def test_the_jobs_that_had_not_begun_when_a_pool_broke_go_to_a_new_pool(tmp_path, monkeypatch):
    good = [f"ok-{n}" for n in range(1, 6)]
    course = _references_class(tmp_path, ["dies-1", *good])
    outcome, _ = _grade_with_failing_jobs(course, monkeypatch)
    assert sorted(student for _, student in outcome.graded) == good
    assert [student for _, student in outcome.failed] == ["dies-1"]
    alone = sorted(student for (_, student), where in outcome.where.items() if where == "alone")
    # the pool had two processes: dies-1 and at most one job beside it had begun when it broke
    assert "dies-1" in alone and len(alone) <= 2, alone


@pytest.mark.slow
def test_a_job_that_never_ends_is_ended_and_the_others_are_graded(tmp_path, monkeypatch):
    # no process dies by itself here: the job's own deadline ends its worker process
    course = _references_class(tmp_path, ["hangs-1", "ok-1"])
    outcome, log = _grade_with_failing_jobs(course, monkeypatch)
    assert [student for _, student in outcome.graded] == ["ok-1"]
    assert [student for _, student in outcome.failed] == ["hangs-1"]
    assert f"did not finish within {JOB_TIMEOUT} s" in log
    # it had run its whole deadline when the pool broke: it fails there, not a second time alone
    assert outcome.where[("references", "hangs-1")] == "here"

# -- fast ------------------------------------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_progress_is_a_bar_with_counts():
    stream = _Terminal()
    threads = set(threading.enumerate())
    progress = Progress(3, stream=stream)
    progress.update("warmup", "alice", "graded", 1.0)
    progress.close()
    assert "1/3" in stream.getvalue() and "submission" in stream.getvalue()
    assert "[1/3] warmup alice" not in stream.getvalue()
    # No thread outlives the bar (tqdm's monitor would wake every 10 s and run Python code
    # in whatever process graded, the pytest process's in-process measurements included).
    assert set(threading.enumerate()) <= threads


def test_off_a_terminal_progress_is_log_lines():
    stream = io.StringIO()
    progress = Progress(3, stream=stream)
    progress.update("warmup", "alice", "graded", 1.25)
    progress.close()
    assert stream.getvalue() == "[1/3] warmup alice: graded (1.2 s)\n"


@pytest.mark.parametrize("outcome, status", [
    (coordinator.Outcome(graded=[("w", "a")]), 0),
    (coordinator.Outcome(graded=[("w", "a")], not_graded=[("w", "b")]), 1),
    (coordinator.Outcome(failed=[("w", "a")]), 1),
    (coordinator.Outcome(graded=[("w", "a")], interrupted=True), 130),
])
def test_the_exit_status_says_whether_every_submission_was_graded(outcome, status):
    assert build.exit_status(outcome) == status
