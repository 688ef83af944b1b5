"""The feedback a student receives: verdict lines, failed checks, the page (course.feedback_page).

The unit tests are fast; the page tests grade bob's warmup of the demo class, with a
Markdown cell of an attacker added, through real nbgrader, then read the page as HTML
and in Debian's Chromium (network blocked).
"""
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from browser import chromium, console_errors, save_screenshot
from bs4 import BeautifulSoup
from helpers import autograde, make_course, run_nbgrader

from course import build, demo, feedback_page, notebooks, report
from course.grading import feedback
from course.layout import Course

# TeX left for a script to typeset (as in tests/test_site.py)
RAW_MATH = re.compile(r"\$\$?[^\s$][^$]*\$")
ESCAPED_TWICE = re.compile(r"&(lt|gt|amp);")   # an entity shown as text: escaped once too often
SECTION = "warmup"   # equations, `<` inside code, bare asserts that fail, unanswered exercises

_attacks_file = Path(__file__).parent / "corpus" / "integrity" / "grader_attacks.py"
_spec = importlib.util.spec_from_file_location("grader_attacks", _attacks_file)
attacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attacks)


def error(ename, evalue="", traceback=None):
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": traceback if traceback is not None else [f"{ename}: {evalue}"]}


def graded_cell(grade_id, outputs, score=0.0, points=1.0, source="assert True"):
    cell = nbformat.v4.new_code_cell(source, id=grade_id)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id,
                                 "score": score, "points": points}
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def answer_cell(grade_id, cell_id):
    cell = nbformat.v4.new_code_cell("def f(): pass", id=cell_id)
    cell.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": grade_id}
    return cell


# --- the verdict line of a test cell ----------------------------------------

def test_the_hidden_verdict_says_what_became_of_the_hidden_tests():
    hidden = error(feedback.HIDDEN_FAILURE, "f: the result is wrong")
    visible = error("AssertionError", "this check failed: assert f(1) == 2")

    def verdict(outputs, status=None):
        cell = {"outputs": outputs, "metadata": {}}
        if status:
            cell["metadata"] = {feedback.COURSE_METADATA: {feedback.HIDDEN_STATUS: status}}
        return feedback.hidden_verdict(cell)

    assert verdict([], "passed") == verdict([]) == "# Hidden tests: passed"
    assert verdict([hidden], "failed") == "# Hidden tests: FAILED (see the message below)"
    not_run = verdict([visible], "not run")
    assert "not run" in not_run and "visible test" in not_run and "FAILED" not in not_run
    anyway = verdict([visible, hidden], "failed")
    assert anyway.startswith("# Hidden tests: FAILED too")
    passed = verdict([visible], "passed")
    assert passed.startswith("# Hidden tests: passed;") and "visible tests pass" in passed
    # each a short line: the code box of a page read on a phone does not wrap
    assert all(len(line) <= 80 for line in feedback.HIDDEN_VERDICTS.values())
    assert verdict([visible]) == not_run   # graded before the executor noted what ran


def test_hide_hidden_tests_writes_the_verdict_and_keeps_only_the_students_line():
    source = "assert f(1) == 2\n### BEGIN HIDDEN TESTS\ncheck(f).agrees_with(secret)\n### END HIDDEN TESTS\n"
    cell = graded_cell("f_test", [error("AssertionError", "this check failed: assert f(1) == 2")], source=source)
    cell, _ = feedback.HideHiddenTests().preprocess_cell(cell, {}, 0)
    assert cell.source == "assert f(1) == 2\n" + feedback.HIDDEN_VERDICTS[True, "not run"]
    hidden = graded_cell("g_test", [error(feedback.HIDDEN_FAILURE, "g: wrong",
                                        ["HiddenTestFailure: g: wrong", "", feedback.INSTRUCTOR_ONLY, "secret"])],
                       source=source)
    hidden, _ = feedback.HideHiddenTests().preprocess_cell(hidden, {}, 0)
    assert hidden.outputs[0].traceback == ["HiddenTestFailure: g: wrong"]
    assert hidden.source.endswith(feedback.HIDDEN_VERDICTS[False, "failed"]) and "secret" not in hidden.source


# --- a bare assert names the check that failed ------------------------------

def run(source):
    try:
        exec(compile(source, "<test>", "exec"), {"f": lambda x: x, "np": __import__("numpy")})
    except AssertionError as failure:
        return str(failure)
    return None


