"""Grading jobs that fail as a worker process can fail (it dies, or a job never ends), for
tests/test_parallel.py. The coordinator runs them by name in its worker processes and in
the child processes of its retries, so they live in a module of their own."""
import os
import time

from course.classgrade import job


def grade_or_fail(assignment, submission):
    """:func:`job.grade`, but a student named ``dies-*`` ends the process (as the kernel's
    out-of-memory killer would) and one named ``hangs-*`` never returns."""
    if submission.student.startswith("dies-"):
        os._exit(9)
    if submission.student.startswith("hangs-"):
        time.sleep(3600)
    return job.grade(assignment, submission)
