"""The autograded copy of a submission made safe to render: what formgrader shows the instructor,
what ``autograded/`` keeps and what generate_feedback reads.

formgrader renders a Markdown cell with nbconvert's Markdown renderer (mistune), which passes
raw HTML through and keeps ``javascript:`` links (``allow_harmful_protocols``), and shows
outputs as they are. nbgrader_config.py runs :class:`SafeToView` last in the autograde pipeline,
after SaveAutoGrades and AssignLatePenalties (grades and nbgrader's "No response" are those of
the cells as handed in):

- a student's Markdown cell (any Markdown cell but an nbgrader cell whose source is the
  instructor's, as OverwriteCells restored it) keeps its text, with what would be live made
  text (:func:`neutralised`): each ``<`` outside code and math becomes ``&lt;``, so a
  ``<script>`` shows as the text ``<script>`` (but for attribute-less tags of
  :attr:`SafeToView.keep_tags`, such as ``<sub>``); when a link or image would go somewhere unsafe
  (a ``javascript:`` link, an image fetched from elsewhere), each ``[`` outside code and math
  becomes ``&#91;``, so links and images show as the text the student typed. Code spans, fenced
  code and math are left as they are (they render as text already). What is code or math is
  told by the renderer itself: each candidate character is replaced by a marker of its own and
  the cell rendered once; the result is rendered again and checked (no raw HTML but the kept
  tags, no unsafe URL); a cell that fails the check, or longer than
  :attr:`SafeToView.markdown_limit`, is shown as its source in a fenced code block;
- its attachments keep PNG and JPEG images whose bytes begin as their format's (an SVG or HTML
  attachment is dropped);
- outputs of a notebook that was not executed (``--no-execute``: the outputs handed in) are
  made safe as the executed path makes them (course.grading.displays, course.sanitize);
- raw cells are left to nbconvert, which cleans their HTML with bleach when it renders them,
  unless they would cost too much to parse (course.sanitize.too_costly): then they are escaped.
"""
import html
import math
import re

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, List, Unicode

from . import displays
from .call_report import bounded_text
from .per_text import once_per_text

_FIRST_MARKER = 0xF0000            # Supplementary Private Use Area-A and -B: one character per marker
_LAST_MARKER = 0x10FFFD
_MARKER = re.compile("[\U000F0000-\U0010FFFD]")
LT, BRACKET = "&lt;", "&#91;"
NOTE = ("*The grader shows this cell as its source: rendered, it could run code or fetch something in"
        " this page.*\n\n")
IMAGE_DATA = re.compile(r"data:image/(png|jpeg);base64,", re.IGNORECASE)


