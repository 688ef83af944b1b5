"""A class graded sequentially by plain nbgrader and in parallel by ``course.build autograde``,
each against the floor of grading.

Builds a throw-away course with the sections asked for, hands in the reference solutions for
STUDENTS students in each, and grades each section from a clean gradebook twice, in one run on
the same machine:

(a) ``nbgrader autograde SECTION`` with this folder's config (one process);
(b) ``python -m course.build autograde SECTION --jobs JOBS``.

Both must give every student full marks. Printed per section: the wall time of each, the ratio
a/b, seconds and CPU seconds per submission, the limit (the CPU seconds that grading needs,
measured on (a): the CPU time of nbgrader and every process it waited for, the students'
sandboxed processes included, divided by the cores), and the *floor*: the CPU seconds of the
section's code cells with their hidden tests run once in an already-warm Python process
(``notebook_floor.py``), with CPU per submission of (a) and (b) as a multiple of it. Run by hand,
on a quiet machine: ``.venv/bin/python benchmarks/class_grading.py [students] [jobs] [timeit
budget] [sections]``; a third argument other than ``default`` sets
``c.IsolatedExecute.timeit_budget`` in the throw-away course's config (``none``: each
tools.timeit keeps the notebook's own budget, capped at 0.1 s as before the grader set one), to
measure what the budget saves; the fourth names the sections, comma-separated (default warmup).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course import build, notebooks
from course.layout import ROOT, Course

STUDENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
JOBS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
TIMEIT_BUDGET = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "default" else None
SECTIONS = sys.argv[4].split(",") if len(sys.argv) > 4 else ["warmup"]
FLOOR = Path(__file__).with_name("notebook_floor.py")


def make_class(folder):
    for helper in Course().helpers:
        shutil.copy(helper, folder)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "source", folder / "source", symlinks=True)
    for section in Course().sections():
        if section not in SECTIONS:
            shutil.rmtree(folder / "source" / section)
    if TIMEIT_BUDGET is not None:
        budget = "None" if TIMEIT_BUDGET == "none" else repr(float(TIMEIT_BUDGET))
        with open(folder / "nbgrader_config.py", "a") as config:
            config.write(f"\nc.IsolatedExecute.timeit_budget = {budget}\n")
    build.generate(root=folder)
    course = Course(folder)
    for section in SECTIONS:
        answers = notebooks.reference_answers(notebooks.read(course.source(section)))
        graded = notebooks.fill_answers(notebooks.read(course.release(section)), answers)
        for student in range(STUDENTS):
            notebooks.write(graded, course.submitted(f"student-{student:03d}", section))
    shutil.copy(course.gradebook, folder / "clean-gradebook.db")


def clean(folder):
    """The gradebook as generate_assignment left it, no graded copies, no reports."""
    course = Course(folder)
    shutil.copy(folder / "clean-gradebook.db", course.gradebook)
    for made in (course.autograded_dir, course.reports_dir):
        shutil.rmtree(made, ignore_errors=True)


CPUACCT = Path("/sys/fs/cgroup/cpuacct")   # cgroup v1 CPU accounting, where the machine has it


def timed(command, folder):
    """(wall seconds, CPU seconds of the command and all its descendants).

    The students' sandboxed processes live in PID namespaces of their own whose
    first process is killed, so ``wait4`` of the command misses their CPU time;
    a cgroup counts every process started inside it. Without one (no root, no
    cgroup v1 cpuacct), the figure is wait4's and says so."""
    group = CPUACCT / f"class-grading-{os.getpid()}"
    try:
        group.mkdir()
    except OSError:
        group = None
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=folder, env=build.tool_environ(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=(lambda: (group / "cgroup.procs").write_text(str(os.getpid())))
                               if group else None)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if group:
        deadline = time.monotonic() + 60
        while (group / "cgroup.procs").read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.1)   # a helper (multiprocessing's resource tracker) may outlive the command briefly
        cpu = int((group / "cpuacct.usage").read_text()) / 1e9
        group.rmdir()
    else:
        cpu = usage.ru_utime + usage.ru_stime
        print("(no cgroup: CPU seconds from wait4, without the students' processes)")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(map(str, command))} exited with {os.waitstatus_to_exitcode(status)}")
    return wall, cpu


def check_full_marks(folder, section, label):
    scores = {student: marks for (name, student), marks in build.scores(folder).items() if name == section}
    if len(scores) != STUDENTS or any(score != most for score, most, _ in scores.values()):
        raise SystemExit(f"{label}: not every student got full marks: {scores}")


def floor(section):
    """CPU seconds of the section's cells with hidden tests in one warm process (notebook_floor.py)."""
    budget = [] if TIMEIT_BUDGET is None else ["--timeit-budget", TIMEIT_BUDGET]
    done = subprocess.run([sys.executable, str(FLOOR), section, "3", *budget], capture_output=True, text=True,
                          env=build.tool_environ(), check=True)
    return float(done.stdout.split()[-1])


def main():
    cores = os.cpu_count()
    budget = "default" if TIMEIT_BUDGET is None else TIMEIT_BUDGET
    print(f"{STUDENTS} submissions (reference solutions) per section, {cores} cores, --jobs {JOBS},"
          f" timeit budget {budget}; load before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_class(folder)
        for section in SECTIONS:
            least = floor(section)
            clean(folder)
            a, cpu_a = timed([sys.executable, "-m", "nbgrader", "autograde", section, "--force"], folder)
            check_full_marks(folder, section, f"(a) nbgrader autograde {section}")
            clean(folder)
            b, cpu_b = timed([sys.executable, "-m", "course.build", "autograde", section, "--jobs", str(JOBS),
                              "--root", str(folder)], folder)
            check_full_marks(folder, section, f"(b) course.build autograde {section}")
            limit = cpu_a / cores
            print(f"{section}: floor {least:.2f} CPU s per submission")
            print(f"  (a) nbgrader autograde {section}: {a:7.1f} s  ({a / STUDENTS:.2f} s per submission,"
                  f" {cpu_a / STUDENTS:.2f} CPU s per submission = {cpu_a / STUDENTS / least:.2f} x floor)")
            print(f"  (b) course.build autograde --jobs {JOBS}: {b:7.1f} s  ({b / STUDENTS:.2f} s per submission,"
                  f" {cpu_b / STUDENTS:.2f} CPU s per submission = {cpu_b / STUDENTS / least:.2f} x floor)")
            print(f"  a / b = {a / b:.2f}; limit (CPU s of (a) / cores) = {limit:.1f} s; b / limit = {b / limit:.2f}")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
