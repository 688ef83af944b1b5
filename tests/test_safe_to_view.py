"""course.grading.safe_to_view.neutralised and course.sanitize's cost bound, without nbgrader
(tests/test_formgrader_safety.py goes through real nbgrader and formgrader's template)."""
import time

import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from course import sanitize
from course.grading.safe_to_view import NOTE, SafeToView, neutralised, safe_attachments
from test_nbgrader_behaviour import attacks

KEEP = SafeToView().keep_tags


def _rendered(source):
    return markdown2html_mistune(neutralised(source, (), KEEP))


@pytest.mark.parametrize("attack", attacks.HTML_ATTACKS + [
    "[x](javascript:alert(1))", "[x](java&#115;cript:alert(1))", "[x][r]\n\n[r]: javascript:alert(1)",
    "<details open ontoggle=alert(1)>d</details>", "<svg><script>alert(1)</script></svg>",
    "<!--><script>alert(1)</script>-->", "<![CDATA[><script>alert(1)</script>]]>",
    "```mermaid\n<img src=x onerror=alert(1)>\n```", "<b>\n`<img src=x onerror=alert(1)>`\n",
    "- item <img src=x onerror=alert(1)>\n> <script>alert(1)</script>", "<javascript:alert(1)>"])
def test_a_students_markdown_renders_nothing_that_runs(attack):
    rendered = _rendered(attack)
    # what_runs reads with Python's parser, for which "<!-->" opens a comment (a browser's closes it)
    assert attacks.what_runs(rendered) == [] and "<script" not in rendered and "<!--" not in rendered


@pytest.mark.parametrize("benign", [
    "> quote & ampersand", "$a<b$ and $$x < y$$", "`<script>` in code", "```\n<script>x</script>\n```",
    "| a | b |\n|---|---|\n| 1 | 2 |", "a < b > c", "&lt;script&gt; stays text", "[numpy](https://numpy.org)",
    "    <script>indented code</script>", "H<sub>2</sub>O <br> <kbd>Ctrl</kbd>"])
def test_benign_markdown_is_left_as_it_is(benign):
    assert neutralised(benign, (), KEEP) == benign


def test_the_students_text_stays_readable():
    assert neutralised("a <script>x</script> `<b>`", (), KEEP) == "a &lt;script>x&lt;/script> `<b>`"
    assert neutralised("[a](javascript:x) $[0,1)$", (), KEEP) == "&#91;a](javascript:x) $[0,1)$"
    assert neutralised("<b title=x>t</b>", (), KEEP) == "&lt;b title=x>t</b>"   # a lone </b> is harmless


def test_a_cell_too_long_to_render_is_shown_as_its_source():
    source = "<script>x</script> ```" + "a" * 200
    shown = neutralised(source, (), KEEP, limit=100)
    assert shown.startswith(NOTE) and source in shown and attacks.what_runs(markdown2html_mistune(shown)) == []


def test_attachments_keep_png_and_jpeg_whose_bytes_are_theirs():
    png = "iVBORw0KGgoAAAAAAAAAAA=="
    assert safe_attachments({"a": {"image/svg+xml": "PHN2Zz4=", "image/png": png}, "b": {"text/html": "PHA+"},
                             "c": {"image/png": "PHN2Zz4="}}) == {"a": {"image/png": png}}


def _cpu(function, *args):
    start = time.process_time()
    function(*args)
    return time.process_time() - start


def test_one_item_of_nested_tags_costs_the_sanitiser_a_fraction_of_a_second():
    """bleach took 12 CPU s on 100 KB of nested <b> (33,000 tags), 0.3 s on flat ones."""
    nested, misnested = "<b>x" * 33_000, "<b><i>x</b></i>" * 6_000
    assert sanitize.too_costly(nested) and sanitize.too_costly(misnested)
    assert _cpu(sanitize.sanitize, nested) < 1 and _cpu(sanitize.sanitize, misnested) < 1
    assert sanitize.sanitize(nested).startswith("&lt;b&gt;x")
    table = "<table>" + "<tr><td>1</td><td><b>2</b></td></tr>" * 2_000 + "</table>"
    assert not sanitize.too_costly(table) and sanitize.sanitize(table).startswith("<table><tbody><tr><td>1")


def test_a_students_markdown_costs_seconds_at_most_to_neutralise():
    """About 0.3 to 0.9 CPU s each here; the bound leaves room for a machine twice as slow under
    load and still catches a parser that blows up (the nested tags cost bleach 12 s)."""
    for source in ("<b>x" * 25_000, "[" * 50_000 + "](javascript:1)", "`<b>` <i>" * 10_000):
        assert _cpu(neutralised, source, (), KEEP) < 5