def test_a_bare_assert_fails_with_its_own_text():
    source = ("x = 1  # ünïcode before the column\nassert f(1) == 1\nassert (f(2) ==\n        3)  # why\n"
              "assert f(3) == 3, 'its own message'\n")
    rewritten = feedback.with_failed_check_messages(source)
    assert rewritten.count("\n") == source.count("\n")   # line numbers of a traceback stay right
    assert run(source) == ""   # what the student read before
    assert run(rewritten) == feedback.FAILED_CHECK.format(statement="assert (f(2) == 3)")
    assert run(feedback.with_failed_check_messages("assert f(3) == 4, 'its own message'")) == "its own message"
    assert run(feedback.with_failed_check_messages("for n in range(3):\n    assert f(n) < 2\n")) == \
        feedback.FAILED_CHECK.format(statement="assert f(n) < 2")
    assert feedback.with_failed_check_messages("%timeit f(1)\nassert False") == "%timeit f(1)\nassert False"
    # a statement continued by a backslash is quoted on one line, without the backslash
    assert run(feedback.with_failed_check_messages("assert f(1) \\\n    == 3")) == \
        feedback.FAILED_CHECK.format(statement="assert f(1) == 3")


def test_the_report_and_the_page_read_the_same_one_line_message():
    output = error("AssertionError", "this check failed: assert f(1) == 2",
                   ["\x1b[31mAssertionError: this check failed:\n  assert f(1) == 2\x1b[0m"])
    assert feedback.student_message(output) == "AssertionError: this check failed: assert f(1) == 2"
    assert report.student_message is feedback.student_message


# --- the table of exercises --------------------------------------------------

def test_the_exercise_table_has_a_row_per_exercise_with_its_verdict_and_link():
    nb = nbformat.v4.new_notebook(cells=[
        answer_cell("mean", "cell-a"), graded_cell("mean_test", [], 2.0, 2.0),
        graded_cell("mean_test_vectorized", [error(feedback.HIDDEN_FAILURE, "mean is not\nvectorized")], 0.0, 1.0),
        answer_cell("peak", "cell-b"), graded_cell("peak_test", [error("NotImplementedError")], 0.0, 2.0),
        answer_cell("span", "cell-c"),
        graded_cell("span_test", [error("AssertionError", "this check failed: assert span([1]) == 0")], 0.0, 1.0),
        answer_cell("ok", "cell-d"), graded_cell("ok_test", [], 1.0, 1.0)])
    rows = feedback_page.exercise_rows(nb)
    assert [(r["name"], r["earned"], r["possible"], r["anchor"]) for r in rows] == [
        ("mean", 2.0, 3.0, "cell-id=cell-a"), ("peak", 0.0, 2.0, "cell-id=cell-b"),
        ("span", 0.0, 1.0, "cell-id=cell-c"), ("ok", 1.0, 1.0, "cell-id=cell-d")]
    assert [r["verdict"] for r in rows] == [
        "mean is not vectorized", feedback.NOT_ANSWERED,
        "a visible test failed: AssertionError: this check failed: assert span([1]) == 0", feedback.PASSED]
    assert [r["passed"] for r in rows] == [False, False, False, True]
    long = feedback.exercise_verdict([graded_cell("t", [error("AssertionError", "x" * 1000)])])
    assert len(long) == feedback.MAX_VERDICT_CHARS and long.endswith("…")
    # a long message is cut between words, never within one
    words = feedback.exercise_verdict([graded_cell("t", [error(feedback.HIDDEN_FAILURE, "positions, " * 100)])])
    assert len(words) <= feedback.MAX_VERDICT_CHARS and words.endswith("positions…")


def test_the_exercise_table_says_extra_credit_and_an_untouched_value_exercise_as_such():
    untouched = answer_cell("nan_results", "cell-v")
    untouched.outputs = [error("NotImplementedError")]
    nb = nbformat.v4.new_notebook(cells=[
        answer_cell("mean", "cell-a"), graded_cell("mean_test", [], 3.0, 2.0),   # 1 point of extra credit
        untouched, graded_cell("nan_results_test", [error(feedback.HIDDEN_FAILURE, "nan_results is not defined")],
                               0.0, 2.0)])
    rows = feedback_page.exercise_rows(nb)
    assert [(r["earned"], r["possible"], r["extra"]) for r in rows] == [(2.0, 2.0, 1.0), (0.0, 2.0, 0.0)]
    assert rows[1]["verdict"] == feedback.NOT_ANSWERED


# --- sanitising rendered Markdown ---------------------------------------------

