"""End to end through the real nbgrader CLI, for every section."""
import pytest
from helpers import autograde, cell_scores, marks_lost, release, run_nbgrader, source, submit

from course import notebooks
from course.layout import ROOT, Course

SECTIONS = Course().sections()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(generated_course):
    """alice hands in the reference solutions, carol the untouched release."""
    for section in SECTIONS:
        answers = notebooks.reference_answers(source(section))
        submit(generated_course, "pipeline-alice", section,
               notebooks.fill_answers(release(generated_course, section), answers))
        submit(generated_course, "pipeline-carol", section, release(generated_course, section))
        autograde(generated_course, section, "pipeline-*")
        result = run_nbgrader(generated_course, "generate_feedback", section, "--force",
                              "--student=pipeline-*")
        assert result.returncode == 0, result.stderr
    return generated_course


@pytest.mark.parametrize("section", SECTIONS)
def test_source_notebook_passes_its_own_tests(section):
    result = run_nbgrader(ROOT, "validate", str(ROOT / "source" / section / f"{section}.ipynb"))
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout


@pytest.mark.parametrize("section", SECTIONS)
def test_release_notebook_does_not_pass_validation(generated_course, section):
    path = generated_course / "release" / section / f"{section}.ipynb"
    result = run_nbgrader(generated_course, "validate", str(path))
    assert "Success!" not in result.stdout
    assert "NotImplementedError" in result.stdout


@pytest.mark.parametrize("section", SECTIONS)
def test_reference_solutions_get_full_marks(graded, section):
    assert cell_scores(graded, section, "pipeline-alice")
    assert not marks_lost(graded, section, "pipeline-alice")


@pytest.mark.parametrize("section", SECTIONS)
def test_untouched_release_gets_zero(graded, section):
    scores = cell_scores(graded, section, "pipeline-carol")
    assert scores and all(score == 0 for score, _ in scores.values()), scores


@pytest.mark.parametrize("section", SECTIONS)
def test_feedback_html_is_generated_without_hidden_tests(graded, section):
    for student in ("pipeline-alice", "pipeline-carol"):
        html = (graded / "feedback" / student / section / f"{section}.html").read_text()
        assert "Hidden tests: " in html
        assert "BEGIN HIDDEN TESTS" not in html and "course.grading" not in html
        assert "for the instructor" not in html
