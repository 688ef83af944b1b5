"""Grading on a Dask cluster: a real ``dask scheduler`` and two ``dask worker`` processes
started with the CLI on localhost, in folders of their own; the class graded through
them must get the gradebook a run on this machine gives."""
import io
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import make_course
from test_parallel import gradebook_table

from course import build
from course.classgrade import coordinator, tasks
from course.layout import Course

SECTION = "references"


def _demo_class(folder):
    course = make_course(folder, demo=True)
    for section in ("warmup", "advanced"):
        shutil.rmtree(course / "source" / section)
    build.generate(root=course)
    build.build_demo_class(root=course)
    # a submission the file gate rejects a file of: graded on this machine, where the file is
    (course / "submitted" / "alice" / SECTION / "notes.txt").symlink_to(course / "gradebook.db")
    return course


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The scheduler's address; the processes are stopped at the end."""
    folder = tmp_path_factory.mktemp("dask")
    address_file = folder / "scheduler.json"
    env = build.tool_environ()
    started = []

    def start(*args, cwd):
        cwd.mkdir()
        process = subprocess.Popen([str(Path(sys.executable).parent / "dask"), *args], cwd=cwd, env=env,
                                   stdout=subprocess.DEVNULL, stderr=open(cwd / "log", "w"))
        started.append(process)

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(address_file), cwd=folder / "scheduler")
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for name in ("worker-1", "worker-2"):
            start("worker", "--scheduler-file", str(address_file), "--nthreads", "1", "--no-dashboard",
                  "--name", name, "--local-directory", str(folder / name), cwd=folder / name)
        from distributed import Client

        with Client(scheduler_file=str(address_file), timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.slow
def test_a_dask_cluster_grades_the_class_as_this_machine_does(cluster, tmp_path_factory):
    on_dask = _demo_class(tmp_path_factory.mktemp("on-dask"))
    here = _demo_class(tmp_path_factory.mktemp("here"))
    outcome = coordinator.autograde(on_dask, [SECTION], scheduler=cluster, bar=False, stream=io.StringIO())
    local = coordinator.autograde(here, [SECTION], jobs=2, bar=False, stream=io.StringIO())
    assert gradebook_table(on_dask) == gradebook_table(here)
    # The lists are in the order the jobs ended; that order is not the test's business.
    assert sorted(outcome.graded) == sorted(local.graded)
    assert outcome.not_graded == local.not_graded == [(SECTION, "erin")]
    assert outcome.where == {(SECTION, "alice"): "here", (SECTION, "bob"): "dask", (SECTION, "carol"): "dask",
                             (SECTION, "erin"): "dask"}
    assert not outcome.failed


# -- fast: what travels ----------------------------------------------------------------------------
def _course_with(tmp_path, files):
    course = Course(tmp_path / "course")
    folder = course.submission("ann", SECTION)
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data) if isinstance(data, bytes) else (folder / name).symlink_to(data)
    return course


def test_a_travelling_submission_carries_its_files_and_no_path_of_the_course(tmp_path):
    course = _course_with(tmp_path, {"references.ipynb": b"{}", "data.csv": b"1,2\n"})
    travelling = tasks.read_submission(course, SECTION, "ann", "assignment digest", travel=True)
    assert travelling.files == {"references.ipynb": b"{}", "data.csv": b"1,2\n"}
    assert str(course.root).encode() not in pickle.dumps(travelling)
    staying = tasks.read_submission(course, SECTION, "ann", "assignment digest", travel=False)
    assert staying.files is None and str(course.root).encode() in pickle.dumps(staying)
    assert staying.digest == travelling.digest


def test_a_submission_with_a_rejected_entry_does_not_travel(tmp_path):
    course = _course_with(tmp_path, {"references.ipynb": b"{}", "notes.txt": "/etc/passwd"})
    submission = tasks.read_submission(course, SECTION, "ann", "assignment digest", travel=True)
    assert not submission.travels


def test_the_digest_changes_with_the_submission_and_with_the_assignment(tmp_path):
    course = _course_with(tmp_path, {"references.ipynb": b"{}"})
    first = tasks.read_submission(course, SECTION, "ann", "assignment digest", travel=True).digest
    assert tasks.read_submission(course, SECTION, "ann", "assignment digest", travel=True).digest == first
    assert tasks.read_submission(course, SECTION, "ann", "new assignment", travel=True).digest != first
    (course.submission("ann", SECTION) / "references.ipynb").write_bytes(b"{ }")
    assert tasks.read_submission(course, SECTION, "ann", "assignment digest", travel=True).digest != first


def test_a_travelling_file_cannot_be_written_outside_the_job_folder(tmp_path):
    with pytest.raises(ValueError):
        tasks.write_files(tmp_path / "job", {"../escaped": b"x"})
    tasks.write_files(tmp_path / "job", {"sub/inside": b"x"})
    assert (tmp_path / "job" / "sub" / "inside").read_bytes() == b"x"
    assert not (tmp_path / "escaped").exists()


def test_an_assignment_digest_changes_with_its_files():
    first = tasks.Assignment("s", "config", {"s.ipynb": b"1"}, b"").digest()
    assert tasks.Assignment("s", "config", {"s.ipynb": b"1"}, b"other gradebook").digest() == first
    assert tasks.Assignment("s", "config", {"s.ipynb": b"2"}, b"").digest() != first
    assert tasks.Assignment("s", "config 2", {"s.ipynb": b"1"}, b"").digest() != first

