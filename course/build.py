"""Instructor commands: ``python -m course.build <command>``.

The main job (``all``) regenerates release/ from source/, and when course.toml
says so builds the demo class in demo/ (a course folder of its own, course.demo),
autogrades it with real nbgrader, generates its feedback, prints its scores and
writes its instructor reports there; then it renders the website in site/
(course.site). It never writes into the course's own class: submitted/,
autograded/, feedback/, reports/ and gradebook.db at the root. Every nbgrader call
runs with the venv's bin/ on PATH (nbgrader starts ``alembic`` as a subprocess).
"""
if __name__ == "__main__":   # before anything the course's venv provides is imported
    from ._venv import use_course_venv

    use_course_venv("course.build")

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import demo, notebooks, scaffold, site
from .grading import batch_report
from .lms import cli as lms
from .layout import ROOT, Course


def shown(path):
    """``path`` as the instructor types it: relative to the working directory when inside it."""
    path = Path(path).resolve()
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def tool_environ():
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def nbgrader(*args, root=ROOT, check=True, quiet=False, timeout=None):
    """Run the real nbgrader CLI in the course directory ``root``."""
    command = [sys.executable, "-m", "nbgrader", *args]
    kwargs = {"capture_output": True, "text": True} if quiet else {}
    result = subprocess.run(command, cwd=root, env=tool_environ(), timeout=timeout, **kwargs)
    if quiet and "while loading config file" in result.stdout + result.stderr:
        # nbgrader goes on with its stock settings, without the grading protections.
        raise SystemExit(f"nbgrader could not load {root / 'nbgrader_config.py'}:\n{result.stderr}")
    if check and result.returncode != 0:
        detail = f"\n{result.stdout}\n{result.stderr}" if quiet else ""
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit {result.returncode}){detail}")
    return result


def graded_cells(nb):
    """The cells nbgrader records for a notebook, as its SaveCells does (grade, solution,
    task, and the source of each of those and of read-only cells): ``{kind: {grade ids}}``."""
    from nbgrader import utils

    kinds = {"grade": utils.is_grade, "solution": utils.is_solution, "task": utils.is_task,
             "source": lambda c: utils.is_grade(c) or utils.is_solution(c) or utils.is_locked(c) or utils.is_task(c)}
    return {kind: {c.metadata.nbgrader["grade_id"] for c in nb.cells if test(c)} for kind, test in kinds.items()}


def cells_nbgrader_refuses(course, section):
    """Why ``nbgrader generate_assignment`` would refuse ``section`` now (None if it would not):
    the gradebook holds submissions of it, and its source adds or removes graded cells.
    Only reads the gradebook (None when there is none)."""
    if not course.gradebook.exists():
        return None
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url) as gradebook:
        try:
            notebook = gradebook.find_notebook(section, section)
        except MissingEntry:
            return None
        submissions = len(notebook.submissions)
        if not submissions:
            return None
        old = set().union(*(set(c.name for c in cells) for cells in (
            notebook.grade_cells, notebook.solution_cells, notebook.task_cells, notebook.source_cells)))
    new = set().union(*graded_cells(notebooks.read(course.source(section))).values())
    added, removed = sorted(new - old), sorted(old - new)
    if not (added or removed):
        return None   # nbgrader compares each kind; a cell that changed kind shows in the message below too
    changes = "; ".join(f"{what} {', '.join(ids)}" for what, ids in (("adds", added), ("removes", removed)) if ids)
    return f"{course.source(section).relative_to(course.root)} {changes}, and gradebook.db holds {submissions} submission(s) of {section}"


def refusal(course, reasons):
    sections = [section for section, _ in reasons]
    return "\n".join([
        "Not generating: nbgrader cannot add or remove graded cells of an assignment that has submissions.",
        *(f"  {section}: {reason}." for section, reason in reasons),
        "What nbgrader allows once there are submissions: changing a cell's contents or its points (generate again);",
        "not adding or removing an answer, test, task or read-only cell. Two ways on:",
        f"  - a new assignment name: copy source/{sections[0]}/ to source/<new name>/, rename its notebook to"
        " <new name>.ipynb and make the change there; students hand in the new assignment, the grades of"
        f" {', '.join(sections)} stay as they are;",
        f"  - `nbgrader db assignment remove {sections[0]} --force` (.venv/bin on PATH), then generate again:"
        f" this DELETES every grade of {sections[0]} from gradebook.db; its submissions must then be graded again.",
        "Nothing was changed: release/ and gradebook.db are as they were.",
    ])


def generate(root=ROOT):
    """source/ -> release/ (and the gradebook), then normalise the release notebooks.
    Refuses, before touching anything, a change nbgrader would refuse halfway (it deletes
    release/<section>/ first): graded cells added or removed while there are submissions."""
    course = Course(root)
    reasons = [(s, reason) for s in course.sections() if (reason := cells_nbgrader_refuses(course, s))]
    if reasons:
        raise SystemExit(refusal(course, reasons))
    for section in course.sections():
        nbgrader("generate_assignment", section, "--force", "--log-level=WARN", root=root)
        path = course.release(section)
        notebooks.write(notebooks.read(path), path)


