"""What a grading job needs and what it gives back, as plain data.

A job may run in another process or on another machine without the course
folder, so everything it reads travels with it: the assignment (config,
source files, a gradebook with the assignments and no students) and the
submission's files, read here through the one gate
(:mod:`course.grading.submission_files`). A submission in which the gate
rejects anything (a link, a FIFO, a file too large, a folder that is a link)
does not travel: its job runs on this machine and reads the course's own
``submitted/`` folder, so that the gate sees the real entries and says the
same as in a sequential run.
"""
import hashlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..grading import submission_files

# Rows of students and their work; the template gradebook keeps the rest (course, assignments, cells).
STUDENT_TABLES = ("comment", "grade", "submitted_notebook", "submitted_assignment", "student")


@dataclass(frozen=True)
class Assignment:
    """What every job of one section needs; the same for the whole batch."""
    section: str
    config: str        # the course's nbgrader_config.py
    source: dict       # relative path -> bytes: source/<section>/ (the instructor's files; links followed)
    gradebook: bytes   # the course's gradebook without students (see gradebook_without_students)

    def digest(self):
        """Changes when anything that decides a grade changes: config, notebook, tests, the
        student helpers, and the grading code the config loads (course/grading/)."""
        digest = hashlib.sha256(self.config.encode())
        digest.update(_grading_code_digest().encode())
        for name in sorted(self.source):
            digest.update(f"\0{name}\0{len(self.source[name])}\0".encode())
            digest.update(self.source[name])
        return digest.hexdigest()


@dataclass(frozen=True)
class Submission:
    """One student's work for one section."""
    section: str
    student: str
    digest: str                 # of the assignment and of everything the gate found in the submission
    files: dict = None          # relative path -> bytes of the accepted files, when the job travels
    submitted_dir: str = None   # the course's submitted/ folder, when the job runs on this machine

    @property
    def travels(self):
        return self.files is not None


@dataclass
class Result:
    """What a job gives back; the coordinator saves it (see course.classgrade.merge)."""
    section: str
    student: str
    exit_code: int = 0          # of the job's `nbgrader autograde` (1: it could not grade something)
    log: str = ""               # what nbgrader printed (errors only)
    autograded: dict = None     # relative path -> (bytes, mode) of autograded/<student>/<section>/
    grades: dict = None         # the gradebook's rows for this submission (see job.gradebook_rows)
    report: dict = None         # the batch report's entry for this student (batch_report.Submission)
    error: str = ""             # why the job itself failed (then nothing else is set)
    seconds: float = 0.0        # wall time of the job
    cpu_seconds: float = 0.0    # CPU time of the job and its child processes (the student's process)
    notes: list = field(default_factory=list)


def read_assignment(course, section, gradebook):
    """The :class:`Assignment` of ``section`` of ``course`` (a :class:`Course`)."""
    folder = course.source(section).parent
    source = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            source[path.relative_to(folder).as_posix()] = path.read_bytes()
    return Assignment(section, (course.root / "nbgrader_config.py").read_text(), source, gradebook)


def gradebook_without_students(course):
    """The bytes of a copy of the course's gradebook with its assignments and no student.

    A job's nbgrader creates its one student in this copy, as it would in an
    empty course; no other student's grades leave this machine."""
    with tempfile.TemporaryDirectory(prefix="gradebook-") as folder:
        path = Path(folder) / "gradebook.db"
        source = sqlite3.connect(f"file:{course.gradebook}?mode=ro", uri=True)
        copy = sqlite3.connect(path)
        try:
            source.backup(copy)   # a consistent snapshot, even of a database in use
            for table in STUDENT_TABLES:
                copy.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            copy.commit()
            copy.execute("VACUUM")
        finally:
            source.close()
            copy.close()
        return path.read_bytes()


def read_submission(course, section, student, assignment_digest, travel):
    """The :class:`Submission` of ``student``; its files travel only if ``travel`` and
    the gate accepted every entry."""
    folder = course.submission(student, section)
    found = submission_files.scan(folder)
    digest = hashlib.sha256(assignment_digest.encode())
    digest.update(f"\0unusable\0{found.unusable}".encode())
    for rejected in found.rejected:
        digest.update(f"\0rejected\0{rejected.path}\0{rejected.reason}".encode())
    files = {}
    for relative in found.accepted:
        try:
            data = submission_files.read_file(folder / relative)
        except OSError as error:  # it changed since the scan: let the job's gate say what it is
            digest.update(f"\0unreadable\0{relative}\0{error}".encode())
            travel = False
            continue
        files[PurePosixPath(*Path(relative).parts).as_posix()] = data
        digest.update(f"\0file\0{relative}\0{len(data)}\0".encode())
        digest.update(data)
    if found.unusable or found.rejected or not travel:
        return Submission(section, student, digest.hexdigest(), submitted_dir=str(course.submitted_dir))
    return Submission(section, student, digest.hexdigest(), files=files)


def safe_relative(name):
    """``name`` as a path inside a folder, refusing anything that would leave it."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise ValueError(f"not a relative path inside a folder: {name!r}")
    return Path(*path.parts)


def write_files(folder, files):
    """Write ``{relative path: bytes}`` (or ``(bytes, mode)``) under ``folder``."""
    for name, data in files.items():
        path = Path(folder) / safe_relative(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        data, mode = data if isinstance(data, tuple) else (data, None)
        path.write_bytes(data)
        if mode is not None:
            os.chmod(path, mode)


def submissions_to_grade(course, section, student_glob="*"):
    """The students whose ``section`` nbgrader would grade: what ``nbgrader autograde``
    globs (``submitted/<glob>/<section>/*.ipynb``; links followed, dot-folders not)."""
    import glob

    pattern = os.path.join(glob.escape(str(course.submitted_dir)), student_glob, glob.escape(section))
    students = []
    for folder in sorted(glob.glob(pattern)):
        if glob.glob(os.path.join(glob.escape(folder), "*.ipynb")):
            students.append(Path(folder).parent.name)
    return students


def _grading_code_digest():
    """Of course/grading/*.py: a grader that judges differently regrades everyone."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parents[1].joinpath("grading").glob("*.py")):
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
