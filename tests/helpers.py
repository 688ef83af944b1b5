"""Helpers the tests share: a throw-away nbgrader course built from this repository's
files, graded with the real nbgrader command line (venv bin/ on PATH, see course.build).

Test modules import it as ``helpers``: pytest's default import mode ("prepend")
puts this folder, which has no ``__init__.py``, first on ``sys.path`` when it
loads conftest.py and the test modules, so nothing here edits the path.
"""
import shutil
from pathlib import Path

from course import build, notebooks
from course.grading import feedback
from course.layout import ROOT, Course


def make_course(folder, demo=False, sections=None):
    """A course folder with this repository's configs (nbgrader_config.py, course.toml), the student
    helpers and source/ (only ``sections`` when given); with ``demo``, also the test corpus that the
    demo class's answers come from (course.demo)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", "course.toml"):
        shutil.copy(ROOT / name, folder)
    for helper in Course().helpers:
        shutil.copy(helper, folder)
    for section in sections or Course().sections():
        shutil.copytree(Course().source(section).parent, Course(folder).source(section).parent, symlinks=True)
    if demo:
        shutil.copytree(Course().corpus_dir, Course(folder).corpus_dir)
    return folder


def run_nbgrader(course, *args):
    return build.nbgrader(*args, root=course, check=False, quiet=True)


def submit(course, student, section, nb):
    notebooks.write(nb, Course(course).submitted(student, section))


def release(course, section):
    return notebooks.read(Course(course).release(section))


def source(section):
    return notebooks.read(Course().source(section))


def cell_scores(course, section, student):
    """``{grade_id: (score, max_score)}`` of the autograded test cells."""
    from nbgrader.api import Gradebook

    with Gradebook(Course(course).db_url) as gradebook:
        submission = gradebook.find_submission_notebook(section, section, student)
        return {g.name: (g.score, g.max_score) for g in submission.grades}


def marks_lost(course, section, student):
    """``{grade_id: "score/max: the failure's text"}`` of the test cells that lost marks: what an
    assertion that a student gets full marks prints, so a failure names the check and its words
    (an empty dict if no cell was graded: the assertion's ``cell_scores`` says that)."""
    graded = notebooks.read(Course(course).autograded(student, section))
    failures = {}
    for cell in graded.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []) if grade_id else ():
            if output.get("output_type") == "error":
                failures[grade_id] = feedback.student_message(output)[:800]
    scores = cell_scores(course, section, student)
    return {grade_id: f"{score:g}/{most:g}: {failures.get(grade_id, 'no error shown')}"
            for grade_id, (score, most) in scores.items() if score != most}


def exercise_scores(course, section, student):
    """``{exercise id: (score, max_score)}``, summing the exercise's test cells."""
    totals = {}
    for grade_id, (score, most) in cell_scores(course, section, student).items():
        exercise = notebooks.exercise_of(grade_id)
        got, top = totals.get(exercise, (0.0, 0.0))
        totals[exercise] = (got + score, top + most)
    return totals


def autograde(course, section, students="*"):
    """Autograde the submissions whose student id matches the glob ``students``."""
    result = run_nbgrader(course, "autograde", section, "--force", f"--student={students}")
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def formgrader_page(course, student, assignment="ps1", notebook="p1"):
    """The HTML page formgrader makes of ``autograded/<student>/<assignment>/<notebook>.ipynb``,
    as its handler makes it: nbgrader's own template, nbconvert's HTML exporter."""
    from nbconvert import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    exporter = HTMLExporter(template_name="formgrade", extra_template_basedirs=[handlers.template_path])
    page, _ = exporter.from_filename(
        str(Path(course) / "autograded" / student / assignment / f"{notebook}.ipynb"),
        resources={"assignment_id": assignment, "notebook_id": notebook, "submission_id": "s", "index": 0,
                   "total": 1, "base_url": "/", "student": student, "last_name": "", "first_name": "",
                   "notebook_path": f"{notebook}.ipynb"})
    return page
