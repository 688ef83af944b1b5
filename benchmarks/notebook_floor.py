"""The floor of grading a submission: CPU seconds of a section's code cells, hidden tests included,
run once in an already-warm Python process, with the timing budget of autograding.

No grader, sandbox or nbgrader: the solution notebook's cells (the hidden tests are part of their
source) run in one IPython shell, NumPy and matplotlib imported beforehand, each round in a fresh
namespace; the first round (which imports tools.py and warms caches) is not counted. What
``class_grading.py`` compares a grading job's CPU with. Run by hand:
``.venv/bin/python benchmarks/notebook_floor.py SECTION [rounds] [--timeit-budget SECONDS|none]`` prints
the CPU seconds per round.
"""
import contextlib
import io
import os
import resource
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# As the grader's worker sets them (course/grading/session.py); the budget is IsolatedExecute.timeit_budget's.
ENVIRONMENT = {"NBGRADER_EXECUTION": "autograde", "COURSE_TIMEIT_BUDGET": "0.05", "MPLBACKEND": "Agg",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _cpu():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def floor(section, rounds=3, timeit_budget="0.05"):
    """CPU seconds per run of ``section``'s code cells: the median of ``rounds`` counted rounds."""
    environment = dict(ENVIRONMENT)
    if timeit_budget is None:
        del environment["COURSE_TIMEIT_BUDGET"]
    else:
        environment["COURSE_TIMEIT_BUDGET"] = str(timeit_budget)
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    import matplotlib.pyplot as plt
    import numpy  # noqa: F401 - warm: every notebook imports it
    from IPython.core.interactiveshell import InteractiveShell

    from course import notebooks
    from course.layout import Course

    path = Course().source(section)
    cells = [c.source for c in notebooks.read(path).cells if c.cell_type == "code"]
    os.chdir(path.parent)   # tools.py and the data beside the notebook
    sys.path.insert(0, str(path.parent))
    shell = InteractiveShell.instance(history_length=0)
    shell.history_manager.enabled = False
    spent = []
    for _ in range(rounds + 1):
        shell.reset(new_session=False)
        before = _cpu()
        for source in cells:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                result = shell.run_cell(source, store_history=False, silent=True)
            plt.close("all")
            if result.error_in_exec or result.error_before_exec:
                raise SystemExit(f"{section}: a cell of the solution failed: {result.error_in_exec!r}")
        spent.append(_cpu() - before)
    return statistics.median(spent[1:])


if __name__ == "__main__":
    arguments, budget = sys.argv[1:], "0.05"
    if "--timeit-budget" in arguments:
        at = arguments.index("--timeit-budget")
        budget = None if arguments[at + 1] == "none" else arguments[at + 1]
        del arguments[at:at + 2]
    print(f"{floor(arguments[0], int(arguments[1]) if len(arguments) > 1 else 3, budget):.3f}")
