"""``python -m course.build collect SECTION ARCHIVE --lms canvas|moodle --roster ROSTER``.

Runs nbgrader's own ``zip_collect`` with this course's plugins (nbgrader's documented way:
``--extractor`` and ``--collector``):

- :class:`SafeExtractor` opens the archive with :mod:`course.lms.archive` (bounded, no links, no
  escapes) instead of nbgrader's ``unzip``, which follows neither rule;
- :class:`CanvasCollector` and :class:`MoodleCollector` are nbgrader ``FileNameCollectorPlugin`` s
  whose ``named_regexp`` is the LMS's file-name pattern (docs/lms.md gives the sources). The
  ``student_id`` group is the LMS's id; the roster turns it into the nbgrader id, and a file
  whose id is not on the roster is skipped and reported, never guessed.

nbgrader's transfer step clears a student's folder before copying (and with ``--force`` its
extraction clears everything), so zip_collect writes into a staging folder,
``downloaded/<section>/collected/``, and :func:`merge` moves each student's files into
``submitted/`` by one rule: a student with no submission gets this one; the same files are left
alone; a different earlier submission is replaced only when both carry a time (timestamp.txt)
and the archive's is newer, the earlier one moved to ``downloaded/<section>/replaced/``, never
deleted; otherwise the student is not collected and the report says what to do.
"""
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from traitlets import Unicode

from ..grading.quoting import printable
from ..grading.submission_files import TIMESTAMP, UnsafeFile, read_file, scan
from ..layout import Course
from . import archive as archive_module
from .roster import Roster

DOWNLOADED = "downloaded"   # nbgrader's ZipCollectApp.downloaded_directory default


def _record(path, **finding):
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(finding) + "\n")


class SafeExtractor(ExtractorPlugin):
    """nbgrader's extractor step through :func:`course.lms.archive.extract`."""
    findings = Unicode("", help="JSON-lines file the course's collect reads back").tag(config=True)

    def extract(self, archive_path, extracted_path):
        for entry in sorted(os.scandir(archive_path), key=lambda e: e.name):
            if not entry.is_file(follow_symlinks=False):
                _record(self.findings, kind="refused", name=entry.name, detail="is not a regular file")
                continue
            target = Path(extracted_path) / Path(entry.name).stem
            try:
                refused = archive_module.extract(entry.path, target)
            except ValueError as error:
                _record(self.findings, kind="unreadable", name=entry.name, detail=str(error))
                continue
            for item in refused:
                _record(self.findings, kind="refused", name=item.name, detail=item.reason)


class LmsCollector(FileNameCollectorPlugin):
    """A collector that maps the LMS's id in a file name to the nbgrader id through the roster."""
    lms = "LMS"
    per_section = False   # Moodle numbers participants per assignment, Canvas users once
    roster = Unicode("", help="the roster CSV (course.lms.roster)").tag(config=True)
    findings = Unicode("", help="JSON-lines file the course's collect reads back").tag(config=True)
    times = Unicode("", help="JSON file: LMS id -> submission time (ISO 8601), when the LMS gives one").tag(
        config=True)

    def _ensure(self):
        if not hasattr(self, "_roster"):
            self._roster = Roster.load(self.roster)
            self._times = json.loads(Path(self.times).read_text()) if self.times else {}
            self._seen = set()
            app = self.parent
            self._section = app.coursedir.assignment_id
            self._root = Path(app._format_collect_path(app.extracted_directory))

    def note(self, kind, name, detail="", student=""):
        _record(self.findings, kind=kind, name=name, detail=detail, student=student)

    def collect(self, submitted_file):
        self._ensure()
        relative = Path(submitted_file).relative_to(self._root).as_posix().split("/", 1)[-1]
        if not relative.endswith(".ipynb"):
            self.note("not_notebook", relative)
            return None
        match = re.match(self.named_regexp, relative)
        if not match:
            self.note("malformed", relative, f"does not follow {self.lms}'s file-name pattern")
            return None
        groups = match.groupdict()
        lms_id = groups["student_id"]
        student = self._roster.find(lms_id, self._section if self.per_section else "")
        if student is None:
            self.note("not_on_roster", relative, f"{self.lms} id {lms_id} is not on the roster")
            return None
        file_id = groups["file_id"].rsplit("/", 1)[-1]   # a file in a folder, or in the student's own zip
        released = f"{self._section}.ipynb"
        renamed = re.fullmatch(r"(.+)-[0-9]+(\.ipynb)", file_id)
        if file_id != released and renamed and renamed[1] + renamed[2] == released:
            self.note("renamed", relative, f"{printable(file_id)} taken as {released} ({self.lms} numbers a"
                                           " file uploaded again under the same name)", student.id)
            file_id = released
        if (student.id, file_id) in self._seen:
            self.note("duplicate", relative, f"a second {printable(file_id)} for the same student", student.id)
            return None
        self._seen.add((student.id, file_id))
        self.note("collected", relative, file_id, student.id)
        if groups.get("late"):
            self.note("late", relative, "", student.id)
        info = {"student_id": student.id, "file_id": file_id}
        if self._times.get(lms_id):
            info["timestamp"] = self._times[lms_id]
        return info


