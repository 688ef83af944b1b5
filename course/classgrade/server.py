"""Warm grading processes for the threads of a Dask worker: each grades many jobs, one at a time.

A Dask worker runs tasks in threads, and a job must run in a process's main thread
(:mod:`course.classgrade.job`), so each task used to start ``python -m course.classgrade.job``:
nbgrader's import (about 1.2 CPU s) and the student processes' template (0.5 s) again for every
submission. Here a task hands its job to a *grading server*, a child process of the Dask worker
that imported nbgrader and the grading modules once and grades job after job in its main thread
(:func:`course.classgrade.job.grade`: one scratch course per submission, nothing of a job left in
the process for the next but imported modules and the template, which never runs student code).
Idle servers wait in this module for the next task of the same Dask worker process.

A server that overruns a job's deadline, dies, or answers with something that is not a result
is killed (its template and student processes die with it: parent-death signals) and the job
fails as a job in a child of its own did; the next task starts a new server. A server grades at
most ``coordinator.TASKS_PER_WORKER`` jobs, as a pool's worker process does.
"""
import ctypes
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from .job import overran
from .tasks import Result

JOBS_PER_SERVER = 50   # as coordinator.TASKS_PER_WORKER: what in-process nbgrader leaves in memory stays bounded
_PR_SET_PDEATHSIG = 1


class Server:
    """A running grading server and the pipes to it (the grader's side)."""

    def __init__(self):
        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")   # nbgrader runs alembic
        # a file, not a pipe: a server that writes much to stderr must not block on a full pipe
        self.stderr = tempfile.TemporaryFile(prefix="grading-server-")
        jobs_read, jobs_write = os.pipe()
        results_read, results_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "course.classgrade.server", str(jobs_read), str(results_write)],
                pass_fds=(jobs_read, results_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self.stderr, env=env, start_new_session=True)
        finally:
            os.close(jobs_read)
            os.close(results_write)
        self.jobs, self.results = Connection(jobs_write, readable=False), Connection(results_read, writable=False)
        self.graded = 0

    def grade(self, assignment, submission, timeout):
        """The job's :class:`Result`; a job the server could not finish fails, and the server is ended."""
        try:
            self.jobs.send_bytes(pickle.dumps((assignment, submission)))
            if not self.results.poll(timeout):
                self.end()
                return overran(submission, timeout)
            result = pickle.loads(self.results.recv_bytes())   # our own child's, written below
        except (EOFError, OSError, pickle.UnpicklingError) as error:
            tail, status = self._stderr_tail(), self.end()
            return Result(submission.section, submission.student,
                          error=f"{tail}\nthe grading process ended ({type(error).__name__},"
                                f" status {status})".lstrip())
        self.graded += 1
        return result

    def _stderr_tail(self):
        try:
            self.stderr.seek(max(self.stderr.seek(0, os.SEEK_END) - 2000, 0))
            return self.stderr.read().decode(errors="replace").rstrip()
        except (OSError, ValueError):
            return ""

    def end(self):
        """Kill the server (its template and student processes die with it); its exit status."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        for connection in (self.jobs, self.results):
            connection.close()
        self.stderr.close()
        return self.process.returncode


_idle = []               # servers of this process waiting for a job
_idle_lock = threading.Lock()


def grade_warm(assignment, submission, timeout=None):
    """:func:`job.grade` in a warm grading server of this process (a Dask task calls this)."""
    with _idle_lock:
        server = _idle.pop() if _idle else None
    if server is None or server.process.poll() is not None:
        if server is not None:
            server.end()
        server = Server()
    result = server.grade(assignment, submission, timeout)
    if server.process.poll() is None and server.graded < JOBS_PER_SERVER:
        with _idle_lock:
            _idle.append(server)
    else:
        server.end()
    return result


def end_idle():
    """End this process's idle servers."""
    with _idle_lock:
        servers = list(_idle)
        _idle.clear()
    for server in servers:
        server.end()


def main(argv):
    # The Dask worker's thread that started this server gone (the worker stops), so is the server.
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    jobs, results = Connection(int(argv[1]), writable=False), Connection(int(argv[2]), readable=False)
    from . import job

    job.warm_up()   # nbgrader and the grading modules, once for every job of this server
    while True:
        try:
            assignment, submission = pickle.loads(jobs.recv_bytes())   # from our parent, the Dask worker
        except EOFError:
            return 0
        results.send_bytes(pickle.dumps(job.grade(assignment, submission)))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
