"""Resource limits set in nbgrader_config.py hold under real ``nbgrader autograde``.

Each test builds a course whose config tightens one limit, so the limit (and
not another one) is what stops the student's code.
"""
import pytest
from helpers import autograde, exercise_scores, make_course, submit

from course import build, notebooks
from course.layout import Course

pytestmark = pytest.mark.slow
SECTION = "references"


def _graded_course(folder, config, answers, extra_cells=()):
    """Autograde one submission (student 'limits') under ``config``; return the course."""
    course = make_course(folder)
    with open(course / "nbgrader_config.py", "a") as file:
        file.write("\n" + "\n".join(f"c.IsolatedExecute.{k} = {v!r}" for k, v in config.items()) + "\n")
    build.nbgrader("generate_assignment", SECTION, "--force", root=course, quiet=True)
    release = notebooks.read(course / "release" / SECTION / f"{SECTION}.ipynb")
    reference = notebooks.reference_answers(notebooks.read(course / "source" / SECTION / f"{SECTION}.ipynb"))
    nb = notebooks.fill_answers(release, {**reference, **answers})
    for index, source in extra_cells:
        nb.cells.insert(index, notebooks.nbformat.v4.new_code_cell(source))
    submit(course, "limits", SECTION, nb)
    autograde(course, SECTION)
    return course


def _outputs(course, grade_id):
    nb = notebooks.read(course / "autograded" / "limits" / SECTION / f"{SECTION}.ipynb")
    cell = next(c for c in nb.cells if notebooks.nbgrader_meta(c).get("grade_id") == grade_id)
    return "\n".join(f"{o.get('ename', '')}: {o.get('evalue', '')}" if o.get("output_type") == "error"
                     else str(o.get("text", "")) for o in cell.outputs)


def test_the_cpu_time_limit_stops_a_busy_answer_and_costs_only_its_exercise(tmp_path):
    # The wall-time limits are far away: only the CPU limit can stop this loop.
    course = _graded_course(tmp_path, {"cpu_limit": 2, "cell_timeout": 120, "call_timeout": 120},
                            {"add_to_selected": "while True:\n    pass"})
    assert "used up its CPU-time limit (2 s)" in _outputs(course, "add_to_selected")
    scores = exercise_scores(course, SECTION, "limits")
    assert scores["add_to_selected"][0] == 0
    assert scores["row_norms"][0] == scores["row_norms"][1]


def test_a_submission_has_a_bounded_grading_time(tmp_path):
    # Each cell stays under the cell timeout; together they exceed the notebook's budget.
    slow = "import time\ntime.sleep(1.5)"
    course = _graded_course(tmp_path, {"notebook_timeout": 4, "cell_timeout": 3},
                            {}, extra_cells=[(1, slow), (1, slow), (1, slow), (1, slow)])
    assert "the grading time limit of this notebook was reached" in _outputs(course, "row_norms_test")
    assert exercise_scores(course, SECTION, "limits")["row_norms"][0] == 0


def test_the_memory_limit_is_configurable(tmp_path):
    grab = "blob = bytearray(700 * 2**20)\n" + notebooks.reference_answers(
        notebooks.read(Course().source(SECTION)))["row_norms"]
    course = _graded_course(tmp_path, {"memory_limit": 0.5}, {"row_norms": grab})
    assert "MemoryError" in _outputs(course, "row_norms")
    assert exercise_scores(course, SECTION, "limits")["row_norms"][0] == 0
    score, most = exercise_scores(course, SECTION, "limits")["add_to_selected"]
    assert most > 0 and score == most
