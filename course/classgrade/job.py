"""One grading job: the real ``nbgrader autograde`` for one student, in a scratch course folder.

The scratch folder holds the course's config, the assignment's source files,
a gradebook with the assignments and no students, and the submission: its
files as they travelled, or a link to the course's ``submitted/`` folder when
the job runs on the course's machine (then the file gate looks at the real
entries). nbgrader runs in this process, as nbgrader's own test suite runs
it (``NbGraderApp`` initialised, started and reset), so that a worker process
imports nbgrader and the grading modules once for many students, not once per
student. It must be the process's main thread: ``IsolatedExecute`` stops
hidden tests that overrun the notebook's budget with ``SIGALRM``, which only
the main thread receives. On a Dask worker, whose tasks run in threads, a
warm grading server (:mod:`course.classgrade.server`) grades jobs in its main
thread; :func:`grade_in_child` runs one job in a child process of its own
(``python -m course.classgrade.job``), as the coordinator retries a job that
was in a pool that broke. The student's processes are forked from a template
(:mod:`course.grading.template`) that the process starts once.
"""
import atexit
import contextlib
import glob
import importlib
import io
import os
import pickle
import resource
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from ..layout import Course
from .tasks import Result, safe_relative, write_files

CONFIG_ERROR = "while loading config file"   # what traitlets logs when nbgrader_config.py fails


def warm_up():
    """What every job of a process needs, imported once: a process that grades many jobs calls this first."""
    # nbgrader starts `alembic` from PATH; the venv's bin/ may not be on it.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    import nbgrader.apps.nbgraderapp  # noqa: F401
    import nbgrader.converters.autograde  # noqa: F401

    from ..grading import cell_metadata, executor, feedback, intake  # noqa: F401 - nbgrader_config.py's


def _cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the student's processes, once reaped
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def grade(assignment, submission):
    """Grade one submission; a failure of the job is returned in ``Result.error``, not raised."""
    started, cpu = time.monotonic(), _cpu_seconds()
    result = Result(submission.section, submission.student)
    try:
        with tempfile.TemporaryDirectory(prefix="classgrade-", dir=_scratch_parent()) as scratch:
            root = Path(scratch).resolve()   # nbgrader's course root is os.getcwd(), links resolved
            _lay_out(root, assignment, submission)
            result.exit_code, result.log = _autograde(root, submission.section, submission.student)
            _collect(Course(root), result)
    except Exception:  # noqa: BLE001 - whatever breaks, the coordinator names this student and goes on
        result.error = traceback.format_exc(limit=8)
    result.seconds = time.monotonic() - started
    result.cpu_seconds = _cpu_seconds() - cpu
    return result


def _scratch_parent():
    """Where scratch courses go: a tmpfs where the machine has one, since nbgrader commits to the scratch
    gradebook some sixty times per submission and each commit on a disk waits for it (a throw-away
    copy: the coordinator writes the course's own gradebook); else the temporary folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _lay_out(root, assignment, submission):
    section, student = submission.section, submission.student
    (root / "nbgrader_config.py").write_text(assignment.config)
    write_files(root / "source" / section, assignment.source)
    (root / "gradebook.db").write_bytes(assignment.gradebook)
    if submission.travels:
        folder = root / "submitted" / safe_relative(student) / section
        folder.mkdir(parents=True)
        write_files(folder, submission.files)
    else:
        os.symlink(submission.submitted_dir, root / "submitted")


def _autograde(root, section, student):
    """``nbgrader autograde SECTION --student=STUDENT --force`` in ``root``; (exit code, output)."""
    from jupyter_core.application import NoStart
    from nbgrader.apps.nbgraderapp import NbGraderApp

    from ..grading import batch_report

    output = io.StringIO()
    cwd, path = os.getcwd(), list(sys.path)
    os.chdir(root)
    code = 0
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            app = NbGraderApp.instance()
            try:
                # glob.escape: nbgrader takes the student id as a pattern
                app.initialize(["autograde", section, f"--student={glob.escape(student)}", "--force",
                                "--log-level=ERROR"])
                if CONFIG_ERROR in output.getvalue():
                    # nbgrader would go on with its stock settings, without the grading protections
                    raise RuntimeError(f"nbgrader could not load nbgrader_config.py:\n{output.getvalue()}")
                app.start()
            except NoStart:   # how jupyter_core says that a subcommand (autograde) has run
                pass
            except SystemExit as error:
                code = error.code if isinstance(error.code, int) else 1
            finally:
                app.reset()
                # The batch ends here, not at this process's exit: name what was not graded, save.
                report = batch_report.current(root)
                report.finish()
                atexit.unregister(report.finish)
    finally:
        os.chdir(cwd)
        sys.path[:] = path   # nbgrader puts the course root first
    return code, output.getvalue()


def _collect(course, result):
    from ..grading import batch_report

    folder = course.autograded_dir / result.student / result.section
    if folder.is_dir():
        result.autograded = {p.relative_to(folder).as_posix(): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
                             for p in sorted(folder.rglob("*")) if p.is_file()}
    report = batch_report.load(course.root, result.section)
    entry = report.submissions.get(result.student) if report else None
    result.report = asdict(entry) if entry else None
    result.grades = gradebook_rows(course.db_url, result.section, result.student)


def gradebook_rows(db_url, section, student):
    """What ``nbgrader autograde`` wrote to the gradebook for one submission, or None."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission(section, student)
        except MissingEntry:
            return None
        return {"timestamp": submission.timestamp,
                "notebooks": {nb.name: {"late_submission_penalty": nb.late_submission_penalty,
                                        "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                                        "comments": {c.name: c.auto_comment for c in nb.comments}}
                              for nb in submission.notebooks}}


# -- in a child process: on a Dask worker, and for jobs retried after a lost worker -------------
def overran(submission, timeout):
    """The result of a job that its deadline of ``timeout`` seconds ended."""
    return Result(submission.section, submission.student,
                  error=f"the grading process did not finish within {timeout} s")


def grade_in_child(assignment, submission, timeout=None, grade_function=None):
    """:func:`grade` in a child process (its main thread), ended after ``timeout`` seconds.

    Dask workers run tasks in threads; the coordinator retries here, one process per job,
    the jobs of a worker process that died. ``grade_function`` replaces :func:`grade`
    (a module-level function, found by name in the child: the tests' failing jobs)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # nbgrader runs alembic
    name = [] if grade_function is None else [f"{grade_function.__module__}:{grade_function.__qualname__}"]
    with tempfile.TemporaryDirectory(prefix="classgrade-result-") as folder:
        out = Path(folder) / "result.pickle"
        try:
            child = subprocess.run([sys.executable, "-m", "course.classgrade.job", str(out), *name],
                                   input=pickle.dumps((assignment, submission)), capture_output=True,
                                   env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return overran(submission, timeout)
        if child.returncode != 0 or not out.exists():
            tail = child.stderr.decode(errors="replace")[-2000:].rstrip()
            # the last line is the reason the batch report gives
            return Result(submission.section, submission.student,
                          error=f"{tail}\nthe grading process exited with status {child.returncode}".lstrip())
        return pickle.loads(out.read_bytes())   # written by the lines below, in our own child


def _function(name):
    module, _, qualname = name.partition(":")
    found = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


if __name__ == "__main__":
    _assignment, _submission = pickle.loads(sys.stdin.buffer.read())  # from grade_in_child, our parent
    _grade = _function(sys.argv[2]) if len(sys.argv) > 2 else grade
    Path(sys.argv[1]).write_bytes(pickle.dumps(_grade(_assignment, _submission)))
