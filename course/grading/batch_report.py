"""The per-batch report of problems found in submissions during ``nbgrader autograde``.

One autograde run is one batch. The intake checks (:mod:`course.grading.intake`,
:mod:`course.grading.submission_files`) record what they find in a
:class:`BatchReport`. Its data is saved as ``reports/autograde-<assignment>.json``
in the course root, and the text a person reads (``.txt`` beside it, printed to
stderr at the end of the batch) is written from that data; programs read the
JSON (:func:`load`), never the text. Both are saved when a submission starts
(for the one before it) and when the process exits, and hold no timestamps, so
the same class gives the same report. Student-chosen text (names of students
and files, messages that quote a notebook) is printed escaped, one line each
(:mod:`course.grading.quoting`).
"""
import atexit
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..layout import Course
from .quoting import printable

NOT_GRADED, REPAIRED, AS_HANDED_IN = "not graded", "repaired", "as handed in"
ASSIGNMENT_ERROR = "assignment error"
SECTIONS = {
    ASSIGNMENT_ERROR: "THE ASSIGNMENT NEEDS A FIX (the instructor's error, not the student's: fix the"
                      " source notebook, generate it again and autograde again)",
    NOT_GRADED: "NOT GRADED (these submissions have no score until the problem is fixed)",
    REPAIRED: "GRADED AFTER A REPAIR (the student's file is untouched; the grader repaired its own copy)",
    AS_HANDED_IN: "GRADED AS HANDED IN (the grade reflects these problems)",
}
MAX_PROBLEMS = 50  # kept per submission; a notebook with thousands of bad cells is summed up


@dataclass
class Submission:
    student: str
    expected: list = field(default_factory=list)   # notebook names (no .ipynb) to grade
    problems: list = field(default_factory=list)   # [kind, message], in the order found
    more: int = 0                                  # problems beyond MAX_PROBLEMS, not kept
    ungraded: list = field(default_factory=list)   # expected notebooks with no graded copy (at the end)

    def add(self, kind, message):
        entry = [kind, message]
        if entry in self.problems:
            return
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(entry)
        else:
            self.more += 1

    def kinds(self):
        return {kind for kind, _ in self.problems} | ({NOT_GRADED} if self.ungraded else set())


@dataclass
class AssignmentReport:
    """The data of one assignment's report, as saved in the JSON file.

    A batch may grade some students only (``--student``): the others keep what
    their last batch found, in ``earlier``, so that a student who could not be
    graded stays so until a batch grades them (a partial batch forgets no one).
    """
    assignment: str
    student_glob: str = "*"
    finished: bool = False
    submissions: dict = field(default_factory=dict)   # student -> Submission, seen in this batch
    earlier: dict = field(default_factory=dict)       # student -> Submission, as their last batch left them

    def everyone(self):
        """``{student: Submission}``: this batch's, and the others' as earlier batches left them."""
        return {**self.earlier, **self.submissions}

    def not_graded(self):
        """The students whose submission (or one of its notebooks) has no grade."""
        return {s for s, sub in self.everyone().items() if NOT_GRADED in sub.kinds()}

    def has_problems(self):
        return any(sub.kinds() for sub in self.everyone().values())

    def to_json(self):
        data = asdict(self)
        # A student this batch saw is this batch's: the earlier entry is replaced, not kept beside it.
        data["earlier"] = {s: sub for s, sub in data["earlier"].items() if s not in self.submissions}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        for part in ("submissions", "earlier"):
            data[part] = {s: Submission(**sub) for s, sub in data.get(part, {}).items()}
        return cls(**data)

    def text(self):
        rows = {kind: [] for kind in SECTIONS}
        everyone = self.everyone()
        for student in sorted(everyone):
            submission = everyone[student]
            problems = list(submission.problems)
            if submission.ungraded and NOT_GRADED not in {k for k, _ in problems}:
                problems.append([NOT_GRADED, f"nbgrader could not grade {', '.join(submission.ungraded)}"
                                             " (its error is in the autograde log)."])
            if submission.more:
                problems.append([problems[-1][0], f"... and {submission.more:,} more problems of this kind"
                                                  " or others."])
            for kind, message in problems:
                # a message may quote the notebook (nbformat's errors do): one printable line each
                rows[kind].append((printable(student), printable(message)))
        counts = {kind: len({s for s, _ in rows[kind]}) for kind in SECTIONS}
        others = len(set(self.earlier) - set(self.submissions))
        lines = [f"Autograde report: {self.assignment}",
                 f"Batch: students matching '{printable(self.student_glob)}', {len(self.submissions)}"
                 f" submission(s) seen" + (f", {others} more as earlier batches left them" if others else "")
                 + f"; {counts[NOT_GRADED]} not graded, {counts[REPAIRED]} repaired, "
                 f"{counts[AS_HANDED_IN]} graded with problems"
                 + (f", {counts[ASSIGNMENT_ERROR]} met an error of the assignment" if counts[ASSIGNMENT_ERROR]
                    else "") + ".", ""]
        if not any(rows.values()):
            lines.append("No problems found.")
        width = max([len(s) for s, _ in sum(rows.values(), [])] + [8])
        for kind, title in SECTIONS.items():
            if rows[kind]:
                lines.append(title)
                lines += [f"  {student:<{width}}  {message}" for student, message in rows[kind]]
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


