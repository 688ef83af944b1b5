"""The coordinator: which submissions to grade, where, and saving each result as it arrives.

Jobs run in a pool of worker processes on this machine (``jobs``, one per
core by default) or, with ``scheduler``, on a Dask cluster. A submission in
which the file gate rejects anything is graded on this machine even then (its
rejected entries are here; see course.classgrade.tasks). This process alone
writes the gradebook, ``autograded/`` and ``reports/`` (course.classgrade.merge),
one result at a time, so a job that fails, or a Ctrl-C, costs only the
submissions not yet saved; the next run skips those saved (unless ``force``).
"""
import concurrent.futures
import contextlib
import faulthandler
import io
import multiprocessing
import os
import queue
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..grading import batch_report
from ..grading.batch_report import NOT_GRADED, REPAIRED
from ..grading.quoting import printable, quoted
from ..layout import Course
from . import job, merge, server, tasks
from .progress import Progress

# A worker process grades this many submissions, then a fresh one takes over: whatever a long
# run of in-process nbgrader leaves behind in memory stays bounded (a restart costs ~3 s of imports).
TASKS_PER_WORKER = 50
# Seconds one job may take before its process is ended (nbgrader's own limits come first:
# IsolatedExecute.notebook_timeout bounds each notebook's grading, 600 s by default).
JOB_TIMEOUT = 3600


@dataclass
class Outcome:
    """What a batch did, per ``(section, student)``.

    The lists are in the order the jobs ended, which parallel grading does not fix.
    """
    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)       # graded before, submission unchanged
    not_graded: list = field(default_factory=list)    # the batch report says why
    failed: list = field(default_factory=list)        # the grading job itself failed (named in the report)
    interrupted: bool = False
    seconds: dict = field(default_factory=dict)       # (section, student) -> wall seconds of its job
    where: dict = field(default_factory=dict)         # (section, student) -> "here", "alone" or "dask"

    @property
    def complete(self):
        """Every submission of the batch has its grades."""
        return not (self.not_graded or self.failed or self.interrupted)


def _worker_init():
    job.warm_up()   # what every job needs, imported while the coordinator plans (a few seconds per process)


def _ready():
    return os.getpid()


def _ran(marker):
    """Seconds since the job of ``marker`` began (when its future is done), None if it had not."""
    try:
        return time.time() - os.stat(marker).st_mtime
    except FileNotFoundError:
        return None


def _run_job(grade_function, assignment, submission, timeout, started):
    """One job in a pool's worker process, which ends itself (status 1) after ``timeout``
    seconds: a C thread of faulthandler's watches, so even a job stuck holding the GIL ends.
    The file ``started`` tells the coordinator, should the pool break, that this job had begun."""
    Path(started).touch()
    faulthandler.dump_traceback_later(timeout, exit=True)
    try:
        return grade_function(assignment, submission)
    finally:
        faulthandler.cancel_dump_traceback_later()


def _start_pool(workers):
    """A pool of ``workers`` processes, started now, so that their imports overlap the planning."""
    # spawn: a fresh interpreter per worker, whatever threads this process has (Dask, tqdm)
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_worker_init,
                                                  max_tasks_per_child=TASKS_PER_WORKER)
    for _ in range(workers):
        pool.submit(_ready)   # the pool starts a process per task submitted while none is idle
    return pool


def _students(course, section, students):
    found = set()
    for pattern in students or ["*"]:
        found.update(tasks.submissions_to_grade(course, section, pattern))
    return sorted(found)