class CanvasCollector(LmsCollector):
    """Canvas's "Download Submissions": ``<name>[_LATE]_<user id>_<file id>_<file name>``."""
    lms = "Canvas"
    named_regexp = Unicode(
        r"(?P<name>[^/]*?)_(?:(?P<late>LATE)_)?(?P<student_id>[0-9]+)_(?P<attachment_id>[0-9]+)_(?P<file_id>.+)\Z"
    ).tag(config=True)


class MoodleCollector(LmsCollector):
    """Moodle's "Download all submissions": ``<full name>_<participant id>_assignsubmission_file_/<file>``
    (in folders, Moodle's default) or ``..._assignsubmission_file_<file>`` (without folders)."""
    lms = "Moodle"
    per_section = True
    named_regexp = Unicode(
        r"(?P<name>[^/_]*)_(?P<student_id>[0-9]+)_assignsubmission_file_/?(?P<file_id>.+)\Z"
    ).tag(config=True)


COLLECTORS = {"canvas": CanvasCollector, "moodle": MoodleCollector}


# -- the command ------------------------------------------------------------------------------
@dataclass
class Outcome:
    section: str
    lines: dict = field(default_factory=lambda: {"collected": [], "not collected": [], "notes": []})

    @property
    def complete(self):
        return not self.lines["not collected"]

    def add(self, group, text):
        self.lines[group].append(text)

    def text(self):
        counts = ", ".join(f"{len(v)} {k}" for k, v in self.lines.items())
        out = [f"Collect report: {self.section}", counts]
        for group, lines in self.lines.items():
            if lines:
                out += ["", group.upper()] + [f"  {line}" for line in lines]
        return "\n".join(out) + "\n"


def moodle_times(worksheet, tz="UTC"):
    """``{participant id: ISO time}`` from Moodle's grading worksheet's "Last modified (submission)"
    (a time in the Moodle user's time zone ``tz``; "-" or empty when nothing was handed in)."""
    import csv
    import io

    import dateutil.parser
    import dateutil.tz

    zone = dateutil.tz.gettz(tz)
    if zone is None:
        raise SystemExit(f"unknown time zone {tz!r}")
    text = read_file(worksheet, limit=16 * 2**20).decode("utf-8-sig")
    times = {}
    for row in csv.DictReader(io.StringIO(text)):
        ident, when = row.get("Identifier", ""), (row.get("Last modified (submission)") or "").strip()
        number = ident.rsplit(" ", 1)[-1]
        if not number.isdigit() or when in ("", "-"):
            continue
        try:
            moment = dateutil.parser.parse(when)
        except (ValueError, OverflowError):
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        times[number] = moment.astimezone(timezone.utc).isoformat()
    return times


def collect(root, section, archive, lms, roster, times=None):
    """Collect ``archive`` (the LMS's download) for ``section`` into ``submitted/``; returns an
    :class:`Outcome` (also written to ``downloaded/<section>/collect-report.txt``)."""
    from ..build import nbgrader

    course = Course(root)
    Roster.load(roster)   # fails here, with its reason, rather than inside nbgrader
    work = course.root / DOWNLOADED / section
    for step in ("archive", "extracted", "collected"):
        _clear(work / step)
    (work / "archive").mkdir(parents=True)
    st = os.stat(archive)
    if not stat.S_ISREG(st.st_mode):
        raise SystemExit(f"{printable(archive)} is not a file")
    shutil.copyfile(archive, work / "archive" / Path(archive).name, follow_symlinks=True)
    findings = work / "findings.jsonl"
    findings.unlink(missing_ok=True)
    findings.touch()
    args = ["zip_collect", section, "--log-level=WARN",
            "--extractor=course.lms.collect.SafeExtractor", f"--collector=course.lms.collect.{COLLECTORS[lms].__name__}",
            f"--CourseDirectory.submitted_directory={DOWNLOADED}/{section}/collected",
            f"--SafeExtractor.findings={findings}", f"--LmsCollector.findings={findings}",
            f"--LmsCollector.roster={Path(roster).resolve()}"]
    if times:
        (work / "times.json").write_text(json.dumps(times))
        args.append(f"--LmsCollector.times={work / 'times.json'}")
    result = nbgrader(*args, root=course.root, check=False, quiet=True)
    outcome = Outcome(section)
    if result.returncode != 0:
        outcome.add("not collected", "nbgrader zip_collect failed; nothing was collected:\n"
                    + printable(result.stderr[-2000:]))
        return _finish(outcome, work)
    notes = [json.loads(line) for line in findings.read_text().splitlines() if line.strip()]
    merge(course, section, work, notes, outcome, lms)
    return _finish(outcome, work)


