"""Wheats and chaffs: alternative answers graded through real `nbgrader autograde`.

tests/corpus/<section>/correct_*.py and wrong_*.py each hold one simulated
submission (``# %% <exercise id>`` before each answer). Every correct answer
must get full marks on its exercise; every wrong one must lose marks on it,
and each wrong answer states, in a ``# feedback: <words>`` line, the words
that the feedback on its exercise must contain: the name of its mistake.
"""
from collections import Counter

import pytest
from helpers import autograde, exercise_scores, marks_lost, release, source, submit

from course import notebooks
from course.grading import feedback
from course.layout import ROOT, Course

pytestmark = pytest.mark.slow
CORPUS = ROOT / "tests" / "corpus"
FILES = sorted(CORPUS.glob("*/correct_*.py")) + sorted(CORPUS.glob("*/wrong_*.py"))
CASES = [(path.parent.name, path.stem, exercise)
         for path in FILES for exercise in notebooks.read_answer_file(path)]


def _student(stem):
    return "corpus-" + stem.replace("_", "-")


def _graded_file(item):
    """``(section, stem)`` of the corpus file a selected test judges, or None."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    return (params["section"], params["stem"]) if "stem" in params else None


@pytest.fixture(scope="module")
def corpus_course(generated_course, request):
    """The corpus files that the selected tests judge, graded: all of them in a whole run, only
    those answering one exercise with ``-k <id>``."""
    wanted = {_graded_file(item) for item in request.session.items if item.module is request.module} - {None}
    for section in sorted({section for section, _ in wanted}):
        for path in FILES:
            if (path.parent.name, path.stem) in wanted and path.parent.name == section:
                answers = notebooks.read_answer_file(path)
                submit(generated_course, _student(path.stem), section,
                       notebooks.fill_answers(release(generated_course, section), answers))
        autograde(generated_course, section, "corpus-*")
    return generated_course


def test_corpus_has_two_correct_and_two_wrong_answers_per_exercise():
    for section in sorted({path.parent.name for path in FILES}):
        correct = Counter(e for s, stem, e in CASES if s == section and stem.startswith("correct"))
        wrong = Counter(e for s, stem, e in CASES if s == section and stem.startswith("wrong"))
        for exercise in notebooks.exercises(source(section)):
            assert correct[exercise] >= 2 and wrong[exercise] >= 2, (section, exercise)


@pytest.mark.parametrize("section, stem, exercise",
                         [c for c in CASES if c[1].startswith("correct")])
def test_correct_answer_gets_full_marks(corpus_course, section, stem, exercise):
    score, most = exercise_scores(corpus_course, section, _student(stem))[exercise]
    assert most > 0 and score == most, (
        f"{stem}: {exercise} got {score}/{most}: {marks_lost(corpus_course, section, _student(stem))}")


@pytest.mark.parametrize("section, stem, exercise",
                         [c for c in CASES if c[1].startswith("wrong")])
def test_wrong_answer_loses_marks(corpus_course, section, stem, exercise):
    score, most = exercise_scores(corpus_course, section, _student(stem))[exercise]
    assert score < most, f"{stem}: {exercise} got full marks ({score}/{most})"


def student_messages(course, section, student, exercise):
    """The lines the student reads for the failed test cells of ``exercise``."""
    graded = notebooks.read(Course(course).autograded(student, section))
    return [feedback.student_message(output) for cell in graded.cells if notebooks.is_test(cell)
            and notebooks.exercise_of(notebooks.nbgrader_meta(cell).get("grade_id", "")) == exercise
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


@pytest.mark.parametrize("section, stem, exercise",
                         [c for c in CASES if c[1].startswith("wrong")])
def test_wrong_answer_feedback_names_its_mistake(corpus_course, section, stem, exercise):
    words = notebooks.feedback_words(notebooks.read_answer_file(CORPUS / section / f"{stem}.py")[exercise])
    assert words, f"{stem}.py: the answer to {exercise} states no '# feedback: <words>' line"
    messages = student_messages(corpus_course, section, _student(stem), exercise)
    assert any(words.lower() in message.lower() for message in messages), (words, messages)
