"""Hand-in through an LMS (course.lms): archives in Canvas's and Moodle's naming schemes collected
with real nbgrader zip_collect, hostile entries refused, earlier submissions never lost, and the
grades written as each LMS's import file and read back with the csv module."""
import csv
import io
import stat
import warnings
import zipfile
from datetime import datetime, timezone

import nbformat
import pytest
from sqlalchemy.exc import SAWarning

from course import build
from course.grading.batch_report import NOT_GRADED, AssignmentReport, Submission
from course.layout import Course
from course.lms import archive, collect, export
from course.lms.roster import Roster, RosterError

SECTION = "warmup"
ROSTER = """id,first_name,last_name,email,lms_id,lms_id:warmup,sis_user_id,sis_login_id,section
ann,Ada,Lovelace,ann@uni.example,1001,2001,S1,ann.l,A
ben,Grace,Hopper,ben@uni.example,1002,2002,S2,ben.h,A
cat,Marie,Curie,=cat@uni.example,1003,2003,S3,cat.c,B
"""


def _notebook(text):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(text, id="answer")]   # the same bytes for the same text
    return nbformat.writes(nb).encode()


def _zip(path, entries, links=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


@pytest.fixture
def course(tmp_path):
    from helpers import make_course

    (tmp_path / "course").mkdir()
    root = make_course(tmp_path / "course")
    release = Course(root).release(SECTION)
    release.parent.mkdir(parents=True)
    release.write_bytes(_notebook("# the student version"))
    (tmp_path / "roster.csv").write_text(ROSTER)
    return Course(root)


def _run(course, archive_path, lms, times=None):
    return collect.collect(course.root, SECTION, archive_path, lms, course.root.parent / "roster.csv", times)


# -- the archive alone -------------------------------------------------------------------------------
def test_archive_refuses_escapes_links_and_bombs(tmp_path):
    big = b"\0" * (archive.MAX_FILE_BYTES + 1)   # compresses to a few KiB
    inner = _zip(tmp_path / "inner.zip", {"deep.zip": b"PK", "ok.ipynb": b"{}"})
    source = _zip(tmp_path / "a.zip", {"../../evil.ipynb": b"x", "/abs.ipynb": b"x", "a\x1b[2J.ipynb": b"x",
                                       "bomb.ipynb": big, "fine/ok.ipynb": b"{}",
                                       "student_1_2_work.zip": inner.read_bytes()},
                  links=[("link.ipynb", "/etc/passwd")])
    refused = {r.name: r.reason for r in archive.extract(source, tmp_path / "out")}
    assert "points outside" in refused["../../evil.ipynb"] and "points outside" in refused["/abs.ipynb"]
    assert "control characters" in refused["a\x1b[2J.ipynb"]
    assert "symbolic link" in refused["link.ipynb"]
    assert "MiB" in refused["bomb.ipynb"]
    assert "not opened" in refused["student_1_2_work.zip/deep.zip"]   # nested: one level only
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
                     if p.is_file())
    assert written == ["fine/ok.ipynb", "student_1_2_work.zip", "student_1_2_work/deep.zip",
                       "student_1_2_work/ok.ipynb"]
    assert not (tmp_path / "evil.ipynb").exists() and not any(p.is_symlink() for p in tmp_path.rglob("*"))
    assert "a\\x1b[2J.ipynb" in archive.Refused("a\x1b[2J.ipynb", "x").sentence()   # escaped when shown


def test_archive_counts_the_bytes_it_decompresses(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 3000)
    source = _zip(tmp_path / "a.zip", {f"f{i}.ipynb": b"x" * 1000 for i in range(5)})
    refused = archive.extract(source, tmp_path / "out")
    assert len(list((tmp_path / "out").iterdir())) == 3 and len(refused) == 2


def test_roster_checks_ids():
    with pytest.raises(RosterError, match="not a usable nbgrader id"):
        Roster.parse("id,first_name,last_name,email,lms_id\n../root,a,b,c,1\n")
    with pytest.raises(RosterError, match="also on line 2"):
        Roster.parse("id,first_name,last_name,email,lms_id\na,a,b,c,1\nb,a,b,c,1\n")
    roster = Roster.parse(ROSTER)
    assert roster.find("2002", SECTION).id == "ben" and roster.find("1002", "advanced").id == "ben"