def _graded_in_gradebook(course, section):
    """The students with a submission of ``section`` in the course's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    if not course.gradebook.exists():
        return set()
    with Gradebook(course.db_url) as gradebook:
        try:
            return {s.student_id for s in gradebook.assignment_submissions(section)}
        except MissingEntry:
            return set()


def _report_folders_without_notebooks(course, report, section, students):
    """nbgrader never visits a submission folder without a notebook; the intake names them."""
    from nbgrader.coursedir import CourseDirectory

    from ..grading import intake

    for pattern in students or ["*"]:
        report.folders_scanned.discard(section)
        intake._report_folders_without_notebooks(CourseDirectory(root=str(course.root), student_id=pattern),
                                                 report, section)


class Batch:
    def __init__(self, course, sections, students, force, stream, bar):
        self.course, self.sections, self.students, self.force = course, sections, students, force
        self.report = batch_report.BatchReport(course.root, ", ".join(students) if students else "*")
        self.records = {section: merge.GradedRecord(course, section) for section in sections}
        self.outcome = Outcome()
        self.alone = set()   # (section, student) graded in a process of its own after a pool broke
        self.stream, self.bar = stream, bar

    def plan(self, travel):
        """The submissions to grade; the skipped ones keep their entry in the batch report."""
        template = tasks.gradebook_without_students(self.course)
        self.assignments = {s: tasks.read_assignment(self.course, s, template) for s in self.sections}
        pending = []
        for section, assignment in self.assignments.items():
            self.report.assignment(section)
            _report_folders_without_notebooks(self.course, self.report, section, self.students)
            in_gradebook = _graded_in_gradebook(self.course, section)
            previous = batch_report.load(self.course.root, section)
            for student in _students(self.course, section, self.students):
                submission = tasks.read_submission(self.course, section, student, assignment.digest(), travel)
                if (not self.force and self.records[section].matches(student, submission.digest)
                        and student in in_gradebook and self.course.autograded(student, section).exists()):
                    self.outcome.skipped.append((section, student))
                    if previous is not None and student in previous.submissions:
                        self.report.assignments[section].submissions[student] = previous.submissions[student]
                    continue
                pending.append(submission)
        self.report.save()
        return pending

    def save(self, submission, result, progress):
        """Save one job's result; the order of the steps is explained in course.classgrade.merge."""
        section, student, course = submission.section, submission.student, self.course
        if not result.error:
            merge.save_grades(course, section, student, result.grades)
            merge.save_autograded(course, section, student, result.autograded)
        merge.save_report_entry(self.report, result, expected=[section])
        entry = self.report.submission(section, student)
        graded = not result.error and all(course.autograded_dir.joinpath(student, section, f"{name}.ipynb").exists()
                                          for name in entry.expected)
        self.records[section].set(student, submission.digest if graded else None)

        key = (section, student)
        self.outcome.seconds[key] = result.seconds
        self.outcome.where[key] = "dask" if submission.travels else "alone" if key in self.alone else "here"
        if result.error:
            self.outcome.failed.append(key)
            outcome = "FAILED"
            progress.write(f"Grading {section} of {printable(student)} failed:\n{quoted(result.error)}")
        elif not graded and NOT_GRADED not in {kind for kind, _ in entry.problems}:
            # nbgrader failed on something the intake did not recognise: a grading failure
            self.outcome.failed.append(key)
            outcome = "FAILED"
        elif not graded:
            self.outcome.not_graded.append(key)
            outcome = "not graded (see the batch report)"
        else:
            self.outcome.graded.append(key)
            outcome = "graded after a repair" if REPAIRED in entry.kinds() else "graded"
        if result.exit_code and not result.error and NOT_GRADED not in {kind for kind, _ in entry.problems}:
            # nbgrader's words may quote the notebook: each line behind a quote mark, escaped
            progress.write(f"nbgrader autograde {section} --student={printable(student)} said:\n"
                           f"{quoted(result.log)}")
        progress.update(section, printable(student), outcome, result.seconds)

    def finish(self):
        """End of the batch: name what was not graded and save the reports (printed by the caller)."""
        with contextlib.redirect_stderr(io.StringIO()):   # BatchReport.finish prints them too
            self.report.finish()
        import atexit
        atexit.unregister(self.report.finish)


