"""The website for self-learners (course.site): what a reader sees, and what never reaches them."""
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from helpers import source

from course import notebooks, site
from course.layout import ROOT, Course

sections = Course().sections

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FORBIDDEN = ("BEGIN HIDDEN", "END HIDDEN", "course.grading", notebooks.SOLUTION_BEGIN, notebooks.SOLUTION_END)


def flat(text):
    return " ".join(text.split())


def solution_regions(cell):
    """The code between the solution markers of an answer cell, one string per region."""
    return re.findall(rf"{notebooks.SOLUTION_BEGIN}\n(.*?)\n[ \t]*{notebooks.SOLUTION_END}", cell.source, re.DOTALL)


def hidden_regions(cell):
    return re.findall(rf"{notebooks.HIDDEN_BEGIN}\n(.*?){notebooks.HIDDEN_END}", cell.source, re.DOTALL)


def page(folder, name):
    return BeautifulSoup((folder / name).read_text(encoding="utf-8"), "html.parser")


def outside_details(soup):
    """The page's text with every <details> element removed."""
    soup = BeautifulSoup(str(soup), "html.parser")
    for details in soup.find_all("details"):
        details.decompose()
    return flat(soup.get_text())


# --- preparing the notebook (fast: nothing is executed) ---------------------

def test_hidden_tests_are_cut_out_and_the_visible_part_kept():
    cell = "assert f(1) == 2\n\n### BEGIN HIDDEN TESTS\nfrom course.grading import check\n### END HIDDEN TESTS\n"
    assert site.without_hidden_tests(cell) == "assert f(1) == 2"


def test_the_stub_is_the_students_cell():
    cell = 'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION'
    assert site.student_stub(cell) == ('def f(x):\n    """Doc."""\n'
                                       "    # YOUR CODE HERE\n    raise NotImplementedError()")


@pytest.mark.parametrize("section", sections())
def test_site_notebook_keeps_solutions_and_visible_tests_only(section):
    nb = site.site_notebook(source(section))
    text = "\n".join(c.source + c.metadata.get("stub", "") for c in nb.cells)
    for marker in FORBIDDEN:
        assert marker not in text
    solutions = [c for c in nb.cells if c.metadata.get("site") == "solution"]
    assert len(solutions) == len(notebooks.exercises(source(section)))
    assert all("raise NotImplementedError()" in c.metadata["stub"] for c in solutions)


def test_a_marker_left_behind_stops_the_build():
    nb = source("references")
    answer = next(c for c in nb.cells if notebooks.is_answer(c))
    answer.source = answer.source.replace(notebooks.SOLUTION_END, "")  # a region that never ends
    with pytest.raises(ValueError, match="left after preparing"):
        site.site_notebook(nb)


def test_heading_gives_the_title_and_the_first_sentence():
    title, sentence = site.heading(source("advanced"))
    assert title == "Advanced NumPy — ❸ Advanced exercises"
    assert sentence == ("Three larger exercises, each a small program rather than a one-liner: the geometry of"
                        " many squares held in one structured array, a perceptron that learns to separate two"
                        " classes of points, and one gradient-descent step of a two-layer neural network.")


# --- the built site ---------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return site.build_site(root=ROOT, out=tmp_path_factory.mktemp("site"))


@pytest.mark.slow
def test_site_has_an_index_a_page_per_section_and_tools(built):
    names = {p.name for p in built.iterdir()}
    assert {"index.html", "tools.html", "tools.py", "_tools_render.py"} <= names
    for section in sections():
        assert {f"{section}.html", f"{section}.ipynb"} <= names
    for name in ("tools.py", "_tools_render.py"):
        assert (built / name).read_bytes() == (ROOT / name).read_bytes()
    index = page(built, "index.html")
    for section in sections():
        title, sentence = site.heading(source(section))
        item = index.find("a", href=f"{section}.html").parent
        assert title in item.get_text() and flat(sentence.replace("`", "")) in flat(item.get_text())


@pytest.mark.slow
@pytest.mark.parametrize("section", sections())
def test_every_cell_was_executed_and_figures_are_shown(built, section):
    soup = page(built, f"{section}.html")
    prompts = [flat(p.get_text()) for p in soup.select(".jp-CodeCell .jp-InputPrompt")]
    numbers = [int(m[1]) for p in prompts if (m := re.fullmatch(r"In \[(\d+)\]:", p))]
    unexecuted = len(prompts) - len(numbers)
    assert unexecuted == len(notebooks.exercises(source(section)))  # only the students' stubs
    assert numbers == list(range(1, len(numbers) + 1))
    plots = any("plt." in c.source for c in source(section).cells if c.cell_type == "code")
    assert bool(soup.select('.jp-OutputArea-output img[src^="data:image/png;base64,"]')) == plots
    if section != "references":  # its cells print nothing
        assert soup.select(".jp-OutputArea-output")


