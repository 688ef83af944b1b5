"""The demo class: five students who show what grading does.

It lives in a course folder of its own, ``demo/`` (``Course.demo()``, made by
:func:`prepare` from the course's config, helpers, source/ and test corpus), with
its own submitted/, autograded/, feedback/, reports/ and gradebook.db: the main
job grades it there and never writes into the course's own class. The folder is
derived data, made afresh by every run and not committed.

- alice hands in the reference solutions;
- bob makes typical mistakes: each of his answers is one of the test corpus
  (tests/corpus/<section>/), named in BOB, so it is written once and the
  corpus tests grade it on its own;
- carol hands in the untouched release;
- dave solves the warmup, but his notebook is mangled the way notebooks get
  mangled: an answer cell pasted twice, a test cell turned into Markdown, a
  test cell deleted, another kernel. The grader repairs its own copy;
- erin's references notebook was renamed by her browser's download; it cannot
  be graded, and the batch report says how to fix that.
"""
import copy
import shutil

from . import notebooks

MARKER = ".course-demo"   # marks a folder as the demo's own (made afresh by every run)

# bob's answers: {section: {corpus file: the exercises he answers with that file's answer}}.
# The exercises of a section left out here stay unanswered in his notebook.
BOB = {
    "warmup": {
        "correct_b": ("random_walk", "vector_10_to_49", "null_vector", "reverse", "matrix_0_to_8",
                      "identity", "repeat_copy", "heat_equation"),
        "wrong_a": ("find_subsequence", "border_ones", "nan_results", "compute_strides", "repeat_view"),
        "wrong_c": ("negate_between",),
    },
    "advanced": {
        "correct_bob": ("Perceptron",),
        "wrong_bob": ("square_dtype", "make_squares", "transform_squares", "train_perceptron",
                      "two_layer_step"),
        "wrong_ufunc_a": ("valid_means", "sum_by_label"),
        "wrong_ufunc_b": ("drawdown",),
    },
    "references": {
        "wrong_bob": ("add_to_selected", "row_norms", "add_row_vector", "tint", "resize_nearest"),
    },
}


def answers(course, section, student):
    """The answers ``student`` hands in for ``section``, by exercise id."""
    if student == "alice":
        return notebooks.reference_answers(notebooks.read(course.source(section)))
    if student == "bob":
        chosen = {}
        for name, exercises in BOB.get(section, {}).items():
            corpus = notebooks.read_answer_file(course.corpus(section, name))
            chosen.update((exercise, notebooks.without_feedback_words(corpus[exercise]))
                          for exercise in exercises)
        return chosen
    return {}


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if notebooks.nbgrader_meta(c).get("grade_id") == grade_id)


def mangle(nb):
    """dave's notebook: what copy-paste and misclicks do to a notebook."""
    tests = [notebooks.nbgrader_meta(c)["grade_id"] for c in nb.cells if notebooks.is_test(c)]
    first_answer = notebooks.exercises(nb)[0]
    pasted = copy.deepcopy(nb.cells[_index(nb, first_answer)])
    pasted.id = f"{first_answer}-pasted"
    nb.cells.insert(_index(nb, first_answer) + 1, pasted)
    retyped = nb.cells[_index(nb, tests[0])]
    retyped.cell_type = "markdown"
    del retyped["outputs"], retyped["execution_count"]
    del nb.cells[_index(nb, tests[-1])]
    nb.metadata["kernelspec"] = {"name": "python3-old", "display_name": "Python 3 (old)", "language": "python"}
    return nb


def submissions(course, section):
    """``(student, file name, notebook text)`` of everything handed in for ``section``."""
    release = notebooks.read(course.release(section))
    for student in ("alice", "bob", "carol"):
        nb = notebooks.fill_answers(release, answers(course, section, student))
        yield student, f"{section}.ipynb", notebooks.dumps(notebooks.normalize(nb))
    reference = notebooks.fill_answers(release, answers(course, section, "alice"))
    if section == "warmup":
        # As handed in: normalising would undo the changed kernel.
        yield "dave", f"{section}.ipynb", notebooks.dumps(mangle(notebooks.normalize(reference)))
    if section == "references":
        yield "erin", f"{section} (1).ipynb", notebooks.dumps(notebooks.normalize(reference))


def build_class(course):
    """Write submitted/<student>/<section>/ of the demo class into ``course`` (a layout.Course:
    the demo's own folder, or a throw-away course in the tests)."""
    for section in course.sections():
        for student, name, text in submissions(course, section):
            path = course.submission(student, section) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text() != text:
                path.write_text(text)


def prepare(course):
    """Make ``course.demo()`` afresh: the course's nbgrader_config.py, course.toml, helpers,
    source/ and test corpus, and no class yet. Return it (a layout.Course)."""
    demo = course.demo()
    folder = demo.root
    if folder.exists():
        if any(folder.iterdir()) and not (folder / MARKER).exists():
            raise SystemExit(f"{folder} is not the demo class's folder ({MARKER} missing): not building there")
        shutil.rmtree(folder)
    folder.mkdir()
    (folder / MARKER).write_text("Made by the main job (course.demo.prepare): removed and made again by every run.\n")
    for name in ("nbgrader_config.py", "course.toml"):
        if (course.root / name).exists():
            shutil.copy(course.root / name, folder / name)
    for helper in course.helpers:
        shutil.copy(helper, folder / helper.name)
    for section in course.sections():   # links kept: tools.py in source/<section>/ points at the copy above
        shutil.copytree(course.source(section).parent, demo.source(section).parent, symlinks=True)
    if course.corpus_dir.exists():
        shutil.copytree(course.corpus_dir, demo.corpus_dir)
    return demo
