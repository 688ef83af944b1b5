"""The feedback page a student receives (``nbgrader generate_feedback``), made to read like the site.

nbgrader_config.py makes :class:`FeedbackExporter` GenerateFeedback's exporter and
:class:`SanitizeOutputs` its sanitiser (after course.grading.feedback.HideHiddenTests and
nbgrader's GetGrades have run):

- Markdown is rendered by the site's exporter (course.site.SiteExporter: equations as
  MathML when the page is made, so no script and no network), then the rendered HTML is
  sanitised (:func:`sanitize`). Sanitising the Markdown source instead, as nbconvert's
  SanitizeHTML does, escapes the ``<`` of inline code once there and once more when the
  Markdown is rendered: students read ``0 &lt;= index``;
- no script, event handler, ``javascript:`` link or frame from a student's cells reaches
  the page: rendered Markdown goes through :func:`sanitize`, outputs through
  :class:`SanitizeOutputs`, code and tracebacks are escaped by the template;
- the site's stylesheet (course.site.stylesheet) is in the page itself: a feedback page is
  handed out alone, without site/;
- at the top, a table of the exercises: name (a link to its answer cell), points earned and
  possible, a one-line verdict (course.grading.feedback.exercise_verdict), and the total.
"""
from jinja2 import pass_context
from nbconvert.preprocessors.sanitize import SanitizeHTML
from traitlets.config import Config

from . import notebooks, site
from .grading import feedback
from .sanitize import sanitize

TEMPLATE = "feedback.html.j2"   # in course/site_template/, beside the site's own templates


class SanitizeOutputs(SanitizeHTML):
    """nbconvert's SanitizeHTML (raw cells, outputs), but for Markdown, which the exporter
    renders first and sanitises after (:func:`sanitize`): sanitised before, its ``<`` inside
    code would be escaped twice. Only for pages made by :class:`FeedbackExporter`."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "markdown":
            return cell, resources
        return super().preprocess_cell(cell, resources, cell_index)

    def sanitize_code_outputs(self, outputs):
        # A Markdown output is rendered by FeedbackExporter.markdown2html, which sanitises it.
        markdown = [output.get("data", {}).pop("text/markdown", None) for output in outputs]
        outputs = super().sanitize_code_outputs(outputs)
        for output, text in zip(outputs, markdown):
            if text is not None:
                output.data["text/markdown"] = text
        return outputs


def points(value):
    """``1.0`` -> ``"1"``, ``0.5`` -> ``"0.5"``."""
    return f"{float(value or 0):g}"


def _anchor(cell_id):
    return f"cell-id={cell_id}" if cell_id else None


def exercise_rows(nb):
    """The table at the top of the page: one row per exercise, in notebook order, with
    ``name``, ``earned``, ``possible``, ``extra`` (extra credit above the points), ``verdict``,
    ``passed`` and ``anchor`` (the id of its answer cell on the page, or of its first test cell;
    None for a notebook older than nbformat 4.5, whose cells have no ids: nbgrader grades those too)."""
    answers = {notebooks.nbgrader_meta(c).get("grade_id"): c.get("id") for c in nb.cells if notebooks.is_answer(c)}
    # An answer cell that still raises NotImplementedError defines nothing (a value exercise's
    # test then fails on an undefined name): "not answered yet" is what the student reads.
    untouched = {notebooks.nbgrader_meta(c).get("grade_id") for c in nb.cells if notebooks.is_answer(c)
                 and any(o.get("ename") == "NotImplementedError" for o in c.get("outputs", []))}
    rows = {}
    for cell in nb.cells:
        if not notebooks.is_test(cell):
            continue
        meta = notebooks.nbgrader_meta(cell)
        name = notebooks.exercise_of(meta.get("grade_id", "")) or meta.get("grade_id", "")
        row = rows.setdefault(name, {"name": name, "earned": 0.0, "possible": 0.0, "tests": [],
                                     "anchor": _anchor(answers.get(name) or cell.get("id"))})
        row["earned"] += float(meta.get("score") or 0)
        row["possible"] += float(meta.get("points") or 0)
        row["tests"].append(cell)
    for row in rows.values():
        # nbgrader's score includes a grader's extra credit: above the points, it is said as such
        row["extra"] = max(row["earned"] - row["possible"], 0.0)
        row["earned"] -= row["extra"]
        tests = row.pop("tests")
        row["verdict"] = feedback.exercise_verdict(tests)
        if row["name"] in untouched and row["verdict"] != feedback.PASSED:
            row["verdict"] = feedback.NOT_ANSWERED
        row["passed"] = row["verdict"] == feedback.PASSED
    return list(rows.values())


class FeedbackExporter(site.SiteExporter):
    """The site's HTML export (its Markdown and equations), with the feedback template, the
    site's stylesheet in the page and rendered Markdown sanitised."""

    def __init__(self, config=None, **kwargs):
        # GenerateFeedback sets HTMLExporter's template to nbgrader's own; settings of this
        # class come after those of its bases.
        own = Config()
        own.FeedbackExporter.template_name = "lab"
        own.FeedbackExporter.template_file = TEMPLATE
        own.FeedbackExporter.extra_template_paths = [str(site.TEMPLATES)]
        own.FeedbackExporter.extra_template_basedirs = []
        merged = Config(config) if config is not None else Config()
        merged.merge(own)
        super().__init__(config=merged, **kwargs)
        self._stylesheet = None

    @pass_context
    def markdown2html(self, context, source):
        return sanitize(super().markdown2html(context, source))

    def default_filters(self):
        yield from super().default_filters()
        yield "exercise_rows", exercise_rows
        yield "points", points

    def from_notebook_node(self, nb, resources=None, **kw):
        if self._stylesheet is None:
            self._stylesheet = site.stylesheet(self)
        resources = {} if resources is None else resources
        resources["feedback_page"] = {"stylesheet": self._stylesheet}
        return super().from_notebook_node(nb, resources, **kw)