@pytest.mark.slow
@pytest.mark.parametrize("section", sections())
def test_solutions_are_folded_and_visible_tests_shown(built, section):
    soup = page(built, f"{section}.html")
    nb = source(section)
    folded = soup.find_all("details", class_="site-solution")
    assert len(folded) == len(notebooks.exercises(nb))
    assert all(flat(d.summary.get_text()) == "Show solution" for d in folded)
    inside = flat(" ".join(d.get_text() for d in folded))
    outside = outside_details(soup)
    for cell in nb.cells:
        if notebooks.is_answer(cell):
            regions = solution_regions(cell)
            assert regions, notebooks.nbgrader_meta(cell)["grade_id"]
            for region in map(flat, regions):
                assert region in inside
                assert region not in outside
        if notebooks.is_test(cell) and site.without_hidden_tests(cell.source).strip():
            assert flat(site.without_hidden_tests(cell.source)) in outside
    # one stub per solution region (a class has one per method)
    stubs = sum(len(solution_regions(c)) for c in nb.cells if notebooks.is_answer(c))
    assert outside.count("# YOUR CODE HERE") == stubs


@pytest.mark.slow
def test_no_hidden_test_nor_solution_marker_anywhere(built):
    hidden = [flat(region) for section in sections() for cell in source(section).cells
              for region in hidden_regions(cell)]
    assert hidden
    for path in built.iterdir():
        text = path.read_text(encoding="utf-8")
        for marker in FORBIDDEN:
            assert marker not in text, (path.name, marker)
        text = flat(BeautifulSoup(text, "html.parser").get_text()) if path.suffix == ".html" else flat(text)
        for region in hidden:
            assert region not in text, path.name


@pytest.mark.slow
def test_machine_measurements_are_replaced_by_a_note(built):
    soup = page(built, "warmup.html")
    outputs = flat(" ".join(o.get_text() for o in soup.select(".jp-OutputArea-output")))
    assert not re.search(r"\d [mµn]?s ± ", outputs)  # timeit's report
    assert "times faster" not in outputs and "CPU count" not in outputs
    assert site.MEASURED_NOTE in outputs


@pytest.mark.slow
def test_every_local_link_resolves(built):
    for html_page in built.glob("*.html"):
        soup = page(built, html_page.name)
        for tag in soup.find_all(["a", "img", "script", "link"]):
            target = tag.get("href") or tag.get("src")
            if not target or re.match(r"(https?:|data:|mailto:|#)", target):
                continue
            assert (built / target.split("#")[0]).is_file(), (html_page.name, target)
    index = page(built, "index.html")
    linked = {a["href"] for a in index.find_all("a")}
    assert {f"{s}.html" for s in sections()} | {"tools.html", "tools.py"} <= linked


@pytest.mark.slow
def test_two_builds_are_byte_identical(built, tmp_path):
    again = site.build_site(root=ROOT, out=tmp_path)
    first = sorted(p.name for p in built.iterdir())
    assert sorted(p.name for p in again.iterdir()) == first
    for name in first:
        assert (again / name).read_bytes() == (built / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium chromium-driver)")
def test_a_reader_opens_a_solution_in_a_real_browser(built):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert CHROMEDRIVER.exists(), "chromium is installed but not chromedriver: apt-get install -y chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND"):  # no network: the MathJax CDN fails at once
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        driver.get((built / "references.html").as_uri())
        folded = driver.find_element(By.CSS_SELECTOR, "details.site-solution")
        code = folded.find_element(By.CSS_SELECTOR, ".jp-InputArea-editor")
        solution = flat(solution_regions(next(c for c in source("references").cells if notebooks.is_answer(c)))[0])
        assert solution in flat(code.get_attribute("textContent"))
        assert not code.is_displayed()
        assert driver.find_element(By.XPATH, "//*[contains(@class, 'jp-InputArea-editor')]"
                                             "[not(ancestor::details)]").is_displayed()

        folded.find_element(By.TAG_NAME, "summary").click()
        WebDriverWait(driver, 5).until(lambda _: code.is_displayed())
        assert folded.get_attribute("open") is not None
        assert solution in flat(code.text)
    finally:
        driver.quit()
