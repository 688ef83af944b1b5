"""Files in a submission that are not plain files (links, FIFOs, devices, hard links).

The unit tests check :mod:`course.grading.submission_files` on its own; the
batch grades attackers through real ``nbgrader autograde`` and
``generate_feedback``, each followed by an honest student who must still get
full marks.
"""
import hashlib
import os
import stat
import subprocess
import time

import pytest
from helpers import cell_scores, make_course, marks_lost

from course import build, notebooks
from course.layout import ROOT, Course
from course.grading import batch_report, submission_files
from course.grading.submission_files import UnsafeFile, read_file, scan

SECTION = "references"
HARVEST = (ROOT / "tests" / "corpus" / "integrity" / "harvest_cell.py").read_text()


# -- the gate on its own ---------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path):
    submission = tmp_path / "submitted" / "mallory" / SECTION
    submission.mkdir(parents=True)
    (tmp_path / "secret.db").write_bytes(b"SQLite format 3\0")
    return submission


def test_regular_files_are_accepted_and_everything_else_is_rejected_with_a_reason(folder):
    (folder / "answers.ipynb").write_text("{}")
    (folder / "data").mkdir()
    (folder / "data" / "points.csv").write_text("1,2\n")
    (folder / "notes.txt").symlink_to("../../../secret.db")
    (folder / "pipe").parent.mkdir(exist_ok=True)
    os.mkfifo(folder / "pipe")
    (folder / "zero").symlink_to("/dev/zero")
    (folder / "everything").symlink_to("../../..")
    os.link(folder.parents[2] / "secret.db", folder / "twin.db")
    found = scan(folder)
    assert found.accepted == ["answers.ipynb", os.path.join("data", "points.csv")]
    assert {r.path: r.reason for r in found.rejected} == {
        "everything": "is a symbolic link, not a file",
        "notes.txt": "is a symbolic link, not a file",
        "pipe": "is a named pipe (FIFO), not a file",
        "twin.db": "is a hard link shared with another file",
        "zero": "is a symbolic link, not a file",
    }


def test_a_submission_folder_that_is_a_link_is_not_read(folder):
    linked = folder.parent / "advanced"
    linked.symlink_to(folder)
    assert scan(linked).unusable == "the submission folder is a symbolic link; nothing in it was read"
    student = folder.parents[1] / "trudy"
    student.symlink_to(folder.parent)
    assert "the student's folder is a symbolic link" in scan(student / SECTION).unusable


def test_sizes_are_bounded_per_file_and_per_submission(folder, monkeypatch):
    monkeypatch.setattr(submission_files, "MAX_TOTAL_BYTES", 250)
    (folder / "a.bin").write_bytes(b"x" * 200)
    (folder / "b.bin").write_bytes(b"x" * 100)
    (folder / "timestamp.txt").write_bytes(b"2026-12-01 10:00:00" + b" " * 5000)
    found = scan(folder)
    assert found.accepted == ["a.bin"]
    assert found.reason_for("b.bin") == "would take the submission past 0 MiB"
    assert found.reason_for("timestamp.txt") == "is larger than 4096 bytes"


def test_a_folder_with_too_many_entries_is_looked_at_only_up_to_the_limit(folder, monkeypatch):
    monkeypatch.setattr(submission_files, "MAX_ENTRIES", 10)
    for i in range(50):
        (folder / f"f{i:02}.txt").write_text("x")
    found = scan(folder)
    assert len(found.accepted) == 10
    assert found.reason_for(".") == "holds more than 10 entries; the rest were not looked at"


def test_reading_a_fifo_or_a_device_link_fails_at_once(folder):
    os.mkfifo(folder / "answers.ipynb")
    (folder / "zero.ipynb").symlink_to("/dev/zero")
    start = time.monotonic()
    with pytest.raises(UnsafeFile, match="named pipe"):
        read_file(folder / "answers.ipynb")
    with pytest.raises(UnsafeFile, match="symbolic link"):
        read_file(folder / "zero.ipynb")
    assert time.monotonic() - start < 5


