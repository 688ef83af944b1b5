"""The instructor report of a section: ``python -m course.build report [SECTION ...]``.

``reports/<section>.html`` shows, from the gradebook, the autograded notebooks
and the batch report:

- the distribution of total scores (``<section>-scores.png``);
- each exercise's share of full, partial and zero marks, which says what the
  class struggles with (``<section>-exercises.png``);
- the most common failure messages per exercise, as the student reads them in
  the feedback (course.grading.feedback.student_message: the first line of a failed
  test's error, which for a bare visible ``assert`` is the failing statement;
  hidden-test details for the instructor are left out);
- the students not graded, with the batch report's reason.

``reports/<section>.csv`` has the columns and values of ``nbgrader export`` for
the section, quoted, with empty scores for the students not graded.
Student-chosen text is escaped in the page.
"""
import csv
import html
from collections import Counter
from dataclasses import dataclass, field

from . import notebooks
from .grading import batch_report, quoting
from .grading.batch_report import NOT_GRADED
from .grading.feedback import first_to_read, student_message

TOP_MESSAGES = 3          # failure messages shown per exercise
MAX_MESSAGE_CHARS = 300   # a message longer than this is cut in the page


@dataclass
class Exercise:
    name: str
    max_score: float = 0.0
    scores: dict = field(default_factory=dict)        # student -> points
    failures: Counter = field(default_factory=Counter)  # message -> students

    def shares(self):
        """(full, partial, zero) counts of students."""
        full = sum(1 for s in self.scores.values() if s >= self.max_score > 0)
        zero = sum(1 for s in self.scores.values() if s <= 0)
        return full, len(self.scores) - full - zero, zero


@dataclass
class SectionData:
    section: str
    max_score: float = 0.0
    totals: dict = field(default_factory=dict)        # student -> total score
    exercises: dict = field(default_factory=dict)     # name -> Exercise, in notebook order
    not_graded: dict = field(default_factory=dict)    # student -> reason
    penalties: dict = field(default_factory=dict)     # student -> late penalty taken off the total


def _failures(course, section, student):
    """``{grade_id: message}`` of the failed test cells of the student's autograded notebook."""
    path = course.autograded(student, section)
    if not path.exists():
        return {}
    found = {}
    for cell in notebooks.read(path).cells:
        if not notebooks.is_test(cell):
            continue
        output = first_to_read(cell)
        if output is not None:
            found[notebooks.nbgrader_meta(cell).get("grade_id", "")] = student_message(output)
    return found


def final_score(submission):
    """``(score, late penalty)`` of a submission (nbgrader's ``SubmittedAssignment``), the score as
    ``nbgrader export`` gives it: the raw score less the late penalty, never below 0. Every score
    the course shows (summary, report, CSV) is this one."""
    penalty = submission.late_submission_penalty or 0.0
    return max(0.0, submission.score - penalty), penalty


def collect(course, section):
    """The report's data for ``section`` of ``course`` (a :class:`course.layout.Course`)."""
    from nbgrader.api import Gradebook, MissingEntry

    data = SectionData(section)
    with Gradebook(course.db_url) as gradebook:
        try:
            assignment = gradebook.find_assignment(section)
        except MissingEntry:
            return data
        data.max_score = assignment.max_score
        for notebook in assignment.notebooks:
            for cell in notebook.grade_cells:
                exercise = data.exercises.setdefault(notebooks.exercise_of(cell.name),
                                                     Exercise(notebooks.exercise_of(cell.name)))
                exercise.max_score += cell.max_score
        for submission in gradebook.assignment_submissions(section):
            student = submission.student_id
            data.totals[student], penalty = final_score(submission)
            if penalty:
                data.penalties[student] = penalty
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    exercise = data.exercises[notebooks.exercise_of(grade.name)]
                    exercise.scores[student] = exercise.scores.get(student, 0.0) + (grade.score or 0.0)
            messages = {(notebooks.exercise_of(grade_id), message)
                        for grade_id, message in _failures(course, section, student).items()}
            for exercise, message in messages:   # a student counts once per message and exercise
                data.exercises[exercise].failures[message] += 1
    report = batch_report.load(course.root, section)
    for student in sorted(report.not_graded() if report else ()):
        reasons = [m for kind, m in report.everyone()[student].problems if kind == NOT_GRADED]
        data.not_graded[student] = reasons[0] if reasons else "nbgrader could not grade it"
        data.totals.pop(student, None)
        data.penalties.pop(student, None)
        for exercise in data.exercises.values():
            exercise.scores.pop(student, None)
    return data


# -- figures -----------------------------------------------------------------------------------
def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_scores(data, path):
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    scores = list(data.totals.values())
    top = max(data.max_score, 1)
    ax.hist(scores, bins=min(20, max(int(top), 1)), range=(0, top), color="#4878a8", edgecolor="white")
    ax.set_xlabel(f"total score (out of {data.max_score:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{data.section}: {len(scores)} graded")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})   # no version stamp: the same class, the same file
    plt.close(fig)