def tidy(root=ROOT):
    """Write each source notebook in its committed form: outputs cleared, metadata reduced to
    nbgrader's (JupyterLab saves outputs and its own metadata)."""
    course = Course(root)
    for section in course.sections():
        path = course.source(section)
        changed = notebooks.write(notebooks.read(path), path)
        print(f"  {shown(path)}: {'outputs and editor metadata cleared' if changed else 'already tidy'}")


def build_demo_class(root=ROOT):
    """submitted/ of the course folder ``root``: the demo class (see course.demo)."""
    demo.build_class(Course(root))


def release_from(demo_course, course):
    """Copy the demo's release/<section>/ to the course's, where they differ. A section whose
    source nbgrader would refuse for the course's own class keeps its release (say why)."""
    for section in demo_course.sections():
        reason = cells_nbgrader_refuses(course, section)
        if reason:
            print(f"  release/{section}/ kept as it is: {reason}; see `python3 make.py generate`.")
            continue
        fresh, kept = demo_course.release(section).parent, course.release(section).parent
        names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        if kept.exists():
            for old in sorted(kept.rglob("*"), reverse=True):
                if old.is_file() and old.relative_to(kept) not in names:
                    old.unlink()
        for name in sorted(names):
            target = kept / name
            if not target.exists() or target.read_bytes() != (fresh / name).read_bytes():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fresh / name, target)


def autograde(root=ROOT, sections=None, students=None, jobs=None, scheduler=None, force=True, bar=None):
    """Autograde the submitted students of each section in parallel (course.classgrade):
    the gradebook is the one plain ``nbgrader autograde`` would make. A submission that
    cannot be graded stops nothing; the batch report names it, and it is printed here.
    Returns the batch's :class:`course.classgrade.coordinator.Outcome`."""
    from .classgrade import coordinator

    course = Course(root)
    sections = list(sections or course.sections())
    outcome = coordinator.autograde(root, sections, students, jobs=jobs, scheduler=scheduler, force=force, bar=bar)
    for section in sections:
        report = batch_report.load(root, section)
        if report is not None and report.has_problems():
            print(f"\n{report.text().rstrip()}\n  (saved in {shown(course.report(section))})")
    return outcome


def feedback(root=ROOT):
    """Feedback for every graded notebook; a section nobody has been graded in yet is skipped
    (nbgrader would stop there: "No notebooks were matched")."""
    course = Course(root)
    for section in course.sections():
        if any(course.autograded_dir.glob(f"*/{section}/{section}.ipynb")):
            nbgrader("generate_feedback", section, "--force", "--log-level=ERROR", root=root)


def scores(root=ROOT):
    """``{(section, student): (score, max_score, late penalty)}`` from the gradebook, the score
    after the penalty as ``nbgrader export`` gives it (course.report.final_score)."""
    from nbgrader.api import Gradebook

    from .report import final_score

    table, course = {}, Course(root)
    with Gradebook(course.db_url) as gradebook:
        for section in course.sections():
            for submission in gradebook.assignment_submissions(section):
                score, penalty = final_score(submission)
                table[section, submission.student_id] = (score, submission.max_score, penalty)
    return table


def summary(root=ROOT, title="Scores"):
    from .grading import batch_report

    table, sections = scores(root), Course(root).sections()
    not_graded = set()   # nbgrader leaves a 0-point row for a submission it found but could not grade
    for section in sections:
        report = batch_report.load(root, section)
        not_graded |= {(section, student) for student in (report.not_graded() if report else ())}
    students = sorted({student for _, student in table} | {student for _, student in not_graded})
    print(f"\n{title}")
    print(f"  {'':12}" + "".join(f"{s:>14}" for s in sections))
    late = []
    for student in students:
        cells = []
        for section in sections:
            score, most, penalty = table.get((section, student), (None, None, 0.0))
            cells.append(f"{'not graded':>14}" if (section, student) in not_graded
                         else f"{score:>6.1f} / {most:<5.1f}" if score is not None else f"{'-':>14}")
            if penalty and (section, student) not in not_graded:
                late.append(f"{student} {section} -{penalty:g}")
        print(f"  {student:12}" + "".join(cells))
    if late:
        print("  late penalties (already taken off the scores above): " + ", ".join(late))
    where = Course(root)
    print(f"\n  graded notebooks: {shown(where.autograded_dir)}/<student>/<section>/"
          f"\n  feedback:         {shown(where.feedback_dir)}/<student>/<section>/<section>.html")


def exit_status(outcome):
    """0: every submission graded; 1: the batch report names one that was not; 130: interrupted."""
    return 130 if outcome.interrupted else 0 if outcome.complete else 1