def test_reading_is_capped(folder):
    (folder / "big.ipynb").write_bytes(b"x" * 1000)
    assert read_file(folder / "big.ipynb", limit=1000) == b"x" * 1000
    with pytest.raises(UnsafeFile, match="larger than 999 bytes"):
        read_file(folder / "big.ipynb", limit=999)


# -- real nbgrader: attackers, each followed by an honest student -------------------------------
def _fifo(path):
    os.mkfifo(path)


def _link(target):
    return lambda path: path.symlink_to(target)


GRADEBOOK, SOURCE = "../../../gradebook.db", f"../../../source/{SECTION}/{SECTION}.ipynb"
# student -> {file name: "harvest" | "honest" | function(path)}; "." is the submission folder itself
ATTACKERS = {
    "attack-links": {f"{SECTION}.ipynb": "harvest", "notes.txt": _link(GRADEBOOK),
                     "solutions.txt": _link(SOURCE), "course": _link("../../.."),
                     "absolute.txt": lambda p: p.symlink_to(p.parents[3] / "source" / SECTION / f"{SECTION}.ipynb")},
    "attack-hard-link": {f"{SECTION}.ipynb": "harvest",
                         "notes.txt": lambda p: os.link(p.parents[3] / "gradebook.db", p)},
    "attack-notebook-link": {f"{SECTION}.ipynb": _link(SOURCE)},
    "attack-notebook-fifo": {f"{SECTION}.ipynb": _fifo},
    "attack-notebook-dev-zero": {f"{SECTION}.ipynb": _link("/dev/zero")},
    "attack-folder-link": {".": _link(f"../../source/{SECTION}")},
    "attack-timestamp-fifo": {f"{SECTION}.ipynb": "honest", "timestamp.txt": _fifo},
    "attack-zero-extra": {f"{SECTION}.ipynb": "honest", "data.bin": _link("/dev/zero")},
}
NOT_GRADED = {
    "attack-notebook-link": f"{SECTION}.ipynb is a symbolic link, not a file; it was not read.",
    "attack-notebook-fifo": f"{SECTION}.ipynb is a named pipe (FIFO), not a file; it was not read.",
    "attack-notebook-dev-zero": f"{SECTION}.ipynb is a symbolic link, not a file; it was not read.",
    "attack-folder-link": "the submission folder is a symbolic link; nothing in it was read.",
    "attack-timestamp-fifo": "timestamp.txt is a named pipe (FIFO), not a file; the submission time cannot be read.",
}


def _state(folder):
    """What is in a folder, without following links or opening FIFOs."""
    state = {}
    for path in sorted(folder.rglob("*")):
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            state[path] = "-> " + os.readlink(path)
        elif stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            state[path] = f"hard link to inode {st.st_ino}"  # the gradebook: nbgrader writes it
        elif stat.S_ISREG(st.st_mode):
            state[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            state[path] = stat.filemode(st.st_mode)
    return state


def _harvest_notebook(stub):
    first = notebooks.exercises(stub)[0]
    return notebooks.fill_answers(stub, {first: HARVEST})


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("files"))
    build.nbgrader("generate_assignment", SECTION, "--force", root=course, quiet=True)
    stub = notebooks.read(course / "release" / SECTION / f"{SECTION}.ipynb")
    honest = notebooks.fill_answers(stub, notebooks.reference_answers(
        notebooks.read(course / "source" / SECTION / f"{SECTION}.ipynb")))
    made = {"harvest": _harvest_notebook(stub), "honest": honest}
    for attacker, files in ATTACKERS.items():
        for student, entries in ((attacker, files), (attacker + "-honest", {f"{SECTION}.ipynb": "honest"})):
            folder = course / "submitted" / student / SECTION
            folder.parent.mkdir(parents=True)
            if "." in entries:
                entries["."](folder)
                continue
            folder.mkdir()
            for name, what in entries.items():
                if isinstance(what, str):
                    notebooks.write(made[what], folder / name)
                else:
                    what(folder / name)
    before = _state(course / "submitted")
    command = [build.sys.executable, "-m", "nbgrader", "autograde", SECTION, "--force"]
    # A FIFO that blocked nbgrader would hang the suite: bound the whole batch.
    graded = subprocess.run(command, cwd=course, env=build.tool_environ(), capture_output=True,
                            text=True, timeout=900)
    feedback = subprocess.run([*command[:3], "generate_feedback", SECTION, "--force"], cwd=course,
                              env=build.tool_environ(), capture_output=True, text=True, timeout=900)
    return course, graded, feedback, before, _state(course / "submitted")


