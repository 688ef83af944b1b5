"""The coordinator's writes: one job's result into the course, by one process only.

SQLite takes one writer, so jobs never open the course's gradebook: they
grade in scratch copies and this module, called by the coordinator for one
result at a time, copies what nbgrader wrote there. Each result is saved in
an order that leaves the course consistent wherever the process stops:

1. the gradebook, in one transaction (a stop before the commit leaves the
   submission as it was);
2. ``autograded/<student>/<section>/``, replaced by the job's folder;
3. the batch report (``reports/autograde-<section>.json`` and ``.txt``);
4. the record of what was graded (``reports/graded-<section>.json``), last:
   a submission is skipped next time only if all of the above were saved.
"""
import json
import os
import shutil
import stat
import tempfile
import warnings
from pathlib import Path

from ..grading.batch_report import NOT_GRADED, Submission
from .tasks import safe_relative, write_files


def save_grades(course, section, student, rows):
    """Copy the gradebook rows a job's nbgrader wrote (see job.gradebook_rows) into the
    course's gradebook, changing the fields ``nbgrader autograde`` changes and no others."""
    if rows is None:   # nbgrader stopped before it created the submission: it wrote nothing
        return
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(course.db_url) as gradebook, warnings.catch_warnings():
        # nbgrader's add_submission always triggers these autoflush warnings; they say nothing here
        warnings.simplefilter("ignore", SAWarning)
        session = gradebook.db
        # nbgrader's helpers commit after each step; make the whole submission one transaction.
        session.commit = session.flush
        try:
            gradebook.update_or_create_student(student)
            extra = {"timestamp": rows["timestamp"]} if rows["timestamp"] is not None else {}
            gradebook.update_or_create_submission(section, student, **extra)
            for name, notebook in rows["notebooks"].items():
                saved = gradebook.find_submission_notebook(name, section, student)
                saved.late_submission_penalty = notebook["late_submission_penalty"]
                grades = {grade.name: grade for grade in saved.grades}
                for cell, (auto_score, needs_manual_grade) in notebook["grades"].items():
                    grade = grades[cell]
                    grade.auto_score = auto_score
                    # nbgrader's SaveAutoGrades: a grader's manual score (kept in the course's
                    # gradebook, not in the job's) always asks for a review.
                    grade.needs_manual_grade = needs_manual_grade or grade.manual_score is not None
                comments = {comment.name: comment for comment in saved.comments}
                for cell, auto_comment in notebook["comments"].items():
                    comments[cell].auto_comment = auto_comment
        finally:
            del session.commit   # the instance attribute hid the method
        session.commit()


def save_autograded(course, section, student, files):
    """Replace ``autograded/<student>/<section>/`` with the job's copy (or remove it: a
    submission nbgrader could not grade has none, as after a sequential run)."""
    folder = course.autograded_dir / safe_relative(student) / section
    if files is None:
        if folder.exists():
            shutil.rmtree(folder)
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{section}-", dir=folder.parent))
    try:
        # mkdtemp's folder is 0700; nbgrader's own autograde makes it as any folder (the umask's mode),
        # and formgrader, run by an instructor who is not the grader (the course hub), must see it.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, (os.stat(staging).st_mode & stat.S_ISGID) | (0o777 & ~umask))
        write_files(staging, files)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def save_report_entry(report, result, expected):
    """Put the job's batch-report entry for this student in the batch's report (a
    ``BatchReport``); a job that failed is named as not graded."""
    entry = report.submission(result.section, result.student)
    if result.report is not None:
        found = Submission(**result.report)
        entry.expected, entry.problems, entry.more = found.expected, found.problems, found.more
    else:
        entry.expected = expected
    if result.error:
        reason = result.error.strip().splitlines()[-1] if result.error.strip() else "unknown error"
        entry.add(NOT_GRADED, f"grading stopped with an error ({reason}); the other submissions"
                              " were graded.")
    report.save()


class GradedRecord:
    """``reports/graded-<section>.json``: for each student, the digest of the submission and
    assignment that their saved grades come from (see tasks.Submission.digest)."""

    def __init__(self, course, section):
        self.path = course.graded_record(section)
        try:
            self.digests = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.digests = {}

    def matches(self, student, digest):
        return self.digests.get(student) == digest

    def set(self, student, digest):
        if digest is None:
            self.digests.pop(student, None)
        else:
            self.digests[student] = digest
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.digests, indent=1, sort_keys=True) + "\n")
        os.replace(partial, self.path)   # never a half-written record
