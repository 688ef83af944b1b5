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
  are replaced by a note, so that building twice gives identical files;
- equations are rendered to MathML when the site is built, so pages need no
  script and no network; every figure gets the alt text written for it in
  course/site_template/figures.json (the build stops when one has none).

Beside the pages: index.html (the course outline: each section's parts and
exercises, linked), tools.html, tools.py and _tools_render.py, style.css (the one stylesheet of
every page), and the student notebooks from release/ for download when they
have been generated. Each page links its notebook and the Binder launch.
The folder belongs to the site: files an earlier build wrote that this one did
not (the page of a section that no longer exists) are removed.

A student's feedback page (course.feedback_page) is made by a subclass of this
module's exporter, with its stylesheet: the course's Markdown is turned into HTML
here only.
"""
import argparse
import html
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import jinja2
import nbformat
from bs4 import BeautifulSoup
from jinja2 import pass_context
from jupyterlab_pygments import JupyterStyle
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from traitlets.config import Config

from . import notebooks, site_guide
from .layout import ROOT, Course

TEMPLATES = Path(__file__).resolve().parent / "site_template"
FIGURES = TEMPLATES / "figures.json"   # alt text of each figure: {section: {cell id: text}}
STYLESHEET = "style.css"
SITE_MARKER = ".course-site"   # marks a folder as the site's own (stale files in it are removed)
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


def binder_url(notebook, repository=None):
    """The Binder link that opens ``notebook`` (a path in the repository) in JupyterLab, or None.
    ``repository``: where the course is published (GitHub owner/name; default: course.toml's
    ``repository``); Binder builds the student environment from it (environment.yml, postBuild)."""
    repository = Course().config.repository if repository is None else repository
    if not repository:
        return None
    return f"https://mybinder.org/v2/gh/{repository}/HEAD?labpath={quote(notebook, safe='')}"


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


def fold_for_the_page(nb, alt_texts):
    """After execution: a stub before each solution, a note instead of measured outputs,
    and each figure's alt text (``alt_texts``: {cell id: text}) where the page shows it."""
    cells = []
    for cell in nb.cells:
        role = cell.metadata.get("site")
        if role == "solution":
            cells.append(nbformat.v4.new_code_cell(cell.metadata.pop("stub"), id=f"{cell.id}-stub"))
        elif role == "measured" and cell.outputs:
            cell.outputs = [nbformat.v4.new_output(
                "display_data", data={"text/plain": MEASURED_NOTE,
                                      "text/html": f'<p class="site-measured">{html.escape(MEASURED_NOTE)}</p>'})]
        if cell.cell_type == "code" and cell.id in alt_texts:
            cell.metadata["site_alt"] = alt_texts[cell.id]
        cells.append(cell)
    nb.cells = cells
    return nb


def figure_cells(nb):
    """Ids of the code cells whose outputs include a picture (the page shows it as an image)."""
    return [c.id for c in nb.cells if c.cell_type == "code"
            and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]


def check_alt_texts(section, nb, alt_texts):
    """Every figure has its alt text, and every alt text has its figure."""
    figures = figure_cells(nb)
    missing = [cell for cell in figures if not alt_texts.get(cell, "").strip()]
    stale = sorted(set(alt_texts) - set(figures))
    if missing or stale:
        raise ValueError(f"{FIGURES.name}, section {section!r}: "
                         + "; ".join([f"no alt text for the figure of cell {c!r}" for c in missing]
                                     + [f"cell {c!r} draws no figure" for c in stale]))


def heading(nb):
    """``(title, first sentence)`` of the notebook's first markdown cell."""
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    title, _, rest = first.source.strip().partition("\n")
    paragraph = " ".join(rest.strip().split("\n\n")[0].split())
    sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    return title.lstrip("#").strip(), sentence


# --- equations: MathML, made when the site is built --------------------------

# latex2mathml writes p' as a superscript prime; the prime glyph is already raised, and
# Chromium raises it a second time. As an operator after its base it reads as in print.
_PRIME = "(&#x0203[234];)"
_ATOM = r"(<m[in]>[^<]*</m[in]>)"
_SUPERSCRIPT_PRIME = re.compile(rf"<msup>{_ATOM}<mi>{_PRIME}</mi></msup>")
_SUBSCRIPT_PRIME = re.compile(rf"<msubsup>{_ATOM}({_ATOM[1:-1]}|<mrow>(?:<m[ino]>[^<]*</m[ino]>)+</mrow>)"
                              rf"<mi>{_PRIME}</mi></msubsup>")


def mathml(latex, **options):
    """``latex`` as MathML, primes after their base rather than raised."""
    markup = latex_to_mathml(latex, **options)
    markup = _SUPERSCRIPT_PRIME.sub(r"<mrow>\1<mo>\2</mo></mrow>", markup)
    return _SUBSCRIPT_PRIME.sub(r"<msub><mrow>\1<mo>\3</mo></mrow>\2</msub>", markup)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer with ``$...$`` and ``$$...$$`` written as MathML
    (which browsers draw themselves) instead of left for MathJax to typeset."""

    def inline_math(self, body):
        return mathml(body)

    def block_math(self, body):
        return mathml(body, display="block")

    def latex_environment(self, name, body):
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display="block")


class SiteExporter(HTMLExporter):
    """The lab template's HTML export, with equations rendered by :class:`MathMLRenderer`."""

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MathMLRenderer(escape=False, attachments=cell.get("attachments", {}),
                                  embed_images=self.embed_images, anchor_link_text=self.anchor_link_text,
                                  exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)


