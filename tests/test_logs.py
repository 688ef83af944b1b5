"""What a grading run prints (course.grading.logs): nbgrader's warnings of known, harmless cause
lowered, one line per submission, and a loud banner when nbgrader_config.py cannot load the course."""
import logging
import warnings

import pytest
from helpers import make_course, release, run_nbgrader, source, submit

from course import build, notebooks
from course.grading import logs

CHECKSUM = ("Attribute 'checksum' for cell {} has changed! (should be: b00fca78b0e4ea3cda09b50149edf966,"
            " got: aa7ee50aaf805b2eaa39e9866960d467)")


def test_only_the_checksum_warnings_of_test_cells_are_known_to_be_harmless():
    assert logs.harmless(CHECKSUM.format("row_norms_test")) and logs.harmless(CHECKSUM.format("tint_test_vectorized"))
    assert not logs.harmless(CHECKSUM.format("md-reading-2"))     # a read-only cell the student edited
    assert not logs.harmless(CHECKSUM.format("row_norms"))        # an answer cell
    assert not logs.harmless("Removing existing assignment: /course/autograded/alice/references")


def test_a_harmless_warning_is_lowered_to_debug_and_others_are_kept():
    previous = logging.getLogRecordFactory()
    logs.install()
    try:
        logger = logging.getLogger("AutogradeApp-test")
        known = logger.makeRecord("x", logging.WARNING, "f", 1, CHECKSUM.format("reverse_test"), (), None)
        other = logger.makeRecord("x", logging.WARNING, "f", 1, CHECKSUM.format("md-intro"), (), None)
    finally:
        logging.setLogRecordFactory(previous)
    assert (known.levelno, known.levelname) == (logging.DEBUG, "DEBUG")
    assert (other.levelno, other.levelname) == (logging.WARNING, "WARNING")


def test_the_autoflush_warning_of_nbgrader_is_ignored():
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        logs.install()
        warnings.warn("Object of type <SubmittedAssignment> not in session, add operation along "
                      "'Assignment.submissions' will not proceed", SAWarning)
        warnings.warn("another SQLAlchemy warning", SAWarning)
    assert [str(w.message) for w in seen] == ["another SQLAlchemy warning"]


@pytest.fixture(scope="module")
def clean_course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("logs"))
    build.nbgrader("generate_assignment", "references", "--force", root=course, quiet=True)
    honest = notebooks.fill_answers(release(course, "references"), notebooks.reference_answers(source("references")))
    for student in ("alice", "bob"):
        submit(course, student, "references", honest)
    return course


@pytest.mark.slow
def test_a_clean_batch_prints_one_line_per_submission(clean_course):
    result = run_nbgrader(clean_course, "autograde", "references", "--log-level=WARN")
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0 and len(lines) == 2, lines
    assert all(line.startswith("graded references of ") and "sandbox: " in line for line in lines)


@pytest.mark.slow
def test_a_config_that_cannot_load_the_course_is_the_loudest_line(clean_course, tmp_path):
    # A broken course package beside nbgrader_config.py (the course root comes first on the path)
    (clean_course / "course").mkdir()
    (clean_course / "course" / "__init__.py").write_text("raise ImportError('a package the course needs')\n")
    try:
        with pytest.raises(SystemExit) as refused:   # course.build refuses to go on, saying why
            run_nbgrader(clean_course, "autograde", "references", "--student=nobody")
    finally:
        (clean_course / "course" / "__init__.py").unlink()
        (clean_course / "course").rmdir()
    output = str(refused.value).split(":\n", 1)[1]   # what nbgrader printed on stderr
    assert "THE COURSE'S GRADING PROTECTIONS DID NOT LOAD" in output and "a package the course needs" in output
    assert output.lstrip().startswith("!" * 78), output[:500]   # before anything nbgrader prints
