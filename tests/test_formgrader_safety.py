"""The autograded copy is safe to render (course.grading.safe_to_view), through real nbgrader:
students' Markdown cells with HTML, links and attachments that would run code or fetch something
in formgrader's page, benign Markdown, an untouched answer, and outputs handed in and graded with
``--no-execute``. formgrader's page is made with nbgrader's own template, as its handler makes it,
and opened in Chromium where it is installed."""
import base64
import shutil
import textwrap
import time

import nbformat
import pytest
from helpers import formgrader_page, run_nbgrader
from nbgrader.tests import create_grade_cell, create_locked_cell, create_solution_cell

from course.layout import ROOT
from test_nbgrader_behaviour import attacks

pytestmark = pytest.mark.slow

# Each would run a script (setting document.title), fetch something or become a live link.
ATTACKS = [
    "<script>document.title = 'PWNED-script'</script>",
    '<img src="x" onerror="document.title = \'PWNED-img\'">',
    '<iframe src="javascript:parent.document.title=\'PWNED-iframe\'"></iframe>',
    '<a href="javascript:document.title=\'PWNED-a\'">html link</a>',
    "[markdown link](javascript:document.title='PWNED-md')",
    "[ref link][r]\n\n[r]: javascript:document.title='PWNED-ref'",
    "<details open ontoggle=\"document.title='PWNED-details'\">details</details>",
    "<svg><script>document.title = 'PWNED-svg'</script></svg>",
    "<!-- a comment --><![CDATA[ x ]]><script>document.title = 'PWNED-cdata'</script>",
    "<javascript:document.title='PWNED-autolink'>",
    "![tracker](http://example.org/track.png)",
    "```mermaid\n<img src=x onerror=\"document.title='PWNED-mermaid'\">\n```",
    "<b>\n`<img src=x onerror=\"document.title='PWNED-block'\">`\n",
]
# Entities stay text; the kept tag stays live.
HARMLESS_TEXT = "&lt;script&gt;document.title = 'entities'&lt;/script&gt; and H<sub>2</sub>O"
BENIGN = textwrap.dedent("""\
    > a quote & an ampersand

    | a | b |
    |---|---|
    | $a<b$ | `<script>` |

    Math $x < y$ and $$\\sum_i a_i < 1$$, code `<b>not bold</b>`.

    ```python
    print("<script>alert(1)</script>")
    ```

    A [link](https://numpy.org) and 3 < 4 > 2.
    """)
INSTRUCTOR = "**Instructor** <details><summary>Hint</summary>kept live</details>"
SVG = base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg' onload=\"document.title='PWNED-svg-att'\"/>").decode()
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode()
HANDED_IN_HTML = "<b>bold kept</b> " + attacks.MARKDOWN_ATTACK