def _report_lines(course, student):
    report = Course(course).report(SECTION).read_text()
    return [line.strip()[len(student):].strip() for line in report.splitlines()
            if line.strip().startswith(student + " ")]


@pytest.mark.slow
def test_the_batch_finishes_and_names_the_students_it_could_not_grade(batch):
    course, graded, feedback, _, _ = batch
    assert graded.returncode == 1, graded.stderr
    assert batch_report.load(course, SECTION).not_graded() == set(NOT_GRADED)
    assert feedback.returncode == 0, feedback.stderr


@pytest.mark.slow
@pytest.mark.parametrize("attacker", ATTACKERS)
def test_the_honest_student_after_each_attacker_gets_full_marks(batch, attacker):
    course = batch[0]
    scores = cell_scores(course, SECTION, attacker + "-honest")
    assert scores and all(most > 0 for _, most in scores.values()), scores
    assert not marks_lost(course, SECTION, attacker + "-honest")


@pytest.mark.slow
@pytest.mark.parametrize("attacker", ["attack-links", "attack-hard-link"])
def test_files_beside_the_notebook_give_the_student_nothing(batch, attacker):
    course = batch[0]
    scores = cell_scores(course, SECTION, attacker)
    assert scores and all(score == 0 for score, _ in scores.values()), scores
    graded = notebooks.read(course / "autograded" / attacker / SECTION / f"{SECTION}.ipynb")
    outputs = [str(o) for cell in graded.cells for o in cell.get("outputs", [])]
    assert not any("LEAKED" in text for text in outputs)


@pytest.mark.slow
@pytest.mark.parametrize("attacker, words", sorted(NOT_GRADED.items()))
def test_a_notebook_or_folder_that_is_not_a_plain_file_is_not_graded(batch, attacker, words):
    course = batch[0]
    assert words in _report_lines(course, attacker)
    assert not (course / "autograded" / attacker / SECTION / f"{SECTION}.ipynb").exists()


@pytest.mark.slow
def test_an_extra_file_that_is_not_a_plain_file_is_reported_and_not_copied(batch):
    course = batch[0]
    assert _report_lines(course, "attack-links") == [
        f"{name} is a symbolic link, not a file; it was not copied."
        for name in ("absolute.txt", "course", "notes.txt", "solutions.txt")]
    assert _report_lines(course, "attack-zero-extra") == ["data.bin is a symbolic link, not a file; it was not copied."]
    scores = cell_scores(course, SECTION, "attack-zero-extra")
    assert all(score == most for score, most in scores.values())


@pytest.mark.slow
def test_no_course_file_reaches_autograded_or_feedback(batch):
    course = batch[0]
    for top in ("autograded", "feedback"):
        for path in (course / top).rglob("*"):
            assert not path.is_symlink(), path
            if path.is_file() and path.suffix not in (".ipynb", ".html"):
                data = path.read_bytes()
                assert not data.startswith(b"SQLite format 3") and b"### BEGIN SOLUTION" not in data, path
        for page in (course / top).rglob("*.html"):
            assert "from course.grading import" not in page.read_text(), page  # a hidden test's line
    names = {p.name for p in (course / "autograded").rglob("*")}
    assert not names & {"notes.txt", "solutions.txt", "absolute.txt", "course", "data.bin"}


@pytest.mark.slow
def test_submissions_are_left_as_they_were(batch):
    _, _, _, before, after = batch
    assert before == after
