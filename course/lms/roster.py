"""The class roster: nbgrader student ids and the LMS's identities of the same students.

A CSV file with a header row and these columns (any order; more columns are ignored):

    id          the nbgrader student id (a folder name in submitted/: letters, digits, . _ -)
    first_name, last_name, email
    lms_id      the student's id in the LMS: Canvas's user id, Moodle's participant id
    lms_id:<section>   optional, per section: Moodle numbers participants per assignment
    sis_user_id, sis_login_id, section   optional, written to Canvas's import file as given

A student is found only by the LMS id, never by name: a file whose id is not on the roster is
not collected, and the collect says so.
"""
import csv
import io
import re
from dataclasses import dataclass, field

from ..grading.submission_files import read_file

MAX_ROSTER_BYTES = 4 * 2**20
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
LMS_ID = re.compile(r"[0-9]{1,20}\Z")
REQUIRED = ("id", "first_name", "last_name", "email", "lms_id")


class RosterError(ValueError):
    """The roster cannot be used; ``str()`` says why, with the line."""


@dataclass
class Student:
    id: str
    first_name: str
    last_name: str
    email: str
    lms_ids: dict = field(default_factory=dict)   # section or "" -> LMS id
    extra: dict = field(default_factory=dict)     # sis_user_id, sis_login_id, section

    def lms_id(self, section):
        return self.lms_ids.get(section) or self.lms_ids.get("", "")

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Roster:
    def __init__(self, students):
        self.students = list(students)

    def __iter__(self):
        return iter(self.students)

    def find(self, lms_id, section):
        """The student whose LMS id for ``section`` (``""``: the id of every section) is ``lms_id``, or None."""
        return next((s for s in self.students if s.lms_id(section) == lms_id), None)

    def by_id(self, student_id):
        return next((s for s in self.students if s.id == student_id), None)

    @classmethod
    def load(cls, path):
        """Read and check a roster file (a regular file, at most 4 MiB, UTF-8)."""
        try:
            text = read_file(path, limit=MAX_ROSTER_BYTES).decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise RosterError(f"the roster {path} cannot be read: {error}") from None
        return cls.parse(text)

    @classmethod
    def parse(cls, text):
        reader = csv.DictReader(io.StringIO(text))
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise RosterError(f"the roster has no column {', '.join(missing)} (it needs {', '.join(REQUIRED)})")
        reader.fieldnames = columns
        students, seen = [], {}
        for line, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items() if k is not None}
            if not any(row.values()):
                continue
            if not STUDENT_ID.match(row["id"]):
                raise RosterError(f"roster line {line}: {row['id']!r} is not a usable nbgrader id"
                                  " (letters, digits, '.', '_', '-'; at most 64)")
            ids = {"": row["lms_id"]}
            ids.update({k.partition(":")[2]: v for k, v in row.items() if k.startswith("lms_id:") and v})
            for section, lms_id in ids.items():
                if lms_id and not LMS_ID.match(lms_id):
                    raise RosterError(f"roster line {line}: LMS id {lms_id!r} is not a number")
                key = (section, lms_id)
                if lms_id and key in seen:
                    raise RosterError(f"roster line {line}: LMS id {lms_id} is also on line {seen[key]}")
                seen[key] = line
            if any(s.id == row["id"] for s in students):
                raise RosterError(f"roster line {line}: the nbgrader id {row['id']} appears twice")
            students.append(Student(row["id"], row["first_name"], row["last_name"], row["email"], ids,
                                    {k: row.get(k, "") for k in ("sis_user_id", "sis_login_id", "section")}))
        return cls(students)
