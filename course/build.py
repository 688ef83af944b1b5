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

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("warmup", "advanced", "references")


def tool_environ():
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def nbgrader(*args, root=ROOT, check=True, quiet=False):
    """Run the real nbgrader CLI in the course directory ``root``."""
    command = [sys.executable, "-m", "nbgrader", *args]
    kwargs = {"capture_output": True, "text": True} if quiet else {}
    result = subprocess.run(command, cwd=root, env=tool_environ(), **kwargs)
    if check and result.returncode != 0:
        detail = f"\n{result.stdout}\n{result.stderr}" if quiet else ""
        raise SystemExit(f"nbgrader {' '.join(args)} failed (exit {result.returncode}){detail}")
    return result


def sections(root=ROOT):
    return [s for s in SECTIONS if (root / "source" / s / f"{s}.ipynb").exists()]


def generate(root=ROOT):
    """source/ -> release/ (and the gradebook), then normalise the release notebooks."""
    for section in sections(root):
        nbgrader("generate_assignment", section, "--force", "--log-level=WARN", root=root)
        path = root / "release" / section / f"{section}.ipynb"
        notebooks.write(notebooks.read(path), path)


def build_demo_class(root=ROOT):
    """submitted/: the demo class (see course.demo)."""
    demo.build_class(root, sections(root))


def autograde(root=ROOT, students=None):
    """Autograde each section; a submission nbgrader cannot grade stops nothing
    as long as the batch report names it (see course.grading.batch_report)."""
    for section in sections(root):
        extra = [f"--student={s}" for s in students] if students else []
        result = nbgrader("autograde", section, "--force", "--log-level=ERROR", *extra,
                          root=root, check=False, quiet=True)
        report = batch_report.read(root, section)
        if result.returncode != 0:
            ungraded = {p.parent.name for p in (root / "submitted").glob(f"*/{section}")
                        if not (root / "autograded" / p.parent.name / section / f"{section}.ipynb").exists()}
            if not ungraded or not ungraded <= batch_report.not_graded(report):
                raise SystemExit(f"nbgrader autograde {section} failed (exit {result.returncode})\n"
                                 f"{result.stdout}\n{result.stderr}")
        if report and "No problems found." not in report:
            print(f"\n{report.rstrip()}\n  (saved in reports/autograde-{section}.txt)")


def feedback(root=ROOT):
    for section in sections(root):
        nbgrader("generate_feedback", section, "--force", "--log-level=ERROR", root=root)


def scores(root=ROOT):
    """``{(section, student): (score, max_score)}`` from the gradebook."""
    from nbgrader.api import Gradebook

    table = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for section in sections(root):
            for submission in gradebook.assignment_submissions(section):
                table[section, submission.student_id] = (submission.score, submission.max_score)
    return table


def summary(root=ROOT):
    table = scores(root)
    students = sorted({student for _, student in table})
    print("\nScores of the demo class")
    print(f"  {'':12}" + "".join(f"{s:>14}" for s in sections(root)))
    for student in students:
        cells = []
        for section in sections(root):
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
        (ROOT / "gradebook.db").unlink(missing_ok=True)
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
