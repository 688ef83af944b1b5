"""A cell's rich outputs (``display()``, its value's MIME bundle): which MIME types the grader
keeps, within which limits, and how they are made safe to view.

Three steps, each one function:

- :func:`for_wire`, in the student's process (course.grading.worker): the kept types of a
  bundle, text as ``str`` and images as raw bytes;
- :func:`bounded`, on both sides of the pipe: the worker calls it so that an honest cell's
  reply fits in a message, the grader (course.grading.session) because the reply is hostile:
  every type checked, images by their first bytes, counts and sizes capped per cell;
- :func:`viewable`, in the grader (course.grading.executor, under the notebook's time budget):
  nbformat's ``data`` of a bundle, HTML sanitised (course.sanitize), Markdown rendered to HTML
  and sanitised, LaTeX that MathJax would turn into links or code left out, images in base64.

Kept, dropped and why: docs/nbgrader-differences.md ("Outputs are bounded").
"""
import base64
import binascii
import dataclasses
import re

from .call_report import bounded_text, writable_text

PLAIN, HTML, MARKDOWN, LATEX = "text/plain", "text/html", "text/markdown", "text/latex"
TEXT_TYPES = (HTML, MARKDOWN, LATEX)
# An image is kept only when its bytes begin as its format's do.
IMAGE_SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
# MathJax, which typesets a LaTeX output in formgrader, makes links (\href, \url), loads extensions
# (\require), sets classes, styles and ids, and macros could spell any of them: such LaTeX is dropped.
_MATHJAX_ACTIVE = re.compile(
    r"\\(href|url|require|class|style|cssId|unicode|html|def|edef|gdef|newcommand|renewcommand|let|mmlToken)",
    re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Limits:
    """Per cell: characters of the displays' text in all (text/plain, HTML, Markdown, LaTeX),
    displays, images (figures too) and bytes per image. Set from IsolatedExecute's settings."""
    text_chars: int
    displays: int
    images: int
    image_bytes: int


@dataclasses.dataclass
class Shown:
    """What :func:`bounded` keeps of a cell's displays."""
    displays: list     # bundles, each with its text/plain
    value: dict        # the rich types of the cell's value (its text/plain travels apart)
    images: int        # images among them: figures get the rest of the cell's
    dropped: int       # displays left out whole


def for_wire(bundle, image_bytes):
    """The kept types of the MIME bundle ``bundle``, as the worker sends them: text as it is,
    images as bytes (IPython gives them in base64), nothing else."""
    kept = {}
    for mime, value in bundle.items() if isinstance(bundle, dict) else ():
        if mime == PLAIN or mime in TEXT_TYPES:
            if isinstance(value, str):
                kept[mime] = str(value)
        elif mime in IMAGE_SIGNATURES:
            if isinstance(value, str):
                try:
                    value = base64.b64decode("".join(value.split()), validate=True)
                except (binascii.Error, ValueError):
                    continue
            if isinstance(value, bytes) and len(value) <= image_bytes:
                kept[mime] = bytes(value)
    return kept


def bounded(displays, value, more, limits):
    """What a cell's reply may keep of its ``displays`` (a list of bundles), of its ``value``'s rich
    types and of ``more`` (how many displays the worker did not send), whatever their types.

    In order, each display keeps its text/plain (cut to the room left), then each rich type that
    is of the right type and fits whole in the room left: an image its format's first bytes, at
    most ``limits.image_bytes`` and ``limits.images`` in all. A display past ``limits.displays``
    or once the room is gone is dropped whole."""
    room, images, kept, dropped = limits.text_chars, 0, [], 0

    def keep(bundle, plain):
        nonlocal room, images
        data = {}
        if plain:
            text = bundle.get(PLAIN) if type(bundle.get(PLAIN)) is str else ""
            data[PLAIN] = bounded_text(text, max(room, 0))
            room -= len(text)
        for mime in TEXT_TYPES:
            if type(bundle.get(mime)) is str and len(bundle[mime]) <= room:
                data[mime] = writable_text(bundle[mime])   # no lone surrogate: the notebook is UTF-8
                room -= len(bundle[mime])
        for mime, signature in IMAGE_SIGNATURES.items():
            image = bundle.get(mime)
            if (type(image) is bytes and image.startswith(signature) and len(image) <= limits.image_bytes
                    and images < limits.images):
                data[mime] = image
                images += 1
        return data

    for bundle in displays if type(displays) is list else ():
        if len(kept) >= limits.displays or room <= 0 or type(bundle) is not dict:
            dropped += 1
            continue
        kept.append(keep(bundle, plain=True))
    rich = keep(value, plain=False) if type(value) is dict else {}
    dropped += min(more, 2**31) if type(more) is int and more > 0 else 0
    return Shown(kept, rich, images, dropped)


def viewable(bundle, limit):
    """nbformat's ``data`` of a bundle :func:`bounded` kept, safe in any viewer: HTML sanitised
    (kept when at most ``limit`` characters remain, as escaping lengthens text); Markdown rendered
    and sanitised into HTML, as formgrader would render its raw HTML as it is; images in base64.
    No metadata: nbconvert writes an image's width and height into its tag unquoted."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from ..sanitize import sanitize

    data = {}
    for mime, value in bundle.items():
        if mime in IMAGE_SIGNATURES:
            data[mime] = base64.b64encode(value).decode("ascii")
        elif mime == LATEX:
            if not _MATHJAX_ACTIVE.search(value):
                data[mime] = value
        elif mime == PLAIN:
            data[mime] = value
    html = bundle.get(HTML)
    if html is None and bundle.get(MARKDOWN) is not None:
        html = markdown2html_mistune(bundle[MARKDOWN])
    if html is not None:
        html = sanitize(html)
        if len(html) <= limit:
            data[HTML] = html
    return data
