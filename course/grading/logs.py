"""What a grading run prints: quoted, and without the warnings whose cause the course knows.

``nbgrader_config.py`` calls :func:`install` in every nbgrader process of the course:

- every log record quotes its message (:mod:`course.grading.quoting`): a
  submission's text cannot forge or hide lines;
- nbgrader's warnings that every clean submission causes, whose cause is
  known and harmless, are lowered to DEBUG (shown with ``--log-level=DEBUG``),
  each with its cause below: they drowned the lines an instructor must read;
- SQLAlchemy's warning about nbgrader's early autoflush is ignored (cause below).

A grading run then prints, per submission, the one line of
:func:`submission_line` (and, at the end, the batch report); the loudest thing
a run can print is the banner of ``nbgrader_config.py`` when it cannot load the
course (that banner lives there: without the course, this module is missing too).
"""
import logging
import re
import warnings

from .. import notebooks
from .quoting import printable, quoted

# (pattern of the message, why the course may ignore it)
KNOWN_HARMLESS = [
    (re.compile(r"^Attribute 'checksum' for cell (?P<cell>\S+) has changed!"),
     # nbgrader's OverwriteCells compares a test cell of the submission (released without its
     # hidden tests) with the source's (with them): their checksums always differ, so every
     # test cell with hidden tests warns (jupyter/nbgrader#1961). The cell is put back from the
     # gradebook anyway, and RepairSubmission names a test cell that a student really edited in
     # the batch report. Only test cells (by the course's grade-id convention) are lowered: a
     # changed checksum of any other locked cell is still shown.
     lambda match: notebooks.exercise_of(match.group("cell")) is not None),
]
# nbgrader's Gradebook.add_submission reads the new submission's notebooks before adding it to
# the session, and SQLAlchemy's autoflush warns that it will not add it yet; nbgrader adds it
# right after (the grades are saved; course.classgrade.merge silences the same warning).
AUTOFLUSH_WARNING = r"Object of type <Submitted(Assignment|Notebook)> not in session"


def harmless(message):
    """Whether a log message is one of :data:`KNOWN_HARMLESS`."""
    for pattern, applies in KNOWN_HARMLESS:
        match = pattern.match(message)
        if match and applies(match):
            return True
    return False


class _CourseRecord(logging.LogRecord):
    """A log record whose message is quoted, and lowered to DEBUG if known to be harmless
    (a handler checks the record's level after the record is made)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.levelno == logging.WARNING and harmless(super().getMessage()):
            self.levelno, self.levelname = logging.DEBUG, "DEBUG"

    def getMessage(self):
        first, *rest = super().getMessage().split("\n")
        return "\n".join([printable(first), *(quoted(line) for line in rest)])


def install():
    """The course's log policy for this process (see the module's docstring)."""
    logging.setLogRecordFactory(_CourseRecord)
    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:  # pragma: no cover - nbgrader depends on SQLAlchemy
        return
    warnings.filterwarnings("ignore", message=AUTOFLUSH_WARNING, category=SAWarning)


def submission_line(assignment, student, seconds, protections, restarts):
    """The one line a grading run prints per submission: who, how long, and which protections
    were active (the instructor checks these once)."""
    line = (f"graded {assignment} of {printable(student)} in {seconds:.1f} s;"
            f" sandbox: {', '.join(protections) or 'none'}")
    return line + (f"; restarts: {restarts}" if restarts else "")