def _renderer_class():
    """nbconvert's renderer, recording what the page would get: markers in code and math, raw
    HTML, link and image URLs (imported here: only autograde loads mistune)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class Recorder(IPythonRenderer):
        def __init__(self, attachments):
            super().__init__(escape=False, attachments=attachments)
            self.kept, self.html, self.links, self.images = set(), [], [], []

        def _keep(self, text):
            self.kept.update(_MARKER.findall(text))

        def codespan(self, text):
            self._keep(text)
            return super().codespan(text)

        def block_code(self, code, info=None):
            if not (info or "").startswith("mermaid"):
                self._keep(code)
            elif "<" in code:   # nbconvert writes a mermaid block's code unescaped: it is HTML
                self.html.append(("mermaid", code))
            return super().block_code(code, info)

        def inline_math(self, body):
            self._keep(body)
            return super().inline_math(body)

        def block_math(self, body):
            self._keep(body)
            return super().block_math(body)

        def latex_environment(self, name, body):
            self._keep(name + body)
            return super().latex_environment(name, body)

        def inline_html(self, text):
            self.html.append(("inline", text))
            return super().inline_html(text)

        def block_html(self, text):
            self.html.append(("block", text))
            return super().block_html(text)

        def link(self, text, url, title=None):
            self.links.append(url)
            return super().link(text, url, title)

        def image(self, text, url, title=None):
            self.images.append(url)
            return super().image(text, "", title)   # nothing is embedded or looked up

    return Recorder


def _render(source, attachments):
    """The :class:`Recorder` that rendered ``source`` as formgrader does."""
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    renderer = _renderer_class()(attachments)
    MarkdownWithMath(renderer=renderer).render(source)
    return renderer


def _safe_link(url):
    from ..sanitize import _safe_attribute

    return _safe_attribute("a", "href", url)


def _safe_image(url, attachments):
    if url.startswith("attachment:"):
        return url[len("attachment:"):] in attachments
    return bool(IMAGE_DATA.match(url.strip()))


def _unsafe_urls(recorder, attachments):
    return ([url for url in recorder.links if not _safe_link(url)]
            + [url for url in recorder.images if not _safe_image(url, attachments)])


def _with_markers(source, characters):
    """``source`` with each of ``characters`` replaced by a marker of its own, and the list of
    (position, character) replaced; None when there are more than markers or the source has one."""
    found = [(m.start(), m[0]) for m in re.finditer("|".join(map(re.escape, characters)), source)]
    if _MARKER.search(source) or len(found) > _LAST_MARKER - _FIRST_MARKER:
        return None, found
    parts, position = [], 0
    for i, (at, _) in enumerate(found):
        parts += [source[position:at], chr(_FIRST_MARKER + i)]
        position = at + 1
    parts.append(source[position:])
    return "".join(parts), found


def _escaped(source, characters, attachments, keep_tag):
    """``source`` with each of ``characters`` outside code and math made text; a ``<`` that
    begins a tag ``keep_tag`` matches is kept. None when the markers cannot be used."""
    marked, found = _with_markers(source, characters)
    if marked is None:
        return None
    kept = _render(marked, attachments).kept
    parts, position = [], 0
    for i, (at, character) in enumerate(found):
        parts.append(source[position:at])
        position = at + 1
        if chr(_FIRST_MARKER + i) in kept or (character == "<" and keep_tag(source, at)):
            parts.append(character)
        else:
            parts.append(LT if character == "<" else BRACKET)
    parts.append(source[position:])
    return "".join(parts)


def as_code(source):
    """``source`` shown as it is, in a fenced code block (with :data:`NOTE`)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", source)), default=0))
    return f"{NOTE}{fence}\n{source}\n{fence}"


def neutralised(source, attachments=(), keep_tags=(), limit=100_000):
    """The Markdown ``source`` of a student's cell, with what would be live in a rendered page made
    text (see the module's docstring); ``attachments``: the names of the cell's attachments kept;
    ``keep_tags``: tag names kept live when they have no attribute. Unchanged when nothing is live."""
    attachments = set(attachments)
    if "<" not in source and "[" not in source:
        return source
    if len(source) > limit:
        return as_code(source)
    pattern = re.compile(r"</?(%s)\s*/?>" % "|".join(map(re.escape, keep_tags)), re.IGNORECASE) if keep_tags else None

    def keep_tag(text, at):
        return pattern is not None and pattern.match(text, at) is not None

    def safe(candidate, tags_allowed):
        try:
            recorder = _render(candidate, attachments)
        except Exception:
            return False
        return (not _unsafe_urls(recorder, attachments)
                and all(tags_allowed and kind == "inline" and pattern is not None and pattern.fullmatch(text)
                        for kind, text in recorder.html))

    try:
        original = _render(source, attachments)
    except Exception:
        return as_code(source)
    if not original.html and not _unsafe_urls(original, attachments):
        return source
    # escaping "<" alone, then "[" too, then with no tag kept: the first that renders safe
    attempts = [(("<",), True), (("<", "["), True), (("<", "["), False)]
    for characters, tags_allowed in attempts:
        try:
            candidate = _escaped(source, characters, attachments, keep_tag if tags_allowed else (lambda t, a: False))
        except Exception:
            candidate = None
        if candidate is not None and safe(candidate, tags_allowed):
            return candidate
    return as_code(source)


# the lesson's cells are the same in every submission
_neutralised_once = once_per_text(maxsize=1024)(neutralised)


def safe_attachments(attachments):
    """The attachments of a cell that are safe to embed: of each, its PNG and JPEG images whose
    bytes begin as their format's (decoded as a display's are, course.grading.displays); an
    attachment with none is left out."""
    kept = {}
    for name, bundle in (attachments or {}).items():
        images = {mime: "".join(value) if isinstance(value, list) else value
                  for mime, value in (bundle.items() if isinstance(bundle, dict) else ())
                  if mime in displays.IMAGE_SIGNATURES}
        decoded = displays.for_wire(images, image_bytes=math.inf)
        images = {mime: images[mime] for mime, signature in displays.IMAGE_SIGNATURES.items()
                  if decoded.get(mime, b"").startswith(signature)}
        if images:
            kept[name] = images
    return kept