# -- collect through nbgrader zip_collect ------------------------------------------------------------
@pytest.mark.slow
def test_canvas_archive_is_collected_by_roster(course, tmp_path):
    source = _zip(tmp_path / "submissions.zip", {
        "lovelaceada_1001_5001_warmup.ipynb": _notebook("ann = 1"),
        "hoppergrace_LATE_1002_5002_warmup-1.ipynb": _notebook("ben = 1"),   # late, renamed by Canvas
        "strangerx_9999_5003_warmup.ipynb": _notebook("who = 1"),            # not on the roster
        "garbage.ipynb": _notebook("?"),                                       # not Canvas's pattern
        "curiemarie_1003_5004_notes.txt": b"notes",                           # not a notebook
        "../escape.ipynb": b"{}"})
    outcome = _run(course, source, "canvas")
    text = outcome.text()
    assert course.submitted("ann", SECTION).read_bytes() == _notebook("ann = 1")
    assert course.submitted("ben", SECTION).read_bytes() == _notebook("ben = 1")
    assert sorted(p.name for p in course.submitted_dir.iterdir()) == ["ann", "ben"]
    assert not outcome.complete
    assert "strangerx_9999_5003_warmup.ipynb: Canvas id 9999 is not on the roster" in text
    assert "garbage.ipynb: does not follow Canvas's file-name pattern" in text
    assert "../escape.ipynb: its name points outside" in text
    assert "ben: Canvas marks it LATE but gives no submission time" in text
    assert "warmup-1.ipynb taken as warmup.ipynb" in text
    assert (course.root / "downloaded" / SECTION / "collect-report.txt").read_text() == text


@pytest.mark.slow
def test_moodle_archive_keeps_times_and_never_loses_a_submission(course, tmp_path):
    early = {"2001": "2024-05-01T10:00:00+00:00", "2002": "2024-05-01T10:00:00+00:00"}
    first = _zip(tmp_path / "first.zip", {
        "Ada Lovelace_2001_assignsubmission_file_/warmup.ipynb": _notebook("ann = 1"),
        "Grace Hopper_2002_assignsubmission_file_/warmup.ipynb": _notebook("ben = 1"),
        "Marie Curie_2003_assignsubmission_file_/warmup.ipynb": _notebook("cat = 1")})
    assert _run(course, first, "moodle", early).complete
    assert course.submission("ann", SECTION).joinpath("timestamp.txt").read_text() == "2024-05-01 10:00:00"
    assert not course.submission("cat", SECTION).joinpath("timestamp.txt").exists()   # the LMS gave no time
    second = _zip(tmp_path / "second.zip", {
        "Ada Lovelace_2001_assignsubmission_file_/warmup.ipynb": _notebook("ann = 2"),   # newer
        "Grace Hopper_2002_assignsubmission_file_/warmup.ipynb": _notebook("ben = 0"),   # older
        "Marie Curie_2003_assignsubmission_file_/warmup.ipynb": _notebook("cat = 2")})   # no time to compare
    later = {"2001": "2024-05-02T10:00:00+00:00", "2002": "2024-04-30T10:00:00+00:00",
             "2003": "2024-05-02T10:00:00+00:00"}
    outcome = _run(course, second, "moodle", later)
    text = outcome.text()
    assert course.submitted("ann", SECTION).read_bytes() == _notebook("ann = 2")
    kept = list((course.root / "downloaded" / SECTION / "replaced").iterdir())
    assert [p.name for p in kept] == ["ann-20240501T100000"]
    assert (kept[0] / "warmup.ipynb").read_bytes() == _notebook("ann = 1")
    assert "ann: REPLACED the earlier submission" in text
    assert course.submitted("ben", SECTION).read_bytes() == _notebook("ben = 1")
    assert "ben: kept the submission already in submitted/ben/warmup/" in text
    assert course.submitted("cat", SECTION).read_bytes() == _notebook("cat = 1")
    assert "cat: submitted/cat/warmup/ already holds a different submission" in text and not outcome.complete
    # the same archive again changes nothing
    assert "ann: unchanged" in _run(course, second, "moodle", later).text()


def test_moodle_worksheet_times(tmp_path):
    sheet = tmp_path / "worksheet.csv"
    sheet.write_text("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
                     "Last modified (submission),Last modified (grade),Feedback comments\n"
                     'Participant 2001,Ada Lovelace,a@x,Submitted,,10,Yes,"Wednesday, 1 May 2024, 12:00 PM",-,\n'
                     "Participant 2002,Grace Hopper,b@x,No submission,,10,Yes,-,-,\n")
    assert collect.moodle_times(sheet, "Europe/Paris") == {"2001": "2024-05-01T10:00:00+00:00"}