def test_sanitize_keeps_code_math_and_tables_and_escapes_once():
    source = ("## Part\n\nKeep `0 <= index < size` and $(-1, -1)$ and $\\frac{a}{b}$.\n\n"
              "| a | b |\n|:-:|---|\n| 1 | 2 |\n")
    html = feedback_page.sanitize(_render(source))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.code.get_text() == "0 <= index < size"
    assert not ESCAPED_TWICE.search(soup.get_text())
    assert len(soup.find_all("math")) == 2 and soup.find("mfrac") is not None
    assert soup.find("h2")["id"] and soup.find("table") and soup.find("td")
    assert not RAW_MATH.search(soup.get_text())


def _render(source):
    exporter = feedback_page.FeedbackExporter()
    return feedback_page.site.SiteExporter.markdown2html(exporter, {"cell": {}}, source)


@pytest.mark.parametrize("attack", attacks.HTML_ATTACKS)
def test_sanitize_leaves_nothing_that_runs(attack):
    assert attacks.what_runs(feedback_page.sanitize(_render(attack))) == []


def test_bleach_alone_lets_a_javascript_link_through():
    """Why sanitize reads URLs itself: bleach takes `javascript:1` for a host and a port."""
    import bleach

    assert "javascript:1" in bleach.clean('<a href="javascript:1">x</a>', tags=["a"], attributes={"a": ["href"]})
    assert "javascript" not in feedback_page.sanitize('<a href="javascript:1">x</a>')


def test_only_embedded_pictures_are_shown():
    png = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="plot">'
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in feedback_page.sanitize(png)
    for elsewhere in ("https://example.org/track.png", "figure.png", "data:image/svg+xml;base64,PHN2Zz4="):
        assert feedback_page.sanitize(f'<img src="{elsewhere}" alt="a">') == '<img alt="a">'
    assert 'href="https://numpy.org"' in feedback_page.sanitize('<a href="https://numpy.org">NumPy</a>')


# --- bob's page of the demo class, through real nbgrader ---------------------

@pytest.fixture(scope="module")
def bobs_page(tmp_path_factory):
    """bob's warmup of the demo class (course.demo), with a Markdown cell of an attacker
    added; autograded, its feedback generated, the instructor report written."""
    root = make_course(tmp_path_factory.mktemp("feedback"), demo=True)
    course = Course(root)
    build.nbgrader("generate_assignment", SECTION, "--force", root=root, quiet=True)
    nb = notebooks.fill_answers(notebooks.read(course.release(SECTION)), demo.answers(course, SECTION, "bob"))
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(attacks.MARKDOWN_ATTACK, id="attack"))
    notebooks.write(nb, course.submitted("bob", SECTION))
    autograde(root, SECTION, "bob")
    result = run_nbgrader(root, "generate_feedback", SECTION, "--force", "--student=bob")
    assert result.returncode == 0, result.stderr[-3000:]
    report.write(course, SECTION)
    return course, course.feedback("bob", SECTION)


