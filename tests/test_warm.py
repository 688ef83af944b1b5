"""Warm grading: student workers forked from a template (course.grading.template), and grading
servers that grade job after job in one process (course.classgrade.server, the Dask path's).

A warm process must grade as a cold one: each worker a fresh sandboxed process, and nothing of
one submission's grading left for the next (an honest student graded right after a cheat or a
poisoned submission keeps full marks and the report it gets alone)."""
import pytest
from helpers import make_course, submit

from course import build, notebooks
from course.classgrade import server, tasks
from course.grading.executor import IsolatedExecute
from course.grading.session import StudentCrash
from course.layout import ROOT, Course

pytestmark = pytest.mark.slow

PROBE = """
import os, random, threading, numpy as np
def _kind(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}").split("[")[0].replace(os.getcwd(), "SCRATCH")
    except OSError:
        return None   # the listing's own descriptor, closed since
_kinds = sorted(filter(None, map(_kind, os.listdir("/proc/self/fd"))))
print(repr((float(np.random.rand()), random.random(), _kinds, threading.active_count(),
            hasattr(np, "left_by_the_last_student"))))
"""


def _facts(warm):
    with IsolatedExecute(warm_start=warm).session() as session:
        reply = session.run_cell(PROBE)
        assert reply["ok"], reply
        session.run_cell("import numpy as np\nnp.left_by_the_last_student = 1")
        return eval(reply["stdout"]), session.protections, type(session._process).__name__


def test_a_warm_worker_is_forked_sandboxed_as_a_cold_one_with_fresh_random_state():
    first, protections, kind = _facts(warm=True)
    second, _, _ = _facts(warm=True)
    cold, cold_protections, cold_kind = _facts(warm=False)
    assert (kind, cold_kind) == ("WarmProcess", "Popen")
    assert protections == cold_protections   # namespaces, cgroup, tmpfs, rlimits, no capabilities, Landlock
    # NumPy's legacy state and Python's random are seeded anew in each fork
    assert first[0] != second[0] and first[1] != second[1]
    # the same descriptors and threads as a cold worker (not the template's socket); and what a
    # student left in the previous worker's modules is not in the next: the template runs no student code
    assert first[2:] == second[2:] == cold[2:] and first[4] is False


def test_a_crash_of_a_forked_worker_is_reported_with_its_exit_status():
    with IsolatedExecute().session() as session:
        with pytest.raises(StudentCrash, match="exited with status 3"):   # relayed by the template
            session.run_cell("import os\nos._exit(3)")
        assert session.run_cell("x = 1")["ok"]   # a fresh fork takes over


# -- a grading server grades many jobs, each as if alone --------------------------------------------
@pytest.fixture(scope="module")
def warmup_class(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("warm"), sections=["warmup"])
    build.generate(root=course)
    release = notebooks.read(Course(course).release("warmup"))
    reference = notebooks.reference_answers(notebooks.read(Course().source("warmup")))
    corpus = ROOT / "tests" / "corpus" / "integrity" / "warmup"
    for student, path in (("cheat", corpus / "cheat_monkeypatch.py"), ("poison", corpus / "fault_delayed_exit.py")):
        answers = notebooks.read_answer_file(path)
        if student == "poison":
            answers = {**reference, **answers}
        submit(course, student, "warmup", notebooks.fill_answers(release, answers))
    submit(course, "honest", "warmup", notebooks.fill_answers(release, reference))
    course = Course(course)
    assignment = tasks.read_assignment(course, "warmup", tasks.gradebook_without_students(course))
    return {student: tasks.read_submission(course, "warmup", student, assignment.digest(), travel=True)
            for student in ("cheat", "poison", "honest")}, assignment


def _verdict(result):
    """What the gradebook and the batch report get of a job, without its times."""
    assert not result.error, result.error
    report = dict(result.report or {})
    return result.grades, report


def test_an_honest_student_graded_after_a_cheat_and_a_poisoned_submission_gets_what_he_gets_alone(warmup_class):
    submissions, assignment = warmup_class
    alone = server.Server()
    try:
        honest_alone = _verdict(alone.grade(assignment, submissions["honest"], 600))
    finally:
        alone.end()
    warm = server.Server()
    try:
        cheat = warm.grade(assignment, submissions["cheat"], 600)
        after_cheat = _verdict(warm.grade(assignment, submissions["honest"], 600))
        poison = warm.grade(assignment, submissions["poison"], 600)
        after_poison = _verdict(warm.grade(assignment, submissions["honest"], 600))
        assert warm.graded == 4 and warm.process.poll() is None   # one process graded all four
    finally:
        warm.end()
    grades, _ = honest_alone
    scores = [score for nb in grades["notebooks"].values() for score, _ in nb["grades"].values()]
    assert scores and all(score is not None and score > 0 for score in scores)
    assert after_cheat == honest_alone and after_poison == honest_alone
    # the attackers were graded: the cheat earned nothing, the poisoned exercise failed
    cheat_scores = [s for nb in cheat.grades["notebooks"].values() for s, _ in nb["grades"].values()]
    assert cheat_scores and all(score == 0 for score in cheat_scores)
    assert poison.grades["notebooks"] != grades["notebooks"]


def test_a_job_past_its_deadline_ends_the_server_and_the_next_job_gets_a_new_one(warmup_class):
    submissions, assignment = warmup_class
    result = server.grade_warm(assignment, submissions["honest"], timeout=0.5)
    assert "did not finish within 0.5 s" in result.error
    assert not server._idle   # the server that overran was ended, not kept
    result = server.grade_warm(assignment, submissions["honest"], timeout=600)
    assert not result.error and len(server._idle) == 1
    server.end_idle()
    assert not server._idle
