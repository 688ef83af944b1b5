"""Intake of submissions: find what is malformed, repair the grader's copy, report it.

Two entry points, both configured in nbgrader_config.py:

- :func:`inspect_submission`, nbgrader's ``pre_convert_hook``, runs once per
  submission before nbgrader reads it: files that are not notebooks, renamed,
  missing or extra notebooks, folders without a notebook.
- :class:`RepairSubmission`, the first sanitize preprocessor, works on the
  copy of the notebook nbgrader is about to grade: duplicated, unknown or
  altered nbgrader cell metadata, changed cell types, deleted read-only and
  test cells, a different kernel.

The student's file is only ever read. Every finding goes to the batch report
(:mod:`course.grading.batch_report`) in plain words.
"""
import glob
import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import notebooks
from . import batch_report, submission_files
from .batch_report import AS_HANDED_IN, NOT_GRADED, REPAIRED
from .quoting import printable

SEMANTIC_KEYS = ("grade", "solution", "locked", "task", "points", "grade_id")
# Optional keys of nbgrader's schema 3 and the value nbgrader reads when one is absent
# (its own example notebooks have no "task"): absent and that value are the same metadata.
OPTIONAL_FLAGS = {"grade": False, "solution": False, "locked": False, "task": False}

_converter = None  # the converter whose pre_convert_hook runs (see install)


def install():
    """Let :func:`inspect_submission` find the converter that calls it: nbgrader passes a
    hook only names, and a converter made through nbgrader's API (formgrader's autograde
    button) is not AutogradeApp's, so its configured course directory (``db_url``,
    ``submitted_directory``) would be missed."""
    from nbgrader.converters.base import BaseConverter

    if getattr(BaseConverter.run_pre_convert_hook, "_course_intake", False):
        return
    original = BaseConverter.run_pre_convert_hook

    def run_pre_convert_hook(self):
        global _converter
        _converter = self
        try:
            return original(self)
        finally:
            _converter = None

    run_pre_convert_hook._course_intake = True
    BaseConverter.run_pre_convert_hook = run_pre_convert_hook


def _coursedir():
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.coursedir import CourseDirectory

    if _converter is not None and getattr(_converter, "coursedir", None) is not None:
        return _converter.coursedir
    if AutogradeApp.initialized():
        return AutogradeApp.instance().coursedir
    return CourseDirectory(root=str(Path.cwd()))


def _meaning(meta, key):
    """What nbgrader reads in ``meta[key]``: an absent flag is False, and a grade cell that is
    not a solution is locked whatever its "locked" says (nbgrader.utils.is_locked)."""
    if key == "locked":
        return not meta.get("solution", False) and bool(meta.get("grade", False) or meta.get("locked", False))
    return meta.get(key, OPTIONAL_FLAGS.get(key))


def _same(meta, expected, key):
    return _meaning(meta, key) == _meaning(expected, key)


def _expected_notebooks(coursedir, assignment):
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        try:
            return [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            return []


def notebook_file_problem(path):
    """Why the file at ``path`` cannot be graded as a notebook, or None."""
    try:
        raw = submission_files.read_file(path)
    except OSError as error:  # UnsafeFile says why in plain words
        return f"{error}; it was not read" if isinstance(error, submission_files.UnsafeFile) \
            else f"cannot be read ({error.strerror})"
    if not raw.strip():
        return "is empty"
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return "is not a notebook file: it is not text"
    except json.JSONDecodeError as error:
        return f"is not a notebook file: it is not valid JSON (line {error.lineno}, column {error.colno})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return "is JSON but not a notebook: it has no list of cells"
    try:
        nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # nbformat raises many kinds; any of them means unreadable
        return f"could not be read as a notebook ({type(error).__name__}: {error})"
    return None


def _report_folders_without_notebooks(coursedir, report, assignment):
    """nbgrader silently skips a submission folder that holds no notebook."""
    if assignment in report.folders_scanned:
        return
    report.folders_scanned.add(assignment)
    pattern = coursedir.format_path(coursedir.submitted_directory, coursedir.student_id or "*", assignment)
    for folder in map(Path, sorted(glob.glob(pattern))):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.glob("*.ipynb")):
            files = sorted(printable(p.name) for p in folder.iterdir())[:5]
            found = f" (it holds: {', '.join(files)})" if files else " (it is empty)"
            report.record(assignment, folder.parent.name, NOT_GRADED,
                          f"the submission folder has no notebook{found}.")


