"""Wall time of executing each source (solution) notebook top to bottom, as nbconvert does.

Run by hand: ``.venv/bin/python benchmarks/notebook_execution.py [repeats]``.
"""
import sys
import time

import nbformat
from nbclient import NotebookClient

from course.layout import Course



def main(repeats=3):
    course = Course()
    for section in course.sections():
        path = course.source(section)
        times = []
        for _ in range(repeats):
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
            times.append(time.perf_counter() - start)
        print(f"{section:12} best {min(times):6.2f} s   all {', '.join(f'{t:.2f}' for t in times)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
