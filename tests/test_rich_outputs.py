"""A cell's rich outputs in the grader (course.grading.displays): what a hostile reply may keep,
and that what is kept runs nothing in the page that shows it. Through nbgrader, into autograded/,
formgrader's page and the feedback page: tests/test_nbgrader_behaviour.py."""
import base64
import importlib.util
from pathlib import Path

import nbformat
import pytest

from course.grading import displays
from course.grading.executor import IsolatedExecute
from course.grading.session import _clean_run_reply

_spec = importlib.util.spec_from_file_location("grader_attacks", Path(__file__).parent / "corpus" / "integrity"
                                               / "grader_attacks.py")
attacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attacks)

PNG, JPEG = displays.IMAGE_SIGNATURES["image/png"], displays.IMAGE_SIGNATURES["image/jpeg"]
LIMITS = displays.Limits(text_chars=1000, displays=50, images=5, image_bytes=2**16)


def _reply(**fields):
    return {"ok": True, "stdout": "", "stderr": "", "error": None, "result": None, "images": [], **fields}


# --- what a hostile reply keeps (the grader's side of the pipe) ---------------------------------

def test_only_text_of_the_kept_types_is_kept():
    shown = displays.bounded([{"text/plain": ["not", "text"], "text/html": 5, "text/markdown": b"# bytes",
                               "text/latex": "$x$", "application/javascript": "alert(1)",
                               "image/svg+xml": "<svg/>"}], None, None, LIMITS)
    assert shown.displays == [{"text/plain": "", "text/latex": "$x$"}]


@pytest.mark.parametrize("image", [b"GIF89a" + bytes(10), base64.b64encode(PNG + bytes(10)).decode(),
                                   bytes(10) + PNG, PNG + bytes(2**16), bytearray(PNG)])
def test_an_image_is_kept_only_as_bytes_that_begin_as_its_format_does_within_its_size(image):
    shown = displays.bounded([{"text/plain": "p", "image/png": image, "image/jpeg": image}], None, None, LIMITS)
    assert shown.displays == [{"text/plain": "p"}] and shown.images == 0


def test_images_are_counted_per_cell_with_the_figures():
    reply = _reply(displays=[{"text/plain": "", "image/png": PNG + bytes(i)} for i in range(3)]
                   + [{"text/plain": "", "image/jpeg": JPEG}], images=[PNG + bytes(i) for i in range(3)])
    cleaned = _clean_run_reply(reply, 1000, LIMITS)
    assert [list(d) for d in cleaned["displays"]] == [["text/plain", "image/png"]] * 3 + [["text/plain", "image/jpeg"]]
    assert cleaned["images"] == [PNG]   # the one slot the displays left; a figure not in PNG is refused anyway
    assert _clean_run_reply(_reply(images=[JPEG]), 1000, LIMITS)["images"] == []
    shown = displays.bounded([{"text/plain": "", "image/png": PNG}] * 7, None, None, LIMITS)
    assert [list(d) for d in shown.displays] == [["text/plain", "image/png"]] * 5 + [["text/plain"]] * 2


def test_a_thousand_displays_keep_the_first_and_count_the_rest():
    reply = _reply(displays=[{"text/plain": str(i)} for i in range(1000)], more_displays=10**30)
    cleaned = _clean_run_reply(reply, 1000, LIMITS)
    assert [d["text/plain"] for d in cleaned["displays"]] == [str(i) for i in range(50)]
    assert cleaned["displays_dropped"] == 950 + 2**31
    for more in ("many", -5, 2.5, None):
        assert _clean_run_reply(_reply(displays=[], more_displays=more), 1000, LIMITS)["displays_dropped"] == 0


def test_the_displays_text_shares_the_cells_room_and_rich_text_is_kept_whole_or_not_at_all():
    html = "<b>x</b>" * 100   # 800 characters of the 1000
    shown = displays.bounded([{"text/plain": "a", "text/html": html}, {"text/plain": "b", "text/html": html},
                              {"text/plain": "c" * 500}, {"text/plain": "d"}], None, None, LIMITS)
    assert shown.displays[0] == {"text/plain": "a", "text/html": html}
    assert shown.displays[1] == {"text/plain": "b"}   # the HTML would not fit: its text stays
    text = shown.displays[2]["text/plain"]
    assert text.startswith("c" * 198 + "\n") and "302 more characters" in text
    assert len(shown.displays) == 3 and shown.dropped == 1   # no room left


@pytest.mark.parametrize("reply", [_reply(displays="x"), _reply(displays=[1, None, ["text/plain"]]),
                                   _reply(value_data=["text/html"]), _reply(displays=None, value_data=None)])
def test_a_reply_of_the_wrong_shape_keeps_nothing(reply):
    cleaned = _clean_run_reply(reply, 1000, LIMITS)
    assert cleaned["displays"] == [] and cleaned["value_data"] == {}


# --- what is kept is safe to view --------------------------------------------------------------