def inspect_submission(assignment=None, student=None, notebooks=(), **_):
    """nbgrader ``pre_convert_hook``: check the submission's files before nbgrader reads them."""
    if not notebooks:
        return
    coursedir = _coursedir()
    report = batch_report.current(coursedir.root, coursedir.student_id or "*")
    report.save()  # what the submissions before this one found
    folder = Path(notebooks[0]).parent
    assignment, student = folder.name, folder.parent.name
    _report_folders_without_notebooks(coursedir, report, assignment)
    unusable = submission_files.scan(folder).unusable
    if unusable:  # nbgrader is stopped by submission_files before it reads anything
        report.expect(assignment, student, _expected_notebooks(coursedir, assignment))
        report.record(assignment, student, NOT_GRADED, unusable + ".")
        return

    expected = _expected_notebooks(coursedir, assignment)
    report.expect(assignment, student, expected)
    handed_in = {Path(p).stem: Path(p) for p in notebooks}
    readable = {}
    for name, path in sorted(handed_in.items()):
        problem = notebook_file_problem(path)
        if problem and name in expected:
            report.record(assignment, student, NOT_GRADED, f"{printable(path.name)} {problem}.")
        elif not problem:
            readable[name] = path
    extra = sorted(name for name in readable if name not in expected)
    for name in expected:
        if name in handed_in:
            continue
        hint = ""
        if extra:
            target = Path(coursedir.submitted_directory) / student / assignment / f"{name}.ipynb"
            hint = (f"; found {', '.join(printable(f'{e}.ipynb') for e in extra)} instead, perhaps renamed. To grade it,"
                    f" copy it to {target} and run `nbgrader autograde {assignment} --student={student}"
                    " --force`")
        report.record(assignment, student, NOT_GRADED, f"{name}.ipynb is missing{hint}.")
    for name in extra:
        if all(n in handed_in for n in expected):
            report.record(assignment, student, AS_HANDED_IN,
                          f"{name}.ipynb is not part of the assignment and was not graded.")


