"""Instructor commands: ``python -m course.build <command>``.

The main job (``all``) regenerates release/ from source/, rebuilds the demo
class in submitted/, autogrades it with real nbgrader, generates feedback,
prints the scores and renders the website in site/ (course.site). Every
nbgrader call runs with the venv's bin/ on PATH (nbgrader starts ``alembic``
as a subprocess).
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

from . import demo, notebooks, site
from .grading import batch_report
from .lms import cli as lms
from .layout import ROOT, Course


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


def generate(root=ROOT):
    """source/ -> release/ (and the gradebook), then normalise the release notebooks."""
    course = Course(root)
    for section in course.sections():
        nbgrader("generate_assignment", section, "--force", "--log-level=WARN", root=root)
        path = course.release(section)
        notebooks.write(notebooks.read(path), path)


def build_demo_class(root=ROOT):
    """submitted/: the demo class (see course.demo)."""
    demo.build_class(Course(root))


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
            print(f"\n{report.text().rstrip()}\n  (saved in {course.report(section).relative_to(course.root)})")
    return outcome


def feedback(root=ROOT):
    for section in Course(root).sections():
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


def summary(root=ROOT):
    from .grading import batch_report

    table, sections = scores(root), Course(root).sections()
    not_graded = set()   # nbgrader leaves a 0-point row for a submission it found but could not grade
    for section in sections:
        report = batch_report.load(root, section)
        not_graded |= {(section, student) for student in (report.not_graded() if report else ())}
    students = sorted({student for _, student in table} | {student for _, student in not_graded})
    print("\nScores of the demo class")
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
    print("\n  graded notebooks: autograded/<student>/<section>/"
          "\n  feedback:         feedback/<student>/<section>/<section>.html"
          "\n  student versions: release/<section>/")


def exit_status(outcome):
    """0: every submission graded; 1: the batch report names one that was not; 130: interrupted."""
    return 130 if outcome.interrupted else 0 if outcome.complete else 1


def instructor_report(root=ROOT, sections=None):
    from . import report

    for section in sections or Course(root).sections():
        path = report.write(Course(root), section)
        print(f"  instructor report: {path.relative_to(Course(root).root)}")


def _parser():
    parser = argparse.ArgumentParser(prog="python -m course.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, text in [("all", "the main job (the default)"), ("generate", "source/ -> release/"),
                       ("demo", "the demo class in submitted/"), ("feedback", "nbgrader generate_feedback"),
                       ("summary", "print the scores")]:
        commands.add_parser(name, help=text)
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
    for command in (grade, report):
        command.add_argument("--root", type=Path, default=ROOT, metavar="FOLDER",
                             help="the course folder (default: this repository)")
    lms.add_commands(commands, ROOT)   # collect, lms-export (docs/lms.md)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    command = args.command or "all"
    if command in lms.COMMANDS:
        return lms.main(args)
    if command == "all":
        # The demo gradebook is derived data: start it afresh so the run is reproducible.
        Course().gradebook.unlink(missing_ok=True)
        generate()
        build_demo_class()
        outcome = autograde(force=True)
        if outcome.failed or outcome.interrupted:
            raise SystemExit("autograde did not finish: see the batch reports in reports/")
        feedback()
        summary()
        print(f"  website:          {site.build_site().relative_to(ROOT)}/index.html")
        instructor_report()
    elif command == "autograde":
        outcome = autograde(root=args.root, sections=args.sections, students=args.student, jobs=args.jobs,
                            scheduler=args.scheduler, force=args.force)
        return exit_status(outcome)
    elif command == "report":
        instructor_report(root=args.root, sections=args.sections)
    else:
        {"generate": generate, "demo": build_demo_class, "feedback": feedback, "summary": summary}[command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