def read(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.slow
def test_bobs_page_reads_like_the_site(bobs_page):
    course, path = bobs_page
    soup = read(path)
    markdown = " ".join(m.get_text() for m in soup.select(".jp-MarkdownOutput"))
    assert "0 <= index < size" in " ".join(markdown.split())   # the statement of negate_between
    assert not ESCAPED_TWICE.search(soup.get_text())
    assert not RAW_MATH.search(markdown) and soup.find_all("math")
    assert not soup.find_all("script") and "mathjax" not in path.read_text(encoding="utf-8").lower()
    style = " ".join(s.get_text() for s in soup.find_all("style"))
    assert (feedback_page.site.TEMPLATES / "site.css").read_text(encoding="utf-8").strip() in style


@pytest.mark.slow
def test_bobs_page_opens_with_the_table_of_exercises(bobs_page):
    course, path = bobs_page
    soup = read(path)
    table = soup.find("table", class_="feedback-exercises")
    assert table is soup.find("table")   # before any cell
    names = [row.td.get_text(strip=True) for row in table.tbody.find_all("tr")]
    assert names == notebooks.exercises(notebooks.read(course.source(SECTION)))
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    assert all(a["href"].lstrip("#") in ids for a in table.find_all("a"))
    score, most, _ = build.scores(course.root)[SECTION, "bob"]
    assert " ".join(table.tfoot.get_text(" ").split()) == f"Total {score:g} / {most:g}" and 0 < score < most
    verdicts = {row.td.get_text(strip=True): row.find_all("td")[2].get_text() for row in table.tbody.find_all("tr")}
    assert verdicts["random_walk"] == feedback.PASSED and verdicts["sliding_window"] == feedback.NOT_ANSWERED
    assert not re.search(r"Test cell\s*\(Score", soup.get_text())   # nbgrader's anonymous list is gone


@pytest.mark.slow
def test_a_failed_visible_assert_names_its_check_and_the_hidden_diagnosis_follows(bobs_page):
    course, path = bobs_page
    soup = read(path)
    cell = soup.find(id="cell-id=compute_strides_test")
    text = " ".join(cell.get_text().split())
    assert "AssertionError: this check failed: assert" in text
    # the hidden checks ran anyway and name bob's mistake (his answer is in the corpus)
    assert feedback.HIDDEN_VERDICTS[True, "failed"] in text and "HiddenTestFailure: compute_strides" in text
    data = report.collect(course, SECTION)
    messages = list(data.exercises["compute_strides"].failures)
    assert messages and all(m.startswith("HiddenTestFailure: compute_strides") for m in messages)
    assert "AssertionError:" not in [m.strip() for e in data.exercises.values() for m in e.failures]


@pytest.mark.slow
def test_the_feedback_shows_no_hidden_test(bobs_page):
    course, path = bobs_page
    text = path.read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in text and "course.grading" not in text and "for the instructor" not in text
    hidden = [notebooks.split_hidden_tests(c.source)[1] for c in notebooks.read(course.source(SECTION)).cells
              if notebooks.is_test(c)]
    page_text = " ".join(read(path).get_text().split())
    assert hidden and not [region for region in hidden if " ".join(region.split()) in page_text]


def feedback_problems(driver):
    """What a student would see wrong on the page the browser shows: console errors, entities
    escaped twice, TeX left raw, no table of exercises, a student's script that ran."""
    from selenium.webdriver.common.by import By

    problems = [f"console: {message}" for message in console_errors(driver)]
    text = driver.find_element(By.TAG_NAME, "body").text
    problems += [f"escaped twice: {m.group(0)}" for m in ESCAPED_TWICE.finditer(text)]
    # the page's text but its code (a plot's label in code may hold TeX for matplotlib)
    prose = driver.execute_script("const page = document.body.cloneNode(true);"
                                  "page.querySelectorAll('pre, .highlight, script').forEach(e => e.remove());"
                                  "return page.textContent")
    problems += [f"raw TeX: {m}" for m in RAW_MATH.findall(prose)]
    tables = driver.find_elements(By.CSS_SELECTOR, "table.feedback-exercises")
    if not tables:
        problems.append("no table of exercises")
    if driver.execute_script("return window.PWNED !== undefined"):
        problems.append("a student's script ran")
    return problems, [e.text for e in (tables[0].find_elements(By.CSS_SELECTOR, "tbody code") if tables else [])]


@pytest.mark.slow
def test_bobs_page_works_offline_in_a_real_browser(bobs_page, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    course, path = bobs_page
    with chromium(height=1000) as driver:
        driver.get(path.as_uri())
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
        problems, names = feedback_problems(driver)
        assert problems == []
        assert names == notebooks.exercises(notebooks.read(course.source(SECTION)))
        # the attacker's Markdown is on the page, inert: its harmless text stayed
        assert "Notes" in driver.find_element("id", "cell-id=attack").text
        save_screenshot(driver, tmp_path, "feedback-page.png")


@pytest.mark.slow
def test_feedback_problems_finds_what_the_old_page_showed(tmp_path):
    """The browser check can fail: nbgrader's stock page, as the course made it before."""
    (tmp_path / "old.html").write_text(
        '<!DOCTYPE html><html><body><ol><li><a href="#t">Test cell</a> (Score: 0.0 / 1.0)</li></ol>'
        '<div class="jp-MarkdownOutput"><code>0 &amp;lt;= index</code> at $(-1, -1)$</div>'
        '<img src="x" onerror="window.PWNED = 2"><script src="https://cdn.example.org/mathjax.js"></script>'
        "</body></html>")
    with chromium() as driver:
        driver.get((tmp_path / "old.html").as_uri())
        problems, names = feedback_problems(driver)
    assert "escaped twice: &lt;" in problems and "raw TeX: $(-1, -1)$" in problems
    assert "no table of exercises" in problems and "a student's script ran" in problems
    assert any(p.startswith("console:") for p in problems) and names == []