def exporter():
    config = Config()
    config.CSSHTMLHeaderPreprocessor.enabled = False  # its styles go to the shared style.css
    return SiteExporter(config=config, extra_template_paths=[str(TEMPLATES)], template_name="lab",
                        template_file="notebook.html.j2")


def stylesheet(exporter):
    """style.css: what the lab template would put in every page's head (JupyterLab's
    notebook styles, light theme, code colours), then the site's own rules."""
    def template_file(name):
        return exporter.environment.loader.get_source(exporter.environment, name)[0]

    parts = [template_file("static/index.css"), template_file("static/theme-light.css"),
             HtmlFormatter(style=JupyterStyle).get_style_defs(".highlight"),
             (TEMPLATES / "site.css").read_text(encoding="utf-8")]
    return "\n".join(part.strip() + "\n" for part in parts)


# --- the index: the course outline -------------------------------------------

def outline(page_html, href):
    """The parts of a rendered section page (its ``##`` headings, linked) and each part's
    exercises (their stub cells, linked): ``[{"title", "href", "exercises": [(name, href)]}]``."""
    soup = BeautifulSoup(page_html, "html.parser")
    parts = []
    for element in soup.find_all(["h2", "div"]):
        if element.name == "h2":
            for link in element.find_all("a", class_="anchor-link"):
                link.decompose()
            parts.append({"title": " ".join(element.get_text().split()),
                          "href": f"{href}#{element.get('id', '')}", "exercises": []})
        elif (element.get("id") or "").endswith("-stub") and parts:
            name = element["id"].removeprefix("cell-id=").removesuffix("-stub")
            parts[-1]["exercises"].append((name, f"{href}#{element['id']}"))
    return parts


# --- building -----------------------------------------------------------------

def prepare_folder(out, owned):
    """Make ``out`` the site's folder; refuse a folder with files of something else."""
    out.mkdir(parents=True, exist_ok=True)
    if not owned and not (out / SITE_MARKER).exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty and not a site folder ({SITE_MARKER} missing): not building there")
    (out / SITE_MARKER).write_text("Written by python -m course.site: files it did not write are removed.\n")


def remove_stale(out, written):
    """Remove what is in ``out`` and was not written by this build (a section that is gone)."""
    for path in sorted(out.iterdir()):
        if path.name not in written and path.name != SITE_MARKER:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def build_site(root=ROOT, out=None):
    """Render the site into ``out`` (default ``root/site``); return the folder."""
    course = Course(root)
    out = Path(out) if out is not None else course.site_dir
    prepare_folder(out, owned=out.resolve() == course.site_dir.resolve())
    written = set()

    def write(name, text):
        (out / name).write_text(text, encoding="utf-8")
        written.add(name)

    config = course.config
    pages_exporter = exporter()
    alt_texts = json.loads(FIGURES.read_text(encoding="utf-8"))
    pages = []
    for section in course.sections():
        folder = course.source(section).parent
        source_nb = notebooks.read(course.source(section))
        title, description = heading(source_nb)
        student = course.release(section)
        if student.exists():
            shutil.copyfile(student, out / f"{section}.ipynb")
            written.add(f"{section}.ipynb")
        page = {"title": title, "href": f"{section}.html",
                "description": Markup(markdown2html(description)),
                "notebook": f"{section}.ipynb" if student.exists() else None,
                "binder": binder_url(course.release(section).relative_to(course.root).as_posix(), config.repository),
                "course": config.name}
        executed = execute(site_notebook(source_nb), folder)
        check_alt_texts(section, executed, alt_texts.get(section, {}))
        nb = fold_for_the_page(executed, alt_texts.get(section, {}))
        nb.metadata["title"] = title
        body, _ = pages_exporter.from_notebook_node(nb, resources={"site": {**page, "stylesheet": STYLESHEET}})
        write(page["href"], body)
        page["parts"] = outline(body, page["href"])
        pages.append(page)
    unknown = set(alt_texts) - set(course.sections())
    if unknown:
        raise ValueError(f"{FIGURES.name} names sections that do not exist: {sorted(unknown)}")

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             keep_trailing_newline=True)
    write(STYLESHEET, stylesheet(pages_exporter))
    tools = course.tools.read_text(encoding="utf-8")
    for helper in course.helpers:
        shutil.copyfile(helper, out / helper.name)
        written.add(helper.name)
    formatter = HtmlFormatter(cssclass="highlight", linenos="table")
    write("tools.html", env.get_template("tools.html.j2").render(
        code=Markup(highlight(tools, PythonLexer(), formatter)), stylesheet=STYLESHEET, course=config.name))
    guide = site_guide.build_guide(course, out, env.get_template("guide.html.j2"), STYLESHEET, MathMLRenderer)
    if guide:
        written.add(site_guide.FOLDER)
    write("index.html", env.get_template("home.html.j2").render(pages=pages, stylesheet=STYLESHEET,
                                                               course=config.name, guide=guide))
    remove_stale(out, written)
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
