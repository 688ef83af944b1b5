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


def autograde(root=ROOT, students=None):
    """Autograde each section; a submission nbgrader cannot grade stops nothing
    as long as the batch report names it (see course.grading.batch_report)."""
    course = Course(root)
    for section in course.sections():
        extra = [f"--student={s}" for s in students] if students else []
        result = nbgrader("autograde", section, "--force", "--log-level=ERROR", *extra,
                          root=root, check=False, quiet=True)
        report = batch_report.load(root, section)
        if result.returncode != 0:
            ungraded = {p.parent.name for p in course.submitted_dir.glob(f"*/{section}")
                        if not course.autograded(p.parent.name, section).exists()}
            if not ungraded or report is None or not ungraded <= report.not_graded():
                raise SystemExit(f"nbgrader autograde {section} failed (exit {result.returncode})\n"
                                 f"{result.stdout}\n{result.stderr}")
        if report is not None and report.has_problems():
            print(f"\n{report.text().rstrip()}\n  (saved in {course.report(section).relative_to(course.root)})")


def feedback(root=ROOT):
    for section in Course(root).sections():
        nbgrader("generate_feedback", section, "--force", "--log-level=ERROR", root=root)


def scores(root=ROOT):
    """``{(section, student): (score, max_score)}`` from the gradebook."""
    from nbgrader.api import Gradebook

    table, course = {}, Course(root)
    with Gradebook(course.db_url) as gradebook:
        for section in course.sections():
            for submission in gradebook.assignment_submissions(section):
                table[section, submission.student_id] = (submission.score, submission.max_score)
    return table


def summary(root=ROOT):
    table, sections = scores(root), Course(root).sections()
    students = sorted({student for _, student in table})
    print("\nScores of the demo class")
    print(f"  {'':12}" + "".join(f"{s:>14}" for s in sections))
    for student in students:
        cells = []
        for section in sections:
            score, most = table.get((section, student), (None, None))
            cells.append(f"{score:>6.1f} / {most:<5.1f}" if score is not None else f"{'-':>14}")
        print(f"  {student:12}" + "".join(cells))
    print("\n  graded notebooks: autograded/<student>/<section>/"
          "\n  feedback:         feedback/<student>/<section>/<section>.html"
          "\n  student versions: release/<section>/")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="all",
                        choices=["all", "generate", "demo", "autograde", "feedback", "summary"])
    command = parser.parse_args(argv).command
    if command == "all":
        # The demo gradebook is derived data: start it afresh so the run is reproducible.
        Course().gradebook.unlink(missing_ok=True)
        generate()
        build_demo_class()
        autograde()
        feedback()
        summary()
        print(f"  website:          {site.build_site().relative_to(ROOT)}/index.html")
    else:
        {"generate": generate, "demo": build_demo_class, "autograde": autograde,
         "feedback": feedback, "summary": summary}[command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
