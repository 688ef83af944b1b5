"""A new exercise's cells, appended to a section's source notebook (``course.build new-exercise``).

The cells follow the course's conventions (docs/writing-exercises.md): a read-only statement
``<id>_statement``, the answer cell ``<id>`` (its grade id is the name the student defines), a
test cell ``<id>_test`` worth 2 points with a visible and a hidden part and, with
``vectorized``, a test cell ``<id>_test_vectorized`` worth 1 point. Their contents are
placeholders that fail until the instructor writes them, so a forgotten one cannot pass.
"""
import nbformat

from . import notebooks

STATEMENT = ("**Exercise: `{id}(...)`.** TODO: what `{id}` is given and what it returns, in the words the\n"
             "hidden tests' messages will use; an example with its result.")
ANSWER = ("def {id}(Z):\n"
          "    \"\"\"TODO: one line on what it returns.\"\"\"\n"
          "    ### BEGIN SOLUTION\n"
          "    raise NotImplementedError(\"TODO: the reference solution of {id}\")\n"
          "    ### END SOLUTION")
TEST = ("# TODO: visible tests, the statement's example\n"
        "assert False, \"TODO: the visible tests of {id}\"\n\n"
        "### BEGIN HIDDEN TESTS\n"
        "raise NotImplementedError(\"TODO: the hidden tests of {id}\")\n"
        "### END HIDDEN TESTS")
TEST_VECTORIZED = ("# TODO: a visible call at a size where a loop is slow\n"
                   "assert False, \"TODO: the visible vectorization test of {id}\"\n\n"
                   "### BEGIN HIDDEN TESTS\n"
                   "raise NotImplementedError(\"TODO: check_vectorized({id}, ..., reference=...)\")\n"
                   "### END HIDDEN TESTS")


def cell(kind, grade_id, source, **nbgrader):
    """A cell of ``kind`` ("code" or "markdown") marked for nbgrader: read-only unless ``nbgrader`` says otherwise."""
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source, id=grade_id)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
                                 "solution": False, "task": False, **nbgrader}
    return cell


def exercise_cells(exercise, vectorized=False):
    """The cells of a new exercise ``exercise``, in notebook order."""
    cells = [cell("markdown", f"{exercise}_statement", STATEMENT.format(id=exercise)),
             cell("code", exercise, ANSWER.format(id=exercise), solution=True, locked=False),
             cell("code", f"{exercise}_test", TEST.format(id=exercise), grade=True, points=2)]
    if vectorized:
        cells.append(cell("code", f"{exercise}_test_vectorized", TEST_VECTORIZED.format(id=exercise),
                           grade=True, points=1))
    return cells


def add_exercise(course, section, exercise, vectorized=False):
    """Append the cells of ``exercise`` to ``section``'s source notebook; return the notebook's path.
    Refuses (SystemExit, nothing written) an unknown section, a name that is not a Python
    identifier, or a grade id or cell id the notebook already has."""
    if section not in course.sections():
        raise SystemExit(f"no section {section!r}: the sections are {', '.join(course.sections())}"
                         f" (a section is a folder source/<name>/ holding <name>.ipynb)")
    if not exercise.isidentifier() or "_test" in exercise:
        raise SystemExit(f"{exercise!r} cannot name an exercise: use the Python name the student defines"
                         " (an identifier without '_test', which marks test cells)")
    path = course.source(section)
    nb = notebooks.read(path)
    cells = exercise_cells(exercise, vectorized)
    taken = {c.get("id") for c in nb.cells} | {notebooks.nbgrader_meta(c).get("grade_id") for c in nb.cells}
    clash = sorted(c.id for c in cells if c.id in taken)
    if clash:
        raise SystemExit(f"{path.relative_to(course.root)} already has cells named {', '.join(clash)}:"
                         " nothing added (choose another name, or edit those cells)")
    nb.cells.extend(cells)
    notebooks.write(nb, path)
    return path
