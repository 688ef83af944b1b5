"""Grading time per submission, protected (this course's config) against stock nbgrader.

Builds two throw-away courses from this repository, hands in the reference
solutions of every section for STUDENTS students, and times one
``nbgrader autograde`` batch per section; the figure is the batch time divided
by the number of submissions (nbgrader's own start-up included). Run by hand,
on a quiet machine: ``.venv/bin/python benchmarks/grading_overhead.py [students]``.
"""
import shutil
import sys
import tempfile
import time
from pathlib import Path

from course import build, notebooks
from course.layout import ROOT, Course

STUDENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
STOCK = ('c = get_config()\nc.CourseDirectory.course_id = "advanced-numpy"\n'
         'c.Execute.timeout = 120\n')


def course(folder, protected):
    for helper in Course().helpers:
        shutil.copy(helper, folder)
    shutil.copytree(ROOT / "source", folder / "source", symlinks=True)
    if protected:
        shutil.copy(ROOT / "nbgrader_config.py", folder)
    else:
        (folder / "nbgrader_config.py").write_text(STOCK)
    build.generate(root=folder)
    course = Course(folder)
    for section in course.sections():
        answers = notebooks.reference_answers(notebooks.read(course.source(section)))
        release = notebooks.read(course.release(section))
        for student in range(STUDENTS):
            notebooks.write(notebooks.fill_answers(release, answers),
                            course.submitted(f"student-{student:02d}", section))


def per_submission(protected):
    """``{section: seconds per submission}`` for one course."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        course(folder, protected)
        times = {}
        for section in Course(folder).sections():
            start = time.perf_counter()
            build.nbgrader("autograde", section, "--force", root=folder, quiet=True)
            times[section] = (time.perf_counter() - start) / STUDENTS
        # The comparison only means something if both graded the same work in full.
        for (name, student), (score, most) in build.scores(folder).items():
            if score != most:
                raise SystemExit(f"{'protected' if protected else 'stock'}: {student} got "
                                 f"{score}/{most} in {name}")
        return times


def main():
    stock, protected = per_submission(False), per_submission(True)
    print(f"seconds per submission, {STUDENTS} submissions per batch")
    print(f"{'section':12} {'stock':>8} {'protected':>10} {'added':>8}")
    for section in stock:
        added = protected[section] - stock[section]
        print(f"{section:12} {stock[section]:8.2f} {protected[section]:10.2f} {added:+8.2f}")


if __name__ == "__main__":
    main()