def autograde(root, sections=None, students=None, jobs=None, scheduler=None, force=False,
              stream=None, bar=None, job_timeout=JOB_TIMEOUT, grade_function=job.grade):
    """Grade the submissions of ``sections`` (default: all) and return an :class:`Outcome`.

    A worker process that dies (or ends a job that overran ``job_timeout``) breaks the pool
    and every job it held. A job that had run for ``job_timeout`` when it broke is the one
    the deadline ended: it fails. The other jobs that had begun (one per worker process at
    most) are graded again, each in a process of its own (:func:`job.grade_in_child`), so
    that only the job that caused the break fails; the jobs that had not begun go to a new
    pool. A job that had not begun in two broken pools is graded alone too, so no
    submission can break pools without end.
    ``grade_function`` replaces :func:`job.grade` in tests (module-level, found by name)."""
    course = Course(root)
    batch = Batch(course, list(sections or course.sections()), list(students or []), force, stream, bar)
    pool = client = progress = retry = None
    pending, done = [], queue.Queue()
    workers = jobs or os.cpu_count() or 1
    started = tempfile.TemporaryDirectory(prefix="classgrade-started-")
    pool_of, requeued = {}, set()   # submission index -> the pool it was sent to; sent to a second pool

    def send_to_pool(index, submission):
        pool_of[index] = pool
        marker = os.path.join(started.name, str(index))
        future = pool.submit(_run_job, grade_function, batch.assignments[submission.section], submission,
                             job_timeout, marker)
        future.add_done_callback(lambda f, i=index, s=submission, m=marker: done.put((i, s, f, _ran(m))))

    try:
        if scheduler is None:
            pool = _start_pool(workers)
        pending = batch.plan(travel=scheduler is not None)
        progress = Progress(len(pending), stream=stream, bar=bar)
        local = [s for s in pending if not s.travels]
        remote = [s for s in pending if s.travels]
        if local and pool is None:   # with a cluster: the submissions that the gate keeps here
            workers = min(jobs or 1, len(local))
            pool = _start_pool(workers)
        for index, submission in enumerate(local):
            send_to_pool(index, submission)
        if remote:
            from distributed import Client

            client = Client(scheduler)
            shipped = {section: client.scatter(assignment, hash=False)
                       for section, assignment in batch.assignments.items()
                       if any(s.section == section for s in remote)}
            for submission in remote:
                # a warm grading server of the Dask worker's grades it (course.classgrade.server)
                future = client.submit(server.grade_warm, shipped[submission.section], submission,
                                       timeout=job_timeout, pure=False)
                future.add_done_callback(lambda f, s=submission: done.put((None, s, f, None)))
        for _ in pending:
            while True:
                index, submission, future, ran = done.get()
                try:
                    result = future.result()
                except KeyboardInterrupt:
                    raise  # Ctrl-C, here or in a job: the whole run stops, below
                except concurrent.futures.process.BrokenProcessPool:
                    # A worker process died: this job caused it or was in the pool with the one that did.
                    if ran is not None and ran >= job_timeout:   # its deadline ended the worker process
                        result = job.overran(submission, job_timeout)
                        break
                    if ran is None and index not in requeued:
                        # it had not begun, so it is not the cause: a new pool grades it
                        requeued.add(index)
                        if pool_of[index] is pool:   # the first of the broken pool's jobs to come back
                            pool.shutdown(wait=False)   # broken: its jobs have all come back failed
                            pool = _start_pool(workers)
                        send_to_pool(index, submission)
                        continue
                    batch.alone.add((submission.section, submission.student))
                    retry = retry or concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="retry")
                    again = retry.submit(job.grade_in_child, batch.assignments[submission.section], submission,
                                         timeout=job_timeout,
                                         grade_function=None if grade_function is job.grade else grade_function)
                    again.add_done_callback(lambda f, i=index, s=submission: done.put((i, s, f, None)))
                    continue
                except BaseException as error:  # noqa: BLE001 - a lost worker or process costs this submission
                    result = tasks.Result(submission.section, submission.student,
                                          error=f"{type(error).__name__}: {error}")
                break
            batch.save(submission, result, progress)
    except KeyboardInterrupt:
        batch.outcome.interrupted = True
        say = progress.write if progress else lambda text: print(text, file=stream or sys.stderr)
        say(f"Interrupted: {len(batch.outcome.seconds)} of {len(pending)} submissions were saved;"
            " the same command grades the rest (saved ones are skipped).")
    finally:
        if progress is not None:
            progress.close()
        if pool is not None:
            pool.shutdown(wait=not batch.outcome.interrupted, cancel_futures=True)
        if retry is not None:
            retry.shutdown(wait=not batch.outcome.interrupted, cancel_futures=True)
        if client is not None:
            client.close()
        started.cleanup()
    if batch.outcome.interrupted:
        batch.report.save()
    else:
        batch.finish()
        for section in batch.sections:
            data = batch.report.assignments.get(section)
            for student in (data.not_graded() if data else ()):
                if (section, student) not in batch.outcome.not_graded + batch.outcome.failed:
                    batch.outcome.not_graded.append((section, student))   # e.g. a folder without a notebook
    return batch.outcome
