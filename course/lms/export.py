"""``python -m course.build lms-export --lms canvas|moodle --roster ROSTER [SECTION ...]``.

The grades as each LMS's gradebook import file, one score per student and section: nbgrader's
score after the late penalty (course.report.final_score); a student not graded (no submission,
or one the batch report names as not graded) gets an empty cell, which both LMSs leave
unchanged, never a 0.

- Canvas (Grades > Import): one file, columns ``Student, ID, SIS User ID, SIS Login ID,
  Section`` and one column per assignment, headed ``<title> (<Canvas assignment id>)`` as
  Canvas's own export heads it (``--column SECTION=HEADER``; without it the section's name,
  which Canvas matches to an assignment of that title or adds as a new one). ``ID`` is the
  Canvas user id from the roster.
- Moodle (assignment > Upload grading worksheet): one file per section, with the worksheet's
  columns ``Identifier`` ("Participant <id>", the per-assignment participant id), ``Full name``,
  ``Email address``, ``Grade``, ``Maximum Grade`` and ``Last modified (grade)`` (the export's
  time: Moodle keeps a grade changed in Moodle after it). No feedback column: an empty one
  would erase feedback written in Moodle.

Names and e-mails that a spreadsheet would read as a formula get a leading apostrophe.
"""
import csv
from datetime import datetime, timezone
from pathlib import Path

from ..grading import batch_report
from ..layout import Course
from ..report import final_score, spreadsheet_text
from .roster import Roster

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Last modified (grade)")


def _number(value):
    return "" if value is None else f"{round(value, 2):g}"


def grades(course, section):
    """``({student id: score after penalty, or None when not graded}, max score)`` of ``section``."""
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(course.db_url) as gradebook:
        try:
            most = gradebook.find_assignment(section).max_score
        except MissingEntry:
            return {}, None
        for submission in gradebook.assignment_submissions(section):
            scores[submission.student_id] = final_score(submission)[0]
    report = batch_report.load(course.root, section)
    for student in report.not_graded() if report else ():
        scores[student] = None
    return scores, most


def write_canvas(course, sections, roster, path, columns=None):
    """Canvas's gradebook import file; returns the lines to print."""
    columns = columns or {}
    table = {section: grades(course, section)[0] for section in sections}
    lines = []
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([*CANVAS_COLUMNS, *(columns.get(s, s) for s in sections)])
        for student in roster:
            if not student.lms_id(""):
                lines.append(f"{student.id}: no Canvas user id on the roster; left out")
                continue
            writer.writerow([spreadsheet_text(f"{student.last_name}, {student.first_name}"), student.lms_id(""),
                             spreadsheet_text(student.extra["sis_user_id"]), spreadsheet_text(student.extra["sis_login_id"]),
                             spreadsheet_text(student.extra["section"]),
                             *(_number(table[s].get(student.id)) for s in sections)])
    unknown = sorted({sid for scores in table.values() for sid in scores} - {s.id for s in roster})
    if unknown:
        lines.append(f"graded but not on the roster, so not exported: {', '.join(unknown)}")
    return lines


def write_moodle(course, section, roster, path, now=None):
    """Moodle's grading worksheet for ``section``; returns the lines to print."""
    scores, most = grades(course, section)
    stamp = (now or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()
    lines = []
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(MOODLE_COLUMNS)
        for student in roster:
            participant = student.lms_id(section)
            if not participant:
                lines.append(f"{student.id}: no Moodle participant id for {section} on the roster; left out")
                continue
            writer.writerow([f"Participant {participant}", spreadsheet_text(student.full_name), spreadsheet_text(student.email),
                             _number(scores.get(student.id)), _number(most), stamp])
    unknown = sorted(set(scores) - {s.id for s in roster})
    if unknown:
        lines.append(f"graded but not on the roster, so not exported: {', '.join(unknown)}")
    return lines


def export(root, lms, roster_path, sections=None, out=None, columns=None):
    """Write the import file(s); returns ``[(path, lines)]``."""
    course = Course(root)
    roster = Roster.load(roster_path)
    sections = list(sections or course.sections())
    course.reports_dir.mkdir(exist_ok=True)
    if lms == "canvas":
        path = Path(out) if out else course.reports_dir / "canvas-grades.csv"
        return [(path, write_canvas(course, sections, roster, path, columns))]
    written = []
    for section in sections:
        path = Path(out.format(section=section)) if out else course.reports_dir / f"moodle-{section}.csv"
        written.append((path, write_moodle(course, section, roster, path)))
    return written