class BatchReport:
    """Problems per assignment and student found in one batch, saved under ``<root>/reports/``."""

    def __init__(self, root, student_glob="*"):
        self.course = Course(root)
        self.root = self.course.root
        self.student_glob = student_glob
        self.assignments = {}       # assignment -> AssignmentReport
        self.folders_scanned = set()  # assignments whose folders without notebooks were looked for
        self._registered = False

    def assignment(self, assignment):
        """This batch's report of ``assignment``, which remembers the students earlier batches saw."""
        if assignment not in self.assignments:
            previous = load(self.root, assignment)
            earlier = previous.everyone() if previous is not None else {}
            self.assignments[assignment] = AssignmentReport(assignment, self.student_glob, earlier=earlier)
        return self.assignments[assignment]

    def submission(self, assignment, student):
        submissions = self.assignment(assignment).submissions
        return submissions.setdefault(student, Submission(student))

    def record(self, assignment, student, kind, message):
        self.submission(assignment, student).add(kind, message)
        self._register()

    def expect(self, assignment, student, notebooks):
        """The notebooks this batch should produce graded copies of."""
        self.submission(assignment, student).expected = sorted(notebooks)
        self._register()

    def _register(self):
        if not self._registered:
            atexit.register(self.finish)
            self._registered = True

    def save(self):
        if not self.root.is_dir():  # the course folder is gone (a test's temporary course): nothing to save
            return
        for assignment, data in self.assignments.items():
            path = self.course.report(assignment, ".json")
            path.parent.mkdir(exist_ok=True)
            path.write_text(data.to_json())
            self.course.report(assignment).write_text(data.text())

    def finish(self):
        """End of the batch: name what was not graded, save and print the reports."""
        for assignment, data in self.assignments.items():
            data.finished = True
            for student, submission in data.submissions.items():
                submission.ungraded = [n for n in submission.expected
                                       if not self.course.autograded_dir.joinpath(student, assignment,
                                                                                  f"{n}.ipynb").exists()]
        self.save()
        for assignment in sorted(self.assignments):
            data = self.assignments[assignment]
            if data.has_problems():
                print(f"\n{data.text()}(saved in {self.course.report(assignment).relative_to(self.root)})",
                      file=sys.stderr)


_current = None


def current(root, student_glob="*"):
    """The report of this process's batch (one autograde run)."""
    global _current
    if _current is None or _current.root != Path(root):
        _current = BatchReport(root, student_glob)
    return _current


def load(root, assignment):
    """The data of the last batch report for ``assignment``, or None if there is none."""
    path = Course(root).report(assignment, ".json")
    return AssignmentReport.from_json(path.read_text()) if path.exists() else None
