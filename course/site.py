"""The website for self-learners: ``python -m course.site [out]`` writes site/.

Each section notebook, source/<section>/<section>.ipynb, is executed with the
reference solutions in place (in its own folder, so ``from tools import ...``
works) and rendered with nbconvert's lab template plus
course/site_template/notebook.html.j2:

- statements, demonstrations, figures and visible tests are shown, executed;
- each answer cell is shown as the student gets it (``# YOUR CODE HERE``),
  followed by the reference solution folded in ``<details>`` ("Show solution");
- hidden tests are cut out before anything runs, solution markers stripped;
  a marker left anywhere stops the build rather than being published;
- outputs that measure the machine (timings and speed-ups, ``sysinfo()``)
  are replaced by a note, so that building twice gives identical files.

Beside the pages: index.html (each section's title and first sentence, from
its first markdown cell), tools.html and tools.py, and the student notebooks
from release/ for download when they have been generated.
"""
import argparse
import html
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import jinja2
import nbformat
from markupsafe import Markup
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from . import notebooks
from .layout import ROOT, Course

TEMPLATES = Path(__file__).resolve().parent / "site_template"
# Where the course is published: Binder builds the student environment from it
# (environment.yml, postBuild) and opens a notebook in JupyterLab.
REPOSITORY = "advanced-numpy/advanced-numpy"
CELL_TIMEOUT = 600  # seconds per cell, as nbconvert's default execution

# A code cell whose output depends on the machine or the clock: it times
# something (``timeit``, results named ``time_*`` by the course's convention)
# or reports the system (``sysinfo``).
MEASURES = re.compile(r"\btimeit\(|\bsysinfo\(|\btime_\w+")
MEASURED_NOTE = ("Measured when the cell runs (timings, speed-ups, versions, date): "
                 "the figures depend on the machine, so run the notebook to see yours.")
_SOLUTION = re.compile(rf"^([ \t]*){re.escape(notebooks.SOLUTION_BEGIN)}[ \t]*$.*?"
                       rf"^[ \t]*{re.escape(notebooks.SOLUTION_END)}[ \t]*$",
                       re.MULTILINE | re.DOTALL)
_MARKERS = (notebooks.SOLUTION_BEGIN, notebooks.SOLUTION_END,
            notebooks.HIDDEN_BEGIN, notebooks.HIDDEN_END)


def binder_url(notebook):
    """The Binder link that opens ``notebook`` (a path in the repository) in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?labpath={quote(notebook, safe='')}"


def without_hidden_tests(source):
    """A test cell's visible part: every hidden region cut out."""
    return notebooks.split_hidden_tests(source)[0].rstrip()


def student_stub(source):
    """An answer cell as the student gets it (each solution region replaced as nbgrader does)."""
    return _SOLUTION.sub(lambda m: f"{m[1]}# YOUR CODE HERE\n{m[1]}raise NotImplementedError()", source)


def site_notebook(source_nb):
    """The notebook to execute: solutions in place (marked for folding), hidden tests cut out."""
    nb = nbformat.from_dict(source_nb)
    cells = []
    for cell in nb.cells:
        meta = {}
        if notebooks.is_answer(cell):
            meta = {"site": "solution", "stub": student_stub(cell.source)}
            cell.source = notebooks.strip_solution_markers(cell.source)
        elif notebooks.is_test(cell):
            cell.source = without_hidden_tests(cell.source)
            if not cell.source.strip():
                continue  # hidden tests only
        for marker in _MARKERS:
            if marker in cell.source + meta.get("stub", ""):
                raise ValueError(f"cell {cell.id!r}: {marker!r} left after preparing the site notebook")
        if cell.cell_type == "code" and MEASURES.search(cell.source):
            meta["site"] = "measured"
        cell.metadata = nbformat.from_dict(meta)
        cells.append(cell)
    nb.cells = cells
    return nb


def execute(nb, folder):
    """Run ``nb`` top to bottom in a fresh kernel whose working directory is ``folder``.

    The kernel's own stderr (start-up warnings) is shown only when something fails.
    """
    env = dict(os.environ, COLORTERM="truecolor", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env.pop("NO_COLOR", None)  # tools.imshow draws in colour, as in Jupyter
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=notebooks.KERNELSPEC["name"],
                            record_timing=False, resources={"metadata": {"path": str(folder)}})
    with tempfile.TemporaryFile("w+") as stderr:
        try:
            client.execute(env=env, stderr=stderr)
        except Exception:
            stderr.seek(0)
            sys.stderr.write(stderr.read())
            raise
    # The kernel flushes printed text on a timer, so one cell's output can arrive in
    # two pieces or one depending on timing: join them, or two builds would differ.
    coalesce = CoalesceStreamsPreprocessor()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            coalesce.preprocess_cell(cell, {}, index)
    return nb


def fold_for_the_page(nb):
    """After execution: a stub before each solution, a note instead of measured outputs."""
    cells = []
    for cell in nb.cells:
        role = cell.metadata.get("site")
        if role == "solution":
            cells.append(nbformat.v4.new_code_cell(cell.metadata.pop("stub"), id=f"{cell.id}-stub"))
        elif role == "measured" and cell.outputs:
            cell.outputs = [nbformat.v4.new_output(
                "display_data", data={"text/plain": MEASURED_NOTE,
                                      "text/html": f'<p class="site-measured">{html.escape(MEASURED_NOTE)}</p>'})]
        cells.append(cell)
    nb.cells = cells
    return nb


def heading(nb):
    """``(title, first sentence)`` of the notebook's first markdown cell."""
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    title, _, rest = first.source.strip().partition("\n")
    paragraph = " ".join(rest.strip().split("\n\n")[0].split())
    sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    return title.lstrip("#").strip(), sentence


def build_site(root=ROOT, out=None):
    """Render the site into ``out`` (default ``root/site``); return the folder."""
    course = Course(root)
    out = Path(out) if out is not None else course.site_dir
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(extra_template_paths=[str(TEMPLATES)], template_name="lab",
                            template_file="notebook.html.j2")
    pages = []
    for section in course.sections():
        folder = course.source(section).parent
        source_nb = notebooks.read(course.source(section))
        title, description = heading(source_nb)
        student = course.release(section)
        if student.exists():
            shutil.copyfile(student, out / f"{section}.ipynb")
        page = {"title": title, "href": f"{section}.html",
                "description": Markup(markdown2html(description)),
                "notebook": f"{section}.ipynb" if student.exists() else None}
        nb = fold_for_the_page(execute(site_notebook(source_nb), folder))
        nb.metadata["title"] = title
        body, _ = exporter.from_notebook_node(nb, resources={"site": page})
        (out / page["href"]).write_text(body, encoding="utf-8")
        pages.append(page)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             keep_trailing_newline=True)
    tools = course.tools.read_text(encoding="utf-8")
    shutil.copyfile(course.tools, out / "tools.py")
    formatter = HtmlFormatter(cssclass="highlight", linenos="table")
    (out / "tools.html").write_text(env.get_template("tools.html.j2").render(
        code=Markup(highlight(tools, PythonLexer(), formatter)),
        style=Markup(formatter.get_style_defs(".highlight"))), encoding="utf-8")
    (out / "index.html").write_text(env.get_template("home.html.j2").render(pages=pages), encoding="utf-8")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.site", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="output folder (default: site/)")
    out = build_site(out=parser.parse_args(argv).out)
    print(f"site: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
