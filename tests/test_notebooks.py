"""Reading and filling notebooks (course.notebooks): the course's conventions, parsed here only."""
import pytest

from course import notebooks
from course.layout import Course


@pytest.mark.parametrize("grade_id, exercise", [
    ("reverse_test", "reverse"), ("random_walk_test_vectorized", "random_walk"),
    ("Perceptron_test_learning", "Perceptron"), ("reverse", None), ("cell-3f2a", None)])
def test_a_test_cell_belongs_to_the_exercise_its_grade_id_names(grade_id, exercise):
    assert notebooks.exercise_of(grade_id) == exercise


def test_every_test_cell_of_the_course_belongs_to_an_exercise_of_its_notebook():
    course = Course()
    for section in course.sections():
        nb = notebooks.read(course.source(section))
        tests = [notebooks.nbgrader_meta(c)["grade_id"] for c in nb.cells if notebooks.is_test(c)]
        assert tests and {notebooks.exercise_of(t) for t in tests} == set(notebooks.exercises(nb)), section


def test_an_answer_file_holds_one_answer_per_marker_and_fills_a_notebook(tmp_path):
    path = tmp_path / "answers.py"
    path.write_text("# who wrote these\n\n# %% reverse\ndef reverse(Z):\n    return Z[::-1]\n\n\n# %% nan_results\nx = 1\n")
    answers = notebooks.read_answer_file(path)
    assert answers == {"reverse": "def reverse(Z):\n    return Z[::-1]\n", "nan_results": "x = 1\n"}
    filled = notebooks.fill_answers(notebooks.read(Course().release("warmup")), answers)
    assert [c.source for c in filled.cells if notebooks.nbgrader_meta(c).get("grade_id") == "reverse"] \
        == ["def reverse(Z):\n    return Z[::-1]"]
    with pytest.raises(KeyError, match="no_such_exercise"):
        notebooks.fill_answers(filled, {"no_such_exercise": "pass\n"})