# -- export ------------------------------------------------------------------------------------------
@pytest.fixture
def graded(course):
    """A gradebook: ann 8 of 10, ben 9 less a late penalty of 4, cat handed in a notebook nbgrader
    could not read (not graded)."""
    from nbgrader.api import Gradebook

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", build.tool_environ()["PATH"])
        Gradebook(course.db_url).close()
    with Gradebook(course.db_url) as gradebook:
        gradebook.add_assignment(SECTION)
        gradebook.add_notebook(SECTION, SECTION)
        gradebook.add_grade_cell("t", SECTION, SECTION, max_score=10.0, cell_type="code")
        for student, points, late in (("ann", 8.0, 0.0), ("ben", 9.0, 4.0), ("cat", 0.0, 0.0)):
            gradebook.add_student(student)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)
                gradebook.add_submission(SECTION, student)
            gradebook.find_grade("t", SECTION, SECTION, student).auto_score = points
            gradebook.find_submission_notebook(SECTION, SECTION, student).late_submission_penalty = late
            gradebook.db.commit()
    batch = AssignmentReport(SECTION, finished=True, submissions={
        "ann": Submission("ann", expected=[SECTION]), "ben": Submission("ben", expected=[SECTION]),
        "cat": Submission("cat", expected=[SECTION], ungraded=[SECTION], problems=[[NOT_GRADED, "empty"]])})
    course.reports_dir.mkdir()
    course.report(SECTION, ".json").write_text(batch.to_json())
    return course


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.slow
def test_canvas_import_file(graded):
    [(path, lines)] = export.export(graded.root, "canvas", graded.root.parent / "roster.csv", [SECTION],
                                    columns={SECTION: "Warm-up (4321)"})
    rows = _read(path)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Warm-up (4321)"]
    assert rows[1:] == [["Lovelace, Ada", "1001", "S1", "ann.l", "A", "8"],
                        ["Hopper, Grace", "1002", "S2", "ben.h", "A", "5"],     # 9 less the late penalty
                        ["Curie, Marie", "1003", "S3", "cat.c", "B", ""]]      # not graded: empty, not 0
    assert lines == []


@pytest.mark.slow
def test_moodle_import_file(graded):
    [(path, _)] = export.export(graded.root, "moodle", graded.root.parent / "roster.csv", [SECTION])
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(export.MOODLE_COLUMNS)
    assert [(r["Identifier"], r["Full name"], r["Email address"], r["Grade"], r["Maximum Grade"]) for r in rows] == [
        ("Participant 2001", "Ada Lovelace", "ann@uni.example", "8", "10"),
        ("Participant 2002", "Grace Hopper", "ben@uni.example", "5", "10"),
        ("Participant 2003", "Marie Curie", "'=cat@uni.example", "", "10")]   # a formula made inert
    assert all(datetime.fromisoformat(r["Last modified (grade)"]).tzinfo == timezone.utc for r in rows)


@pytest.mark.slow
def test_the_commands_as_an_instructor_types_them(graded, tmp_path):
    import subprocess
    import sys

    def command(*args):
        return subprocess.run([sys.executable, "-m", "course.build", *args, "--root", str(graded.root)],
                              capture_output=True, text=True, env=build.tool_environ(), timeout=300)

    archive_path = _zip(tmp_path / "canvas.zip", {"lovelaceada_1001_5001_warmup.ipynb": _notebook("ann = 2"),
                                                 "strangerx_9999_5003_warmup.ipynb": _notebook("who = 1")})
    roster = str(graded.root.parent / "roster.csv")
    collected = command("collect", SECTION, str(archive_path), "--lms", "canvas", "--roster", roster)
    assert collected.returncode == 1, collected.stderr          # one file was not collected: said so
    assert "Canvas id 9999 is not on the roster" in collected.stdout + collected.stderr
    assert graded.submitted("ann", SECTION).read_bytes() == _notebook("ann = 2")
    out = tmp_path / "grades.csv"
    exported = command("lms-export", SECTION, "--lms", "canvas", "--roster", roster,
                       "--column", f"{SECTION}=Warm-up (4321)", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert _read(out)[0][-1] == "Warm-up (4321)" and _read(out)[2][-1] == "5"