def _source():
    cells = [
        create_locked_cell(INSTRUCTOR, "markdown", "intro"),
        create_solution_cell("YOUR ANSWER HERE", "markdown", "essay"),
        create_solution_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "code", "answer"),
        create_grade_cell("assert x == 1", "code", "test_x", 1),
    ]
    cells[1].metadata.nbgrader.update(grade=True, points=2)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _submission(release, essay, extra=(), outputs=None):
    nb = nbformat.reads(nbformat.writes(release), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "essay" and essay is not None:
            cell.source = essay
        elif grade_id == "answer":
            cell.source = "x = 1"
            if outputs:
                cell.outputs, cell.execution_count = outputs, 1
    nb.cells[2:2] = list(extra)
    return nb


def _course(folder):
    folder.mkdir(parents=True)
    for name in ("nbgrader_config.py", "course.toml"):
        shutil.copy(ROOT / name, folder)
    (folder / "source" / "ps1").mkdir(parents=True)
    nbformat.write(_source(), folder / "source" / "ps1" / "p1.ipynb")
    result = run_nbgrader(folder, "generate_assignment", "ps1", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    release = nbformat.read(folder / "release" / "ps1" / "p1.ipynb", as_version=4)
    # nbconvert embeds an attachment's SVG rather than its PNG
    attached = nbformat.v4.new_markdown_cell("![figure](attachment:b.png)", id="attached")
    attached.attachments = {"a.svg": {"image/svg+xml": SVG}, "b.png": {"image/svg+xml": SVG, "image/png": PNG}}
    handed_in = [nbformat.v4.new_output("display_data", {"text/html": HANDED_IN_HTML, "text/plain": "html",
                                                         "image/svg+xml": "<svg onload='alert(1)'/>",
                                                         "application/javascript": "document.title='PWNED-js'"}),
                 nbformat.v4.new_output("execute_result", {"text/html": attacks.MARKDOWN_ATTACK, "text/plain": "1"},
                                        execution_count=1)]
    students = {
        "mallory": _submission(release, "\n\n".join(ATTACKS), [
            nbformat.v4.new_markdown_cell(attack, id=f"attack{i}") for i, attack in enumerate(ATTACKS)]
            + [nbformat.v4.new_markdown_cell(HARMLESS_TEXT, id="harmless"), attached]),
        "bob": _submission(release, BENIGN),
        "carol": _submission(release, None),
        "dave": _submission(release, "Handed in with outputs", outputs=handed_in),
    }
    for student, nb in students.items():
        (folder / "submitted" / student / "ps1").mkdir(parents=True)
        nbformat.write(nb, folder / "submitted" / student / "ps1" / "p1.ipynb")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = _course(tmp_path_factory.mktemp("formgrader") / "course")
    result = run_nbgrader(course, "autograde", "ps1", "--force", "--student=[!d]*")
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_nbgrader(course, "autograde", "ps1", "--force", "--student=dave", "--no-execute")
    assert result.returncode == 0, result.stdout + result.stderr
    return course


def _autograded(course, student):
    return nbformat.read(course / "autograded" / student / "ps1" / "p1.ipynb", as_version=4)


def _cells(page, selector):
    from bs4 import BeautifulSoup

    return [str(element) for element in BeautifulSoup(page, "html.parser").select(selector)]


def _what_runs(html):
    """attacks.what_runs, and images fetched from elsewhere (what the feedback page drops too)."""
    from bs4 import BeautifulSoup

    found = attacks.what_runs(html)
    for img in BeautifulSoup(html, "html.parser").find_all("img"):
        if not img.get("src", "").startswith("data:image/png"):
            found.append(f"img src={img.get('src', '')[:60]}")
    return found


def _scores(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook("p1", "ps1", student)
        return ({g.name: (g.auto_score, g.needs_manual_grade) for g in submission.grades},
                {c.name: c.auto_comment for c in submission.comments})


def test_students_markdown_runs_nothing_in_formgraders_page_and_keeps_its_text(graded):
    page = formgrader_page(graded, "mallory")
    markdown = "".join(_cells(page, ".text_cell_render"))
    assert _what_runs(markdown) == []
    assert "PWNED" not in "".join(_cells(page, ".text_cell_render a[href], .text_cell_render img[src]"))
    text = " ".join(_cells(page, ".text_cell_render"))
    from bs4 import BeautifulSoup

    text = BeautifulSoup(text, "html.parser").get_text()
    # what the student typed is there to read: tags, handlers and URLs as text
    for typed in ("<script>document.title = 'PWNED-script'</script>", 'onerror="document.title',
                  "<iframe src=", "javascript:document.title='PWNED-md'", "[r]: javascript:",
                  "ontoggle=", "<svg><script>", "http://example.org/track.png", "PWNED-mermaid",
                  "<script>document.title = 'entities'</script>"):
        assert typed in text, typed
    assert "<sub>2</sub>" in markdown   # an attribute-less tag of keep_tags stays live


def test_attachments_keep_only_their_png_and_jpeg_images(graded):
    cell = next(c for c in _autograded(graded, "mallory").cells if c.get("id") == "attached")
    assert cell.attachments == {"b.png": {"image/png": PNG}}
    markdown = "".join(_cells(formgrader_page(graded, "mallory"), ".text_cell_render"))
    assert f"data:image/png;base64,{PNG}" in markdown and "svg+xml" not in markdown


def test_benign_markdown_and_the_instructors_cells_are_as_handed_in(graded):
    bob, submitted = _autograded(graded, "bob"), nbformat.read(graded / "submitted" / "bob" / "ps1" / "p1.ipynb", 4)
    assert [c.source for c in bob.cells if c.cell_type == "markdown"] == [
        c.source for c in submitted.cells if c.cell_type == "markdown"]
    assert any(c.source == BENIGN for c in bob.cells)
    markdown = "".join(_cells(formgrader_page(graded, "bob"), ".text_cell_render"))
    for rendered in ("<blockquote>", "<table>", "$a&lt;b$", "<code>&lt;script&gt;</code>",
                     "<code>&lt;b&gt;not bold&lt;/b&gt;</code>", '<a href="https://numpy.org">link</a>'):
        assert rendered in markdown, rendered
    for student in ("mallory", "bob", "carol"):
        assert _autograded(graded, student).cells[0].source == INSTRUCTOR
    assert "<details><summary>Hint</summary>kept live</details>" in "".join(
        _cells(formgrader_page(graded, "mallory"), ".text_cell_render"))


def test_grades_are_those_of_the_cells_as_handed_in(graded):
    for student in ("mallory", "bob"):
        assert _scores(graded, student) == ({"essay": (None, True), "test_x": (1.0, False)},
                                            {"essay": None, "answer": None})
    # an untouched written answer: 0 points and nbgrader's "No response."
    assert _scores(graded, "carol") == ({"essay": (0.0, False), "test_x": (1.0, False)},
                                        {"essay": "No response.", "answer": None})
    assert _scores(graded, "dave")[0]["test_x"] == (1.0, False)


def test_outputs_handed_in_with_no_execute_are_sanitised(graded):
    answer = next(c for c in _autograded(graded, "dave").cells if c.get("id") and c.cell_type == "code"
                  and c.metadata.get("nbgrader", {}).get("grade_id") == "answer")
    display, value = answer.outputs
    assert set(display.data) == {"text/html", "text/plain"} and display.metadata == {}
    assert display.data["text/html"].startswith("<b>bold kept</b> Notes")
    assert value.data["text/plain"] == "1" and attacks.what_runs(value.data["text/html"]) == []
    outputs = "".join(_cells(formgrader_page(graded, "dave"), ".output_area"))
    assert "bold kept" in outputs and attacks.what_runs(outputs) == [] and "PWNED-js" not in outputs


def test_no_script_runs_when_chromium_opens_formgraders_page(graded, tmp_path):
    from browser import chromium

    pages = []
    for student in ("mallory", "dave"):
        pages.append(tmp_path / f"{student}.html")
        pages[-1].write_text(formgrader_page(graded, student))
    with chromium() as driver:
        for path in pages:
            driver.get(path.as_uri())
            driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = !d.open)")
            time.sleep(0.5)
            assert "PWNED" not in driver.title, (path.name, driver.title)
            assert driver.execute_script("return window.PWNED === undefined"), path.name