def instructor_report(root=ROOT, sections=None):
    from . import report

    for section in sections or Course(root).sections():
        print(f"  instructor report: {shown(report.write(Course(root), section))}")


def main_job(root=ROOT):
    """release/ from source/; the demo class graded in demo/ when course.toml says so; the site.
    Writes nothing of the course's own class (submitted/, autograded/, feedback/, reports/, gradebook.db)."""
    course = Course(root)
    if course.config.demo:
        class_ = demo.prepare(course)
        generate(root=class_.root)
        release_from(class_, course)
        build_demo_class(root=class_.root)
        outcome = autograde(root=class_.root, force=True)
        if outcome.failed or outcome.interrupted:
            raise SystemExit(f"autograde did not finish: see the batch reports in {class_.reports_dir}")
        feedback(root=class_.root)
        summary(root=class_.root, title=f"Scores of the demo class (in {shown(class_.root)}/)")
    else:
        # No demo class: generate the release in a scratch course, so that the course's gradebook stays untouched.
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            class_ = Course(Path(scratch) / "course")
            class_.root.mkdir()
            for name in ("nbgrader_config.py", "course.toml", *(h.name for h in course.helpers)):
                if (course.root / name).exists():
                    shutil.copy(course.root / name, class_.root / name)
            shutil.copytree(course.source_dir, class_.source_dir, symlinks=True)
            generate(root=class_.root)
            release_from(class_, course)
    print(f"  student versions: {shown(course.release_dir)}/<section>/")
    print(f"  website:          {shown(site.build_site(root=course.root))}/index.html")
    if course.config.demo:
        instructor_report(root=class_.root)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m course.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    simple = []
    for name, text in [("all", "the main job (the default): release/, the demo class in demo/, the site"),
                       ("generate", "source/ -> release/ and the gradebook (refuses what nbgrader cannot change)"),
                       ("demo", "the demo class in demo/submitted/"), ("feedback", "nbgrader generate_feedback"),
                       ("summary", "print the scores"),
                       ("tidy", "clear the outputs and editor metadata of source/ notebooks (their committed form)")]:
        simple.append(commands.add_parser(name, help=text))
    grade = commands.add_parser("autograde", help="grade the submitted students in parallel",
                                description="Grade the submissions of each SECTION (default: all) in parallel."
                                            " Exit status 0 when every submission was graded, 1 when the batch"
                                            " report names one that was not, 130 when interrupted.")
    grade.add_argument("sections", nargs="*", metavar="SECTION")
    grade.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="grading processes on this machine (default: one per core; 1 with --scheduler)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the Dask cluster of this scheduler (tcp://host:8786)")
    grade.add_argument("--student", action="append", metavar="ID",
                       help="only this student (a glob, as nbgrader's --student); may be repeated")
    grade.add_argument("--force", action="store_true",
                       help="grade again the submissions already graded and unchanged since")
    report = commands.add_parser("report", help="the instructor report: reports/<section>.html, PNGs, CSV")
    report.add_argument("sections", nargs="*", metavar="SECTION")
    new = commands.add_parser("new-exercise", help="append a new exercise's cells to a section's source notebook",
                              description="Append the cells of a new exercise (statement, answer, test cell worth"
                                          " 2 points) to source/SECTION/SECTION.ipynb, with placeholders to"
                                          " replace: see docs/writing-exercises.md.")
    new.add_argument("section", metavar="SECTION")
    new.add_argument("exercise", metavar="NAME", help="the name the student defines, also the answer cell's grade id")
    new.add_argument("--vectorized", action="store_true",
                     help="also a test cell NAME_test_vectorized worth 1 point (check_vectorized)")
    for command in (grade, report, new, *simple):
        command.add_argument("--root", type=Path, default=ROOT, metavar="FOLDER",
                             help="the course folder (default: this repository)")
    lms.add_commands(commands, ROOT)   # collect, lms-export (docs/lms.md)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    command = args.command or "all"
    if command in lms.COMMANDS:
        return lms.main(args)
    root = getattr(args, "root", ROOT).resolve()
    if command == "all":
        main_job(root)
    elif command == "demo":
        class_ = demo.prepare(Course(root))
        generate(root=class_.root)
        build_demo_class(root=class_.root)
        print(f"  the demo class: {class_.submitted_dir}/ (`python3 make.py` grades it)")
    elif command == "autograde":
        outcome = autograde(root=args.root, sections=args.sections, students=args.student, jobs=args.jobs,
                            scheduler=args.scheduler, force=args.force)
        return exit_status(outcome)
    elif command == "report":
        instructor_report(root=args.root, sections=args.sections)
    elif command == "new-exercise":
        path = scaffold.add_exercise(Course(root), args.section, args.exercise, args.vectorized)
        print(f"  {args.exercise}: cells appended to {shown(path)}; replace their TODOs"
              " (docs/writing-exercises.md)")
    else:
        {"generate": generate, "feedback": feedback, "summary": summary, "tidy": tidy}[command](root=root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
