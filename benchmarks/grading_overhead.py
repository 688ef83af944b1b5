"""Grading time per submission, protected (this course's config) against stock nbgrader.

Builds two throw-away courses from this repository, hands in the reference
solutions of every section as one student, and times ``nbgrader autograde``
for each. Run by hand: ``.venv/bin/python benchmarks/grading_overhead.py``.
"""
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course import build, notebooks  # noqa: E402

STOCK = ('c = get_config()\nc.CourseDirectory.course_id = "advanced-numpy"\n'
         'c.Execute.timeout = 120\n')


def course(folder, protected):
    shutil.copy(ROOT / "tools.py", folder)
    shutil.copytree(ROOT / "source", folder / "source", symlinks=True)
    if protected:
        shutil.copy(ROOT / "nbgrader_config.py", folder)
    else:
        (folder / "nbgrader_config.py").write_text(STOCK)
    build.generate(root=folder)
    for section in build.sections(folder):
        answers = notebooks.reference_answers(notebooks.read(folder / "source" / section / f"{section}.ipynb"))
        release = notebooks.read(folder / "release" / section / f"{section}.ipynb")
        notebooks.write(notebooks.fill_answers(release, answers),
                        folder / "submitted" / "alice" / section / f"{section}.ipynb")


def main():
    for protected in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            course(folder, protected)
            for section in build.sections(folder):
                start = time.perf_counter()
                build.nbgrader("autograde", section, "--force", root=folder, quiet=True)
                elapsed = time.perf_counter() - start
                print(f"{'protected' if protected else 'stock    '} {section:12} {elapsed:6.2f} s")


if __name__ == "__main__":
    main()