class RepairSubmission(NbGraderPreprocessor):
    """Sanitize preprocessor: make the grader's copy well-formed and say what was changed.

    Runs before nbgrader's own sanitizers, which fail a whole submission (or the
    whole batch) on metadata they cannot validate.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.assignment, self.student = info["assignment"], info["student"]
        converter = getattr(self.parent, "parent", None)
        coursedir = getattr(converter, "coursedir", None) or _coursedir()
        self.report = batch_report.current(coursedir.root, coursedir.student_id or "*")
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
            self.cells = self._expected_cells(notebook)
            kernelspec = json.loads(notebook.kernelspec) if notebook.kernelspec else None
        order = self._source_order(coursedir, info["assignment"], info["notebook"])
        for cell in nb.cells:
            cell.setdefault("metadata", NotebookNode())

        self._check_kernel(nb, kernelspec)
        self._repair_metadata(nb)
        self._remove_duplicates(nb)
        self._restore_deleted(nb, order)
        return nb, resources

    def _note(self, kind, message):
        self.report.record(self.assignment, self.student, kind, message)

    @staticmethod
    def _expected_cells(notebook):
        """``{grade_id: (metadata, cell_type, source)}`` of the assignment's nbgrader cells."""
        grades = {cell.name: cell.max_score for cell in notebook.grade_cells}
        solutions = {cell.name for cell in notebook.solution_cells}
        tasks = {cell.name for cell in notebook.task_cells}
        cells = {}
        for cell in notebook.source_cells:
            meta = {"grade": cell.name in grades, "solution": cell.name in solutions,
                    "locked": bool(cell.locked), "task": cell.name in tasks, "grade_id": cell.name,
                    "cell_type": cell.cell_type, "checksum": cell.checksum, "schema_version": 3}
            if meta["grade"]:
                meta["points"] = grades[cell.name]
            cells[cell.name] = (meta, cell.cell_type, cell.source)
        return cells

    def _source_order(self, coursedir, assignment, notebook):
        path = Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"
        try:
            source = nbformat.read(str(path), as_version=4)
            order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in source.cells]
            return [name for name in order if name in self.cells]
        except (OSError, ValueError):
            return list(self.cells)  # gradebook order: the order generate_assignment saved them in

    def _check_kernel(self, nb, kernelspec):
        got = nb.metadata.get("kernelspec") or {}
        if kernelspec and (not isinstance(got, dict) or got.get("name") != kernelspec.get("name")):
            name = got.get("name") if isinstance(got, dict) else None
            was = f"the notebook's kernel was {name!r}" if name else "the notebook named no kernel"
            self._note(REPAIRED, f"{was}, not {kernelspec.get('name')!r}; it was graded with the"
                                 " course's kernel.")

    def _repair_metadata(self, nb):
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(grade_id, str) or grade_id not in self.cells:
                del cell.metadata["nbgrader"]
                if isinstance(meta, dict) and (meta.get("grade") or meta.get("solution") or meta.get("locked")):
                    what = f"id {grade_id!r}" if isinstance(grade_id, str) else "no id"
                    self._note(REPAIRED, f"a cell had grading metadata with {what}, which is not part of"
                                         " the assignment; it ran as a plain cell.")
                continue
            expected, cell_type, _ = self.cells[grade_id]
            if not all(_same(meta, expected, key) for key in SEMANTIC_KEYS) \
                    or meta.get("schema_version") != 3:
                self._note(REPAIRED, f"the grading metadata of cell {grade_id} had been altered;"
                                     " the original was used.")
            cell.metadata["nbgrader"] = NotebookNode(dict(expected))
            if cell.cell_type != cell_type:
                self._note(REPAIRED, f"cell {grade_id} was changed from {cell_type} to {cell.cell_type};"
                                     f" it was graded as {cell_type}.")
                self._set_cell_type(cell, cell_type)
            elif expected["locked"] and not expected["solution"] and cell_type == "code":
                self._check_unchanged(cell, grade_id)

    @staticmethod
    def _set_cell_type(cell, cell_type):
        cell.cell_type = cell_type
        if cell_type == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)

    def _check_unchanged(self, cell, grade_id):
        visible, _ = notebooks.split_hidden_tests(self.cells[grade_id][2])
        if cell.source.strip() != visible.strip():
            kind = "test" if self.cells[grade_id][0]["grade"] else "read-only"
            self._note(REPAIRED, f"{kind} cell {grade_id} had been edited; the original was run.")

    def _remove_duplicates(self, nb):
        """Keep the grading metadata on the last copy of each cell, as nbgrader does,
        and remove it (instead of leaving an empty dict nbgrader rejects) elsewhere."""
        seen = {}
        for cell in reversed(nb.cells):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id is None:
                continue
            seen[grade_id] = seen.get(grade_id, 0) + 1
            if seen[grade_id] > 1:
                del cell.metadata["nbgrader"]
        for grade_id, count in seen.items():
            if count > 1:
                self._note(REPAIRED, f"cell {grade_id} appears {count} times; the last copy was graded"
                                     " and the others ran as plain cells.")

    def _restore_deleted(self, nb, order):
        present = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata}
        for index, name in enumerate(order):
            if name in present:
                continue
            meta, cell_type, source = self.cells[name]
            if meta["solution"]:
                self._note(AS_HANDED_IN, f"answer cell {name} was deleted; its tests ran against what the"
                                         " rest of the notebook defines.")
                continue
            position = self._insert_position(nb, order[:index], present)
            nb.cells.insert(position, self._new_cell(nb, name, meta, cell_type, source))
            present.add(name)
            kind = "test" if meta["grade"] else "read-only"
            self._note(REPAIRED, f"{kind} cell {name} was deleted; the original was put back and run.")

    @staticmethod
    def _insert_position(nb, before, present):
        """Just after the nearest earlier assignment cell the notebook still has."""
        for name in reversed(before):
            if name in present:
                for i, cell in enumerate(nb.cells):
                    if cell.metadata.get("nbgrader", {}).get("grade_id") == name:
                        return i + 1
        return 0

    @staticmethod
    def _new_cell(nb, name, meta, cell_type, source):
        ids = {cell.get("id") for cell in nb.cells}
        cell_id = name if name not in ids else f"{name}-restored"
        if cell_type == "code":
            cell = nbformat.v4.new_code_cell(source=source, id=cell_id)
        else:
            cell = nbformat.v4.new_markdown_cell(source=source, id=cell_id)
        cell.metadata["nbgrader"] = NotebookNode(dict(meta))
        return cell
