"""The one HTML sanitiser of the course: what HTML a student wrote or made may keep.

Used for the Markdown a student writes, after it is rendered (the feedback page,
course.feedback_page), and for the HTML and Markdown outputs of a student's cells, when they
come back from the student's process (course.grading.displays): the notebook stored in
autograded/ is then safe in any viewer, nbgrader's formgrader included, which renders outputs
as they are.
"""
import html as html_text
import re

import bleach
from bleach.css_sanitizer import CSSSanitizer

# What a student's HTML may contain: the tags the Markdown renderer writes (a DataFrame's table
# is among them) and the MathML the site's renderer makes of equations; no attribute that runs code.
HTML_TAGS = ["a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3",
             "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
             "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"]
MATHML_TAGS = ["math", "annotation", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
               "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle", "msub",
               "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none", "semantics"]
ATTRIBUTES = {
    "a": ["href", "title", "class"], "img": ["src", "alt", "title", "width", "height"],
    "h1": ["id"], "h2": ["id"], "h3": ["id"], "h4": ["id"], "h5": ["id"], "h6": ["id"],
    "div": ["class"], "span": ["class"], "code": ["class"], "pre": ["class"], "ol": ["start"],
    "td": ["style"], "th": ["style"],   # the Markdown renderer aligns table columns with text-align
    "math": ["display", "xmlns"], "annotation": ["encoding"], "menclose": ["notation"],
    "mfrac": ["linethickness"], "mi": ["mathvariant"], "mn": ["mathvariant"], "mtext": ["mathvariant"],
    "mo": ["fence", "form", "stretchy", "maxsize", "minsize", "lspace", "rspace", "separator", "symmetric",
           "largeop", "movablelimits", "accent"],
    "mover": ["accent"], "munder": ["accentunder"], "munderover": ["accent", "accentunder"],
    "mpadded": ["width", "height", "depth", "lspace", "voffset"], "mspace": ["width", "height", "depth"],
    "mstyle": ["displaystyle", "scriptlevel", "mathvariant"],
    "mtable": ["columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
               "displaystyle"],
    "mtd": ["columnalign", "rowalign", "columnspan", "rowspan"], "mtr": ["columnalign", "rowalign"],
}
URL_ATTRIBUTES = {"href", "src"}
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_IGNORED_BY_BROWSERS = re.compile(r"[\t\n\r]")   # a browser removes them anywhere in a URL


def _safe_attribute(tag, name, value):
    """bleach's attribute filter: the allowed attributes, and of URLs only those that
    cannot run code. bleach's own check lets ``javascript:1`` through (it reads it as a
    host and a port), hence the scheme read here as a browser reads it.

    An image keeps its source only when it is embedded in the page (the renderer embeds a
    cell's attachments): a file named in a student's Markdown is not beside the page, and
    a server's would be fetched, and told who reads the page, whenever it opens."""
    if name not in ATTRIBUTES.get(tag, ()):
        return False
    if name not in URL_ATTRIBUTES:
        return True
    url = _IGNORED_BY_BROWSERS.sub("", value).strip("".join(map(chr, range(33)))).lower()
    if (tag, name) == ("img", "src"):
        return bool(IMAGE_DATA.match(url))
    scheme = _SCHEME.match(url)
    return scheme is None or scheme[1] in LINK_SCHEMES   # no scheme: a relative link, an anchor


# Elements whose content is not text a reader should see: bleach strips their tags but keeps
# what is inside as text (a DataFrame's CSS, a script's code).
_RAW_TEXT = re.compile(r"<(script|style)\b", re.IGNORECASE)
_RAW_TEXT_END = {"script": re.compile(r"</script", re.IGNORECASE), "style": re.compile(r"</style", re.IGNORECASE)}


def _without_raw_text(html):
    """``html`` without its script and style elements, content included; linear in its length.
    Only tidiness: what this leaves is sanitised all the same."""
    parts, position = [], 0
    while (start := _RAW_TEXT.search(html, position)) is not None:
        parts.append(html[position:start.start()])
        end = _RAW_TEXT_END[start[1].lower()].search(html, start.end())
        close = html.find(">", end.end()) if end else -1
        if close < 0:
            return "".join(parts)   # unclosed: the rest is its content
        position = close + 1
    parts.append(html[position:])
    return "".join(parts)


# What one HTML item may cost: bleach's parser (html5lib) takes time that grows with the square of
# the nesting depth (a 100 KB cell of 33,000 nested <b> took 12 CPU s, 33,000 flat ones 0.3 s).
# An item with more tags, or nested deeper as counted by :func:`too_costly`, is not parsed at all:
# it is shown escaped, as text. A DataFrame's table is 6 deep, the Markdown renderer's lists and
# MathML a few dozen at most.
MAX_TAGS = 50_000
MAX_DEPTH = 100
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)|<[!?/]")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr", "keygen"}
_FORMATTING = {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}


def too_costly(html):
    """Whether ``html`` has more than :data:`MAX_TAGS` tags (comments and the like count) or more
    than :data:`MAX_DEPTH` elements open at once; linear in its length. The depth is an upper bound
    of what a parser builds: every open tag but a void element's is counted open until a close tag
    of its name closes it and what is above it, unless a formatting element is above it (the parser
    adds a few implied elements, such as tbody, and closes some others)."""
    open_tags, tags = [], 0
    for tag in _TAG.finditer(html):
        tags += 1
        if tags > MAX_TAGS:
            return True
        name = tag[2]
        if name is None:
            continue
        name = name.lower()
        if not tag[1]:
            if name not in _VOID:
                open_tags.append(name)
                if len(open_tags) > MAX_DEPTH:
                    return True
        elif name in open_tags:
            at = len(open_tags) - 1 - open_tags[::-1].index(name)
            # a formatting element left open above it stays open (the parser reopens it: a
            # misnested <b><i>x</b></i> costs four times as much per tag as nested ones)
            if not _FORMATTING.intersection(open_tags[at + 1:]):
                del open_tags[at:]
    return False


def sanitize(html):
    """HTML a student may have written (rendered Markdown, a cell's HTML output) with only
    :data:`HTML_TAGS`, :data:`MATHML_TAGS` and their :data:`ATTRIBUTES`; anything else is
    stripped, script and style elements with their content. HTML that would cost too much to
    parse (:func:`too_costly`) is escaped whole: its reader sees its text."""
    if too_costly(html):
        return html_text.escape(html, quote=False)
    return bleach.clean(_without_raw_text(html), tags=HTML_TAGS + MATHML_TAGS, attributes=_safe_attribute,
                        protocols=[*LINK_SCHEMES, "data"], strip=True, strip_comments=True,
                        css_sanitizer=CSSSanitizer(allowed_css_properties=["text-align"]))