def plot_exercises(data, path):
    plt = _figure()
    names = list(data.exercises)
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(names) + 1.2))
    left = [0.0] * len(names)
    for index, (label, colour) in enumerate([("full marks", "#55a868"), ("partial", "#dd8452"),
                                             ("zero", "#c44e52")]):
        shares = []
        for name in names:
            counts = data.exercises[name].shares()
            shares.append(100 * counts[index] / max(sum(counts), 1))
        ax.barh(names, shares, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded students")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


# -- the page and the CSV ------------------------------------------------------------------------
def _short(text):
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + " [...]"


def render(data, scores_png, exercises_png):
    e = html.escape
    rows = []
    for exercise in data.exercises.values():
        full, partial, zero = exercise.shares()
        common = "".join(f"<li>{e(_short(message))} <span class=n>({count})</span></li>"
                         for message, count in exercise.failures.most_common(TOP_MESSAGES))
        rows.append(f"<tr><td><code>{e(exercise.name)}</code></td><td>{exercise.max_score:g}</td>"
                    f"<td>{full}</td><td>{partial}</td><td>{zero}</td>"
                    f"<td><ul>{common or '<li>none</li>'}</ul></td></tr>")
    missing = "".join(f"<li><code>{e(quoting.printable(s))}</code>: {e(reason)}</li>"
                      for s, reason in data.not_graded.items()) or "<li>none</li>"
    scores = list(data.totals.values())
    mean = f"{sum(scores) / len(scores):.1f}" if scores else "-"
    late = "".join(f"<li><code>{e(quoting.printable(s))}</code>: {penalty:g} points</li>"
                   for s, penalty in sorted(data.penalties.items()))
    late = f"<p>Late penalties taken off:</p><ul>{late}</ul>" if late else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(data.section)}: instructor report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}}
ul{{margin:0;padding-left:1.2em}}.n{{color:#666}}img{{max-width:100%}}</style></head>
<body>
<h1>{e(data.section)}: instructor report</h1>
<p>{len(scores)} students graded, mean score {mean} out of {data.max_score:g} (after late penalties);
{len(data.not_graded)} not graded.</p>
{late}
<h2>Total scores</h2>
<img src="{e(scores_png)}" alt="distribution of total scores">
<h2>Exercises</h2>
<img src="{e(exercises_png)}" alt="share of full, partial and zero marks per exercise">
<table><tr><th>exercise</th><th>points</th><th>full</th><th>partial</th><th>zero</th>
<th>most common failure messages (students)</th></tr>
{chr(10).join(rows)}
</table>
<h2>Not graded</h2>
<ul>{missing}</ul>
<p>Scores of every student: <a href="{e(data.section)}.csv">{e(data.section)}.csv</a>
(the columns of <code>nbgrader export</code>).</p>
</body></html>
"""


CSV_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
               "raw_score", "late_submission_penalty", "score", "max_score")   # nbgrader export's

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")   # what makes a spreadsheet read a cell as a formula


def spreadsheet_text(value):
    """``value`` as a CSV cell a spreadsheet shows as text: names and e-mails are the students' own
    words (an LMS sync copies them), and a spreadsheet would run one that starts like a formula
    (OWASP's advice: a leading apostrophe)."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_csv(course, section, path, not_graded=()):
    """The section's rows of ``nbgrader export`` (same columns, same values), written with
    quoting, which nbgrader's CSV plugin leaves out (a name with a comma shifts its columns).
    A student in ``not_graded`` gets empty scores, not the 0 that nbgrader's export gives
    to a submission it could not read: no score exists until the problem is fixed. Text that a
    spreadsheet would take for a formula gets a leading apostrophe."""
    from nbgrader.api import Gradebook, MissingEntry

    def text(value):
        return "" if value is None else str(value)

    with Gradebook(course.db_url) as gradebook, open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        assignment = gradebook.find_assignment(section)
        for student in gradebook.students:
            row = [assignment.name, assignment.duedate, "", student.id, student.last_name, student.first_name,
                   student.email, 0.0, 0.0, 0.0, assignment.max_score]
            try:
                submission = gradebook.find_submission(section, student.id)
            except MissingEntry:
                pass   # nothing handed in: nbgrader's export gives 0
            else:
                score, penalty = final_score(submission)
                row[2], row[7], row[8], row[9] = submission.timestamp, submission.score, penalty, score
            if student.id in not_graded:
                row[7:10] = ["", "", ""]
            writer.writerow([text(value) for value in row[:3]] + [spreadsheet_text(value) for value in row[3:7]]
                            + [text(value) for value in row[7:]])


def write(course, section):
    """Write the report of ``section``; return the path of its page."""
    data = collect(course, section)
    course.reports_dir.mkdir(exist_ok=True)
    scores_png = course.instructor_report(section, "-scores.png")
    exercises_png = course.instructor_report(section, "-exercises.png")
    plot_scores(data, scores_png)
    plot_exercises(data, exercises_png)
    export_csv(course, section, course.instructor_report(section, ".csv"), data.not_graded)
    page = course.instructor_report(section)
    page.write_text(render(data, scores_png.name, exercises_png.name))
    return page
