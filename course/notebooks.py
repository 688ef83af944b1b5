"""Reading, normalising and filling nbgrader notebooks.

Source and release notebooks are stored normalised (no outputs, no execution
counts, only nbgrader cell metadata, a fixed kernelspec) so that diffs stay
readable and generation is deterministic.
"""
import re
from pathlib import Path

import nbformat

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_ANSWER_MARK = re.compile(r"^# %% (\w+)\s*$", re.MULTILINE)
_HIDDEN_REGION = re.compile(rf"^[ \t]*{re.escape(HIDDEN_BEGIN)}[ \t]*\n(.*?)^[ \t]*{re.escape(HIDDEN_END)}[ \t]*(?:\n|\Z)",
                            re.MULTILINE | re.DOTALL)


def read(path):
    return nbformat.read(str(path), as_version=4)


def split_hidden_tests(source):
    """``(visible part, hidden part)`` of a test cell's source.

    Every hidden region is cut out of the visible part (as nbgrader's release
    does) and the regions are joined, in order, into the hidden part. A region
    whose end marker is missing runs to the end of the cell.
    """
    hidden = [m.group(1) for m in _HIDDEN_REGION.finditer(source)]
    visible = _HIDDEN_REGION.sub("", source)
    begin = visible.find(HIDDEN_BEGIN)
    if begin >= 0:
        hidden.append(visible[begin + len(HIDDEN_BEGIN):])
        visible = visible[:begin]
    return visible, "\n".join(hidden)


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell):
    """An autograded answer cell: solution, not itself graded, code."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade", False)


def is_test(cell):
    """An autograder test cell."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def exercise_of(grade_id):
    """The exercise a test cell belongs to, by the course's grade-id convention (an answer
    cell's id is the exercise id, its test cells' ids are ``<id>_test...``), or None for
    an id that does not follow it."""
    exercise, marker, _ = grade_id.partition("_test")
    return exercise if marker else None


def exercises(nb):
    """The exercise ids (grade ids of the answer cells), in notebook order."""
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if is_answer(c)]


def normalize(nb):
    """Return ``nb`` with outputs cleared and metadata reduced to what nbgrader needs."""
    nb = nbformat.from_dict(nb)
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC),
                                      "language_info": {"name": "python"}})
    for index, cell in enumerate(nb.cells):
        keep = {k: v for k, v in cell.get("metadata", {}).items() if k in ("nbgrader", "tags")}
        cell.metadata = nbformat.from_dict(keep)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
        if not cell.get("id"):
            cell.id = nbgrader_meta(cell).get("grade_id") or f"cell-{index}"
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def dumps(nb):
    return nbformat.writes(nb, version=4) + "\n"


def write(nb, path):
    """Write ``nb`` normalised; return True if the file changed."""
    path = Path(path)
    text = dumps(normalize(nb))
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


def strip_solution_markers(source):
    """The solution code of a source cell, without the nbgrader solution markers."""
    lines = [line for line in source.splitlines()
             if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END)]
    return "\n".join(lines)


def reference_answers(source_nb):
    """``{exercise id: answer cell code}`` of the instructor's solutions."""
    return {nbgrader_meta(c)["grade_id"]: strip_solution_markers(c.source)
            for c in source_nb.cells if is_answer(c)}


def read_answer_file(path):
    """Parse a file of answers: ``# %% <exercise id>`` lines start each answer."""
    text = Path(path).read_text()
    marks = list(_ANSWER_MARK.finditer(text))
    answers = {}
    for mark, following in zip(marks, marks[1:] + [None]):
        end = following.start() if following else len(text)
        answers[mark.group(1)] = text[mark.end():end].strip("\n") + "\n"
    return answers


# A corpus answer's line that states the words its feedback must contain (tests/test_corpus.py).
_FEEDBACK_WORDS = re.compile(r"^# feedback: (.+)\n?", re.MULTILINE)


def feedback_words(answer):
    """The words an answer of the test corpus says its feedback must contain, or None."""
    found = _FEEDBACK_WORDS.search(answer)
    return found.group(1).strip() if found else None


def without_feedback_words(answer):
    """The answer as a student would write it: without the corpus's ``# feedback:`` line."""
    return _FEEDBACK_WORDS.sub("", answer)


def fill_answers(release_nb, answers):
    """A copy of a release notebook whose answer cells hold ``answers`` (by exercise id).

    Unknown exercise ids raise KeyError, so a stale answer file is noticed.
    """
    nb = nbformat.from_dict(release_nb)
    known = set(exercises(nb))
    unknown = set(answers) - known
    if unknown:
        raise KeyError(f"no answer cell for {sorted(unknown)}")
    for cell in nb.cells:
        if is_answer(cell) and nbgrader_meta(cell)["grade_id"] in answers:
            cell.source = answers[nbgrader_meta(cell)["grade_id"]].rstrip("\n")
    return nb
