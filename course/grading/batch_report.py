"""The per-batch report of problems found in submissions during ``nbgrader autograde``.

One autograde run is one batch. The intake checks (:mod:`course.grading.intake`)
record what they find here; the report is rewritten after every submission and
once more when the process exits, to ``reports/autograde-<assignment>.txt`` in
the course root, and printed to stderr. Its text holds no timestamps, so the
same class gives the same report.
"""
import atexit
import sys
from dataclasses import dataclass, field
from pathlib import Path

NOT_GRADED, REPAIRED, AS_HANDED_IN = "not graded", "repaired", "as handed in"
SECTIONS = {
    NOT_GRADED: "NOT GRADED (these submissions have no score until the problem is fixed)",
    REPAIRED: "GRADED AFTER A REPAIR (the student's file is untouched; the grader repaired its own copy)",
    AS_HANDED_IN: "GRADED AS HANDED IN (the grade reflects these problems)",
}


@dataclass
class Submission:
    student: str
    expected: list = field(default_factory=list)      # notebook names (no .ipynb) to grade
    problems: list = field(default_factory=list)      # (kind, message)


class BatchReport:
    """Problems per assignment and student, written to ``<root>/reports/``."""

    def __init__(self, root, student_glob="*"):
        self.root = Path(root)
        self.student_glob = student_glob
        self.autograded = self.root / "autograded"
        self.assignments = {}   # assignment -> {student -> Submission}
        self._registered = False
        self._finished = False

    def submission(self, assignment, student):
        students = self.assignments.setdefault(assignment, {})
        return students.setdefault(student, Submission(student))

    def record(self, assignment, student, kind, message):
        problems = self.submission(assignment, student).problems
        if (kind, message) not in problems:
            problems.append((kind, message))
        self.save()

    def expect(self, assignment, student, notebooks):
        """The notebooks this batch should produce graded copies of."""
        self.submission(assignment, student).expected = sorted(notebooks)
        self.save()

    def _ungraded(self, assignment, submission):
        folder = self.autograded / submission.student / assignment
        return [n for n in submission.expected if not (folder / f"{n}.ipynb").exists()]

    def text(self, assignment):
        students = self.assignments.get(assignment, {})
        rows = {kind: [] for kind in SECTIONS}
        for student in sorted(students):
            submission = students[student]
            problems = list(submission.problems)
            missing = self._ungraded(assignment, submission)
            if missing and not any(kind == NOT_GRADED for kind, _ in problems) and self._finished:
                problems.append((NOT_GRADED, f"nbgrader could not grade {', '.join(missing)}"
                                 " (its error is in the autograde log)."))
            for kind, message in problems:
                rows[kind].append((student, message))
        counts = {kind: len({s for s, _ in rows[kind]}) for kind in SECTIONS}
        lines = [f"Autograde report: {assignment}",
                 f"Batch: students matching '{self.student_glob}', {len(students)} submission(s) seen; "
                 f"{counts[NOT_GRADED]} not graded, {counts[REPAIRED]} repaired, "
                 f"{counts[AS_HANDED_IN]} graded with problems.", ""]
        if not any(rows.values()):
            lines.append("No problems found.")
        width = max([len(s) for s in students] + [8])
        for kind, title in SECTIONS.items():
            if rows[kind]:
                lines.append(title)
                lines += [f"  {student:<{width}}  {message}" for student, message in rows[kind]]
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def path(self, assignment):
        return self.root / "reports" / f"autograde-{assignment}.txt"

    def save(self):
        if not self._registered:
            atexit.register(self.finish)
            self._registered = True
        for assignment in self.assignments:
            path = self.path(assignment)
            path.parent.mkdir(exist_ok=True)
            path.write_text(self.text(assignment))

    def finish(self):
        """End of the batch: name what was not graded, write and print the reports."""
        self._finished = True
        self.save()
        for assignment in sorted(self.assignments):
            text = self.text(assignment)
            if "No problems found." not in text:
                print(f"\n{text}(saved in {self.path(assignment).relative_to(self.root)})",
                      file=sys.stderr)


_current = None


def current(root, student_glob="*"):
    """The report of this process's batch (one autograde run)."""
    global _current
    if _current is None or _current.root != Path(root):
        _current = BatchReport(root, student_glob)
    return _current


def read(root, assignment):
    """The text of the last batch report for ``assignment``, or ''."""
    path = Path(root) / "reports" / f"autograde-{assignment}.txt"
    return path.read_text() if path.exists() else ""


def not_graded(text):
    """The students a report's text lists as not graded."""
    students, inside = set(), False
    for line in text.splitlines():
        if line and not line.startswith(" "):
            inside = line.startswith(SECTIONS[NOT_GRADED])
        elif inside and line.strip():
            students.add(line.split()[0])
    return students