def test_the_attacks_are_seen_by_the_check():
    assert all(attacks.what_runs(attack) for attack in attacks.HTML_ATTACKS)


@pytest.mark.parametrize("attack", attacks.HTML_ATTACKS)
def test_html_and_markdown_outputs_keep_nothing_that_runs(attack):
    for mime in ("text/html", "text/markdown"):
        data = displays.viewable({"text/plain": "t", mime: attack}, 10_000)
        assert set(data) == {"text/plain", "text/html"} and attacks.what_runs(data["text/html"]) == []


def test_markdown_becomes_html_and_latex_that_mathjax_would_make_active_is_dropped():
    data = displays.viewable({"text/plain": "t", "text/markdown": "# Title\n\n`0 <= i < n`"}, 10_000)
    assert "<h1" in data["text/html"] and "<code>0 &lt;= i &lt; n</code>" in data["text/html"]
    assert displays.viewable({"text/latex": r"$\frac{a}{b}$"}, 10_000) == {"text/latex": r"$\frac{a}{b}$"}
    for active in (r"$\href{javascript:alert(1)}{x}$", r"$\require{action}$", r"$\def\h{\hr}\h$",
                   r"$\class{x}{y}$", r"\URL{x}"):
        assert displays.viewable({"text/latex": active}, 10_000) == {}


def test_html_that_escaping_lengthens_past_the_limit_is_dropped():
    assert displays.viewable({"text/html": "<" * 100}, 399) == {}
    assert displays.viewable({"text/html": "<" * 100}, 400) == {"text/html": "&lt;" * 100}


# --- through the student's process --------------------------------------------------------------

DISPLAYS = r'''
from IPython.display import display, HTML, Markdown, Latex, SVG, Image, Javascript
import matplotlib.pyplot as plt
print("printed")
display(HTML("<b>bold</b><script>window.PWNED = 1</script><img src=x onerror=alert(1)><style>.x {}</style>"))
display(Markdown("# Title\n\n[link](javascript:alert(1))"))
display(Latex(r"$x^2$"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))
display(Image(data=b"\x89PNG\r\n\x1a\n" + bytes(100), width="1 onerror=alert(1)"))
display(Javascript("alert(1)"))
plt.plot([1, 2])
class Frame:
    def _repr_html_(self):
        return "<style scoped>.dataframe {}</style><table class='dataframe'><tr><td onclick='x'>1</td></tr></table>"
    def __repr__(self):
        return "Frame()"
Frame()
'''


def _outputs(*sources, **limits):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb, _ = IsolatedExecute(cell_timeout=20, **limits).preprocess(nb, {"metadata": {"path": "."}})
    return [cell.outputs for cell in nb.cells]


def test_displays_and_a_rich_value_are_kept_safe_and_figures_still_come_as_png():
    [outputs] = _outputs(DISPLAYS)
    data = [o.get("data", {}) for o in outputs]
    assert outputs[0] == {"output_type": "stream", "name": "stdout", "text": "printed\n"}
    assert data[1]["text/html"] == "<b>bold</b><img>"
    assert '<h1 id="Title">Title' in data[2]["text/html"] and "javascript" not in data[2]["text/html"]
    assert data[3]["text/latex"] == "$x^2$"
    assert set(data[4]) == set(data[6]) == {"text/plain"}   # SVG and JavaScript: their text only
    assert data[5]["image/png"].startswith("iVBORw0KGgo") and all(o.metadata == {} for o in outputs[1:])
    assert data[7]["image/png"].startswith("iVBORw0KGgo")   # the figure, after the displays
    assert outputs[8].output_type == "execute_result" and outputs[8].data == {
        "text/plain": "Frame()", "text/html": "<table><tbody><tr><td>1</td></tr></tbody></table>"}
    assert len(outputs) == 9


def test_a_cell_of_a_thousand_displays_keeps_the_first_and_a_note():
    [outputs] = _outputs("for i in range(1000):\n    display(i)", display_limit=20)
    assert [o.data["text/plain"] for o in outputs[:-1]] == [str(i) for i in range(20)]
    assert outputs[-1].text == "[980 displays not kept: this cell's displays reached the grader's limits]\n"


def test_clear_output_clears_the_cells_displays_and_text_as_in_jupyter():
    [outputs] = _outputs("from IPython.display import clear_output\nfor i in range(3):\n"
                         "    clear_output(wait=True)\n    print(i)\n    display(i)")
    assert [o.get("text") or o.data["text/plain"] for o in outputs] == ["2\n", "2"]


def test_html_outputs_count_in_the_notebooks_output_budget():
    big = "display(HTML('<p>' + 'x' * 700_000 + '</p>'))"   # figures and images counted before (test_grader_bounds)
    outputs = _outputs("from IPython.display import HTML, display", big, big, notebook_output_limit=1,
                       output_limit=800_000)
    assert "text/html" in outputs[1][0].data
    assert "reached the grader's limit of 1 MiB" in outputs[2][0].text