class SafeToView(NbGraderPreprocessor):
    """Make the autograded copy safe to render in formgrader and in any viewer: a student's Markdown
    cells keep their text with what would be live made text, their attachments keep PNG and JPEG
    images, outputs handed in (``--no-execute``) are made safe as the executed path's are. Runs
    after SaveAutoGrades: grades are those of the cells as handed in."""

    markdown_limit = Integer(100_000, help="Characters of a student's Markdown cell that are rendered to find"
                                           " what would be live; a longer cell that has HTML or links is"
                                           " shown as its source in a code block.").tag(config=True)
    keep_tags = List(Unicode(), ["b", "i", "em", "strong", "sub", "sup", "br", "kbd", "s", "del", "code"],
                     help="Tags a student's Markdown keeps live when they have no attribute at all (a tag"
                          " with one, or any other tag, is shown as text).").tag(config=True)

    def preprocess(self, nb, resources):
        from .executor import IsolatedExecute

        self._instructors = self._instructor_sources(resources)
        executor = IsolatedExecute(parent=self)   # the grader's settings, as the run configured them
        self._executed = executor.executes()
        self._limits = executor.display_limits()
        return super().preprocess(nb, resources)

    @staticmethod
    def _instructor_sources(resources):
        """{grade_id: source} of the notebook's nbgrader cells in the gradebook (the instructor's)."""
        grading = resources.get("nbgrader") or {}
        if not all(grading.get(key) for key in ("db_url", "notebook", "assignment")):
            return {}
        from nbgrader.api import Gradebook, MissingEntry

        try:
            with Gradebook(grading["db_url"]) as gradebook:
                notebook = gradebook.find_notebook(grading["notebook"], grading["assignment"])
                return {cell.name: cell.source for cell in notebook.source_cells}
        except MissingEntry:
            return {}

    def _is_instructors(self, cell):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        return grade_id is not None and self._instructors.get(grade_id) == cell.source

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and not self._is_instructors(cell):
            if "attachments" in cell:
                cell.attachments = safe_attachments(cell.attachments)
                if not cell.attachments:
                    del cell["attachments"]
            cell.source = _neutralised_once(cell.source, frozenset(cell.get("attachments", {})),
                                            tuple(self.keep_tags), self.markdown_limit)
        elif cell.cell_type == "raw" and not self._is_instructors(cell):
            from ..sanitize import too_costly

            if too_costly(cell.source):
                cell.source = html.escape(cell.source, quote=False)
        elif cell.cell_type == "code" and not self._executed:
            cell.outputs = self._safe_outputs(cell.get("outputs", []))
        return cell, resources

    def _safe_outputs(self, outputs):
        """The outputs handed in, made safe as the executed path makes them: of a display or a
        value, the types course.grading.displays keeps, bounded and made viewable; no metadata."""
        rich = [o for o in outputs if o.get("output_type") in ("display_data", "execute_result")]
        wire = [displays.for_wire(dict(o.get("data", {})), self._limits.image_bytes) for o in rich]
        values = [bundle for o, bundle in zip(rich, wire) if o.output_type == "execute_result"]
        shown = displays.bounded([b for o, b in zip(rich, wire) if o.output_type == "display_data"],
                                 values[0] if values else None, 0, self._limits)
        kept_displays = iter(shown.displays)
        safe = []
        for output in outputs:
            if output.get("output_type") == "display_data":
                bundle = next(kept_displays, None)
                if bundle is None:
                    continue
                output.data, output.metadata = displays.viewable(bundle, self._limits.text_chars), {}
            elif output.get("output_type") == "execute_result":
                plain = output.get("data", {}).get(displays.PLAIN)
                plain = "".join(plain) if isinstance(plain, list) else plain
                first = next(o for o in rich if o.output_type == "execute_result")
                data = displays.viewable(shown.value, self._limits.text_chars) if output is first else {}
                if isinstance(plain, str):
                    data[displays.PLAIN] = bounded_text(plain, self._limits.text_chars)
                output.data, output.metadata = data, {}
            safe.append(output)
        return safe