def _finish(outcome, work):
    (work / "collect-report.txt").write_text(outcome.text())
    return outcome


def _clear(path):
    """Remove one of collect's own working folders (never a link: it is removed, not followed)."""
    if os.path.islink(path) or os.path.isfile(path):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def _files(folder):
    """``{relative path: bytes}`` of a submission folder's regular files, or the reason it cannot be read."""
    found = scan(folder)
    if found.unusable:
        return None, found.unusable
    if found.rejected:
        return None, found.rejected[0].sentence()
    try:
        return {p: read_file(Path(folder) / p) for p in found.accepted}, None
    except (OSError, UnsafeFile) as error:
        return None, str(error)


def _time(files):
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(files[TIMESTAMP].decode().strip()) if TIMESTAMP in files else None
    except (ValueError, OverflowError, UnicodeDecodeError):
        return None


def merge(course, section, work, notes, outcome, lms):
    """Move each student's staged files into ``submitted/`` by the rule in the module's docstring."""
    staged_root = work / "collected"
    duplicates = {n["student"] for n in notes if n["kind"] == "duplicate"}
    late = {n["student"] for n in notes if n["kind"] == "late"}
    for n in notes:
        name = printable(n["name"], 300)
        if n["kind"] in ("not_on_roster", "malformed", "refused", "unreadable"):
            outcome.add("not collected", f"{name}: {printable(n['detail'], 500)}")
        elif n["kind"] == "not_notebook":
            outcome.add("notes", f"{name}: not a notebook; left out")
        elif n["kind"] == "renamed":
            outcome.add("notes", f"{n['student']}: {n['detail']}")
    students = sorted(p.name for p in staged_root.iterdir()) if staged_root.is_dir() else []
    for student in students:
        staged = staged_root / student / section
        target = course.submission(student, section)
        where = target.relative_to(course.root)
        if student in duplicates:
            outcome.add("not collected", f"{student}: the archive holds two files of the same name for them;"
                                         " neither was collected. Put the right one in"
                                         f" {where}/ by hand.")
            continue
        new, _ = _files(staged)
        new_time = _time(new)
        if not os.path.lexists(target) or (target.is_dir() and not target.is_symlink() and not any(target.iterdir())):
            problem = _unsafe_parent(course, student)
            if problem:
                outcome.add("not collected", f"{student}: {problem}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if os.path.lexists(target):
                os.rmdir(target)   # empty
            os.rename(staged, target)
            outcome.add("collected", f"{student}: {', '.join(sorted(new))} -> {where}/")
        else:
            old, problem = _files(target)
            if old is None:
                outcome.add("not collected", f"{student}: {where} is already there and cannot be read safely"
                                             f" ({problem}); nothing was changed.")
                continue
            if {k: v for k, v in old.items()} == new:
                outcome.add("collected", f"{student}: unchanged, the same files are already in {where}/")
                continue
            old_time = _time(old)
            if new_time and old_time and new_time > old_time:
                keep = _free(work / "replaced" / f"{student}-{old_time:%Y%m%dT%H%M%S}")
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.rename(target, keep)
                os.rename(staged, target)
                outcome.add("collected", f"{student}: REPLACED the earlier submission (handed in {old_time} UTC)"
                                         f" by the archive's newer one ({new_time} UTC); the earlier one is kept"
                                         f" in {keep.relative_to(course.root)}/")
            elif new_time and old_time:
                outcome.add("notes", f"{student}: kept the submission already in {where}/ (handed in {old_time}"
                                     f" UTC), newer than the archive's ({new_time} UTC)")
            else:
                outcome.add("not collected", f"{student}: {where}/ already holds a different submission and"
                                             " there is no time on both to tell which is newer; nothing was"
                                             f" changed. To take the archive's, move {where}/ elsewhere and run"
                                             " collect again.")
                continue
        if student in late and new_time is None:
            outcome.add("notes", f"{student}: {lms.capitalize()} marks it LATE but gives no submission time, so"
                                 " nbgrader takes no late penalty: write the time from the LMS (e.g."
                                 f" '2024-05-07 15:04:00 UTC') into {where}/{TIMESTAMP} before grading.")


def _unsafe_parent(course, student):
    for path in (course.submitted_dir, course.submitted_dir / student):
        if os.path.lexists(path) and not stat.S_ISDIR(os.lstat(path).st_mode):
            return f"{path.relative_to(course.root)} is not a folder (a link?); nothing was changed."
    return None


def _free(path):
    n, candidate = 1, path
    while os.path.lexists(candidate):
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate
