"""The website for self-learners (course.site): what a reader sees, and what never reaches them."""
import json
import re

import nbformat
import pytest
from browser import chromium, console_errors, save_screenshot
from bs4 import BeautifulSoup
from helpers import source
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from course import notebooks, site, site_guide
from course.layout import ROOT, Course

sections = Course().sections

# TeX left for a script to typeset: $...$ or $$...$$ around something that is not a space
RAW_MATH = re.compile(r"\$\$?[^\s$][^$]*\$")
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
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


def test_equations_become_mathml_and_raw_tex_is_caught():
    source_md = "Heat $\\partial u / \\partial t$ and\n\n$$F = \\alpha\\,\\frac{\\Delta t}{\\Delta x^2}$$"
    renderer = site.MathMLRenderer(escape=False)
    rendered = MarkdownWithMath(renderer=renderer).render(source_md)
    text = BeautifulSoup(rendered, "html.parser")
    assert len(text.find_all("math")) == 2 and text.find("math", display="block")
    assert text.find("mfrac") is not None
    assert not RAW_MATH.search(text.get_text())
    stock = MarkdownWithMath(renderer=IPythonRenderer(escape=False)).render(source_md)
    assert RAW_MATH.search(BeautifulSoup(stock, "html.parser").get_text())  # what MathJax would have needed


def test_every_figure_needs_its_alt_text():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()", id="fig"),
                                         nbformat.v4.new_code_cell("print(1)", id="text")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR", "text/plain": "x"})]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    assert site.figure_cells(nb) == ["fig"]
    site.check_alt_texts("s", nb, {"fig": "A line going up."})
    with pytest.raises(ValueError, match="no alt text for the figure of cell 'fig'"):
        site.check_alt_texts("s", nb, {})
    with pytest.raises(ValueError, match="cell 'text' draws no figure"):
        site.check_alt_texts("s", nb, {"fig": "A line going up.", "text": "nothing"})


def test_the_alt_texts_name_existing_sections_and_say_something():
    alt_texts = json.loads(site.FIGURES.read_text(encoding="utf-8"))
    assert set(alt_texts) <= set(sections())
    assert all(len(text.split()) >= 5 for figures in alt_texts.values() for text in figures.values())


def test_outline_lists_parts_and_their_exercises():
    page = ('<h1 id="T">Title</h1><h2 id="1.-Intro">1. Intro<a class="anchor-link" href="#1.-Intro">¶</a></h2>'
            '<div id="cell-id=f-stub"></div><div id="cell-id=f"></div><h2 id="2.-More">2. More</h2>'
            '<h2 id="3.-Last">3. Last</h2><div id="cell-id=g-stub"></div><div id="cell-id=h-stub"></div>')
    assert site.outline(page, "s.html") == [
        {"title": "1. Intro", "href": "s.html#1.-Intro", "exercises": [("f", "s.html#cell-id=f-stub")]},
        {"title": "2. More", "href": "s.html#2.-More", "exercises": []},
        {"title": "3. Last", "href": "s.html#3.-Last",
         "exercises": [("g", "s.html#cell-id=g-stub"), ("h", "s.html#cell-id=h-stub")]}]


def test_a_site_folder_loses_what_the_build_did_not_write(tmp_path):
    site.prepare_folder(tmp_path, owned=False)  # empty: becomes the site's
    for name in ("index.html", "gone.html", "gone.ipynb"):
        (tmp_path / name).write_text("x")
    site.remove_stale(tmp_path, {"index.html"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [site.SITE_MARKER, "index.html"]


def test_a_folder_that_is_not_the_sites_is_left_alone(tmp_path):
    (tmp_path / "thesis.tex").write_text("x")
    with pytest.raises(SystemExit, match="not a site folder"):
        site.prepare_folder(tmp_path, owned=False)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.tex"]


def test_binder_links_open_the_student_notebook_in_jupyterlab():
    assert site.binder_url("release/warmup/warmup.ipynb", "someone/a-course") == (
        "https://mybinder.org/v2/gh/someone/a-course/HEAD?labpath=release%2Fwarmup%2Fwarmup.ipynb")
    # by default, course.toml's address; a course that names none has no Binder links
    assert site.binder_url("release/warmup/warmup.ipynb") == site.binder_url(
        "release/warmup/warmup.ipynb", Course().config.repository)
    assert site.binder_url("release/warmup/warmup.ipynb", "") is None


# --- the built site ---------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    site.prepare_folder(out, owned=False)  # an earlier build's, with the page of a section now gone
    (out / "gone.html").write_text("<p>a section that no longer exists</p>")
    (out / "gone.ipynb").write_text("{}")
    return site.build_site(root=ROOT, out=out)


@pytest.mark.slow
def test_site_has_an_index_a_page_per_section_and_tools(built):
    names = {p.name for p in built.iterdir()}
    helpers = {"tools.py", "_tools_render.py"}
    assert {"index.html", "tools.html", site.STYLESHEET} | helpers <= names
    assert not {"gone.html", "gone.ipynb"} & names  # a section that no longer exists is removed
    assert names == {site.SITE_MARKER, "index.html", "tools.html", site.STYLESHEET, site_guide.FOLDER} | helpers | {
        f"{s}.{ext}" for s in sections() for ext in ("html", "ipynb")}
    for name in helpers:
        assert (built / name).read_bytes() == (ROOT / name).read_bytes()
    index = page(built, "index.html")
    for section in sections():
        title, sentence = site.heading(source(section))
        item = index.find("a", href=f"{section}.html").find_parent("section")
        assert title in item.get_text() and flat(sentence.replace("`", "")) in flat(item.get_text())


@pytest.mark.slow
@pytest.mark.parametrize("section", sections())
def test_the_index_outlines_each_sections_parts_and_exercises(built, section):
    item = page(built, "index.html").find("a", href=f"{section}.html").find_parent("section")
    parts = [line[3:].strip() for c in source(section).cells if c.cell_type == "markdown"
             for line in c.source.splitlines() if line.startswith("## ")]
    listed = [flat(li.a.get_text()) for li in item.select("ul.site-outline > li")]
    assert listed == [flat(p.replace("`", "")) for p in parts]
    exercises = [a.get_text() for a in item.select("ul.site-outline code")]
    assert exercises == notebooks.exercises(source(section))
    ids = {tag["id"] for tag in page(built, f"{section}.html").find_all(id=True)}
    for link in item.select("ul.site-outline a"):  # each one lands on its heading or exercise
        target, _, anchor = link["href"].partition("#")
        assert target == f"{section}.html" and anchor in ids, link["href"]


@pytest.mark.slow
def test_every_page_shares_one_stylesheet_and_needs_no_script(built):
    css = (built / site.STYLESHEET).read_text(encoding="utf-8")
    assert "--jp-brand-color1" in css and ".highlight" in css and "details.site-solution" in css
    for html_page in sorted(built.rglob("*.html")):
        name = html_page.relative_to(built).as_posix()
        soup = page(built, name)
        up = "../" * (name.count("/"))
        assert [link["href"] for link in soup.find_all("link", rel="stylesheet")] == [up + site.STYLESHEET]
        assert soup.find_all("style") == [] and soup.find_all("script") == [], name
        # no MathJax: nothing loaded from or configured for it (the guide may name it in its text)
        loaded = " ".join(str(tag.get(attr, "")) for tag in soup.find_all(True) for attr in ("src", "href", "class"))
        assert "mathjax" not in loaded.lower() and "mathjax" not in str(soup.find_all("head")).lower(), name


@pytest.mark.slow
@pytest.mark.parametrize("section", sections())
def test_each_page_links_its_notebook_and_binder(built, section):
    nav = page(built, f"{section}.html").find("nav", class_="site-nav")
    links = {a["href"] for a in nav.find_all("a")}
    binder = site.binder_url(f"release/{section}/{section}.ipynb")
    assert {"index.html", f"{section}.ipynb", binder, "tools.html"} <= links
    assert nav.find("a", href=f"{section}.ipynb").has_attr("download")
    index_links = {a["href"] for a in page(built, "index.html").find_all("a")}
    assert {f"{section}.ipynb", binder} <= index_links


@pytest.mark.slow
@pytest.mark.parametrize("section", sections())
def test_equations_are_mathml_and_figures_have_alt_text(built, section):
    soup = page(built, f"{section}.html")
    markdown = flat(" ".join(m.get_text() for m in soup.select(".jp-MarkdownOutput")))
    assert not RAW_MATH.search(markdown)
    has_math = any("$" in c.source for c in source(section).cells if c.cell_type == "markdown")
    assert bool(soup.find_all("math")) == has_math
    images = soup.select(".jp-OutputArea-output img")
    alt_texts = json.loads(site.FIGURES.read_text(encoding="utf-8")).get(section, {})
    assert len([i for i in images if i["src"].startswith("data:image/png")]) == len(alt_texts)
    for image in images:
        assert image.get("alt", "").strip() and image["alt"] != NBCONVERT_DEFAULT_ALT, image["src"][:40]
    for cell, text in alt_texts.items():
        shown = soup.find(id=f"cell-id={cell}").select("img")
        assert [i["alt"] for i in shown] == [text]


@pytest.mark.slow
def test_the_advanced_page_shows_the_perceptron_animation(built):
    gifs = page(built, "advanced.html").select('.jp-OutputArea-output img[src^="data:image/gif;base64,"]')
    assert len(gifs) == 1 and "decision boundary" in gifs[0]["alt"]
    assert not page(built, "warmup.html").select('img[src^="data:image/gif"]')  # the check can say no


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
    guide = sorted((built / site_guide.FOLDER).glob("*.html"))   # it shows the markers, in its own example
    for path in [p for p in built.iterdir() if p.is_file()] + guide:
        text = path.read_text(encoding="utf-8")
        for marker in FORBIDDEN * (path not in guide):
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
    ids = {}  # page -> the ids in it, for links to an anchor
    for html_page in built.rglob("*.html"):
        soup = page(built, html_page.relative_to(built).as_posix())
        for tag in soup.find_all(["a", "img", "script", "link"]):
            target = tag.get("href") or tag.get("src")
            if not target or re.match(r"(https?:|data:|mailto:)", target):
                continue
            path, _, anchor = target.partition("#")
            file = (html_page.parent / path).resolve() if path else html_page
            assert file.is_file() and file.is_relative_to(built.resolve()), (html_page.name, target)
            if anchor and file.suffix == ".html":
                if file not in ids:
                    ids[file] = {tag["id"] for tag in BeautifulSoup(file.read_text(), "html.parser").find_all(id=True)}
                assert anchor in ids[file], (html_page.name, target)
    index = page(built, "index.html")
    linked = {a["href"] for a in index.find_all("a")}
    assert {f"{s}.html" for s in sections()} | {"tools.html", "tools.py"} <= linked


@pytest.mark.slow
def test_two_builds_are_byte_identical(built, tmp_path):
    again = site.build_site(root=ROOT, out=tmp_path)
    first = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
    assert sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file()) == first
    for name in first:
        assert (again / name).read_bytes() == (built / name).read_bytes(), name


def rendered_problems(driver):
    """What is wrong with the page the browser shows: console errors, TeX left raw in the
    text a reader sees, equations drawn with no size, images that did not load."""
    from selenium.webdriver.common.by import By

    problems = [f"console: {message}" for message in console_errors(driver)]
    text = driver.find_element(By.TAG_NAME, "body").text
    prose = ("const copy = arguments[0].cloneNode(true);"   # code may show a dollar sign (a shell prompt)
             "copy.querySelectorAll('pre, code').forEach(e => e.remove()); return copy.textContent;")
    problems += [f"raw TeX: {m}" for m in RAW_MATH.findall(" ".join(
        driver.execute_script(prose, e) for e in driver.find_elements(By.CSS_SELECTOR, ".jp-MarkdownOutput, .site-page")))]
    problems += ["an equation with no size" for m in driver.find_elements(By.TAG_NAME, "math")
                 if not driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                              "return r.width > 0 && r.height > 0", m)]
    problems += [f"image not loaded: {i.get_attribute('alt')}" for i in driver.find_elements(By.TAG_NAME, "img")
                 if not driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i)]
    assert text.strip(), "an empty page"
    return problems


@pytest.mark.slow
def test_rendered_problems_finds_what_a_reader_would_see(tmp_path):
    (tmp_path / "bad.html").write_text('<!DOCTYPE html><html><body><div class="jp-MarkdownOutput">'
                                       "Heat $\\partial u$ here</div><img src=\"missing.png\" alt=\"lost\">"
                                       "<math><mi>x</mi></math></body></html>")
    (tmp_path / "good.html").write_text('<!DOCTYPE html><html><body><div class="jp-MarkdownOutput">'
                                        "It costs 5 $ <math><mi>x</mi></math></div></body></html>")
    with chromium() as driver:
        driver.get((tmp_path / "bad.html").as_uri())
        problems = rendered_problems(driver)
        assert any(p.startswith("console:") and "missing.png" in p for p in problems), problems
        assert "raw TeX: $\\partial u$" in problems and "image not loaded: lost" in problems
        driver.get((tmp_path / "good.html").as_uri())
        assert rendered_problems(driver) == []


@pytest.mark.slow
def test_every_page_works_offline_in_a_real_browser(built, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with chromium() as driver:
        for html_page in sorted(built.rglob("*.html")):
            driver.get(html_page.as_uri())
            assert rendered_problems(driver) == [], html_page.name
            if html_page.stem not in sections():
                continue
            assert driver.find_elements(By.TAG_NAME, "math") or html_page.stem == "references"
            # a folded solution: hidden, then shown by a click on its summary
            folded = driver.find_element(By.CSS_SELECTOR, "details.site-solution")
            code = folded.find_element(By.CSS_SELECTOR, ".jp-InputArea-editor")
            answer = next(c for c in source(html_page.stem).cells if notebooks.is_answer(c))
            solution = flat(solution_regions(answer)[0])
            assert solution in flat(code.get_attribute("textContent"))
            assert not code.is_displayed()
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", folded)
            folded.find_element(By.TAG_NAME, "summary").click()
            WebDriverWait(driver, 5).until(lambda _: code.is_displayed())
            assert folded.get_attribute("open") is not None
            assert solution in flat(code.text)
            if html_page.stem == "warmup":
                save_screenshot(driver, tmp_path, "site-solution.png")
        # the animation plays from the page itself
        driver.get((built / "advanced.html").as_uri())
        gif = driver.find_element(By.CSS_SELECTOR, 'img[src^="data:image/gif"]')
        assert driver.execute_script("return arguments[0].naturalWidth", gif) > 100


# --- the instructor's guide: docs/*.md on the site ------------------------------

def test_guide_anchors_are_githubs_and_links_work_on_the_site(tmp_path):
    assert site_guide.slug("Naming the typical mistakes") == "naming-the-typical-mistakes"
    assert site_guide.slug("Walkthrough: `center_columns`") == "walkthrough-center_columns"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n")
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "checks.py").write_text("")
    body = ('<a href="a.md#part">a</a> <a href="../course/checks.py">checks</a> <a href="gone.md">gone</a> '
            '<a href="https://example.org/x.md">out</a> <img src="screenshots/s.png">')
    html, pictures = site_guide.relink(body, "index.md", docs, "owner/repo")
    assert 'href="a.html#part"' in html and 'href="https://example.org/x.md"' in html
    assert 'href="https://github.com/owner/repo/blob/HEAD/course/checks.py"' in html
    assert "gone</a>" not in html and "gone" in html   # a page that does not exist: the words, no link
    assert pictures == {"screenshots/s.png"}
    html, _ = site_guide.relink(body, "index.md", docs, "")
    assert "checks</a>" not in html   # no repository address: no link to GitHub


@pytest.mark.slow
def test_the_guide_is_on_the_site_in_its_reading_order(built):
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    rendered = sorted(p.name for p in (built / site_guide.FOLDER).glob("*.html"))
    assert rendered == [name.replace(".md", ".html") for name in pages]
    index = page(built, "index.html")
    guide = index.find("a", href=f"{site_guide.FOLDER}/index.html").find_parent("section")
    listed = [a["href"] for a in guide.select("ul.site-outline a")]
    contents = page(built, f"{site_guide.FOLDER}/index.html")
    in_order = [f"{site_guide.FOLDER}/{a['href']}" for a in contents.select("li > a")]
    assert listed[:len(in_order)] == in_order and sorted(listed) == sorted(
        f"{site_guide.FOLDER}/{name}" for name in rendered if name != "index.html")
    walkthrough = page(built, f"{site_guide.FOLDER}/writing-exercises.html")
    assert walkthrough.find(id="choosing-tolerances") and "center_columns" in walkthrough.get_text()
    assert not walkthrough.find(string=re.compile("walkthrough: run"))   # the test's marks stay unseen


def test_primes_follow_their_base_instead_of_being_raised_twice():
    markup = site.mathml("f'(x) = p'_1 + x''")
    assert "<msup>" not in markup and "<msubsup>" not in markup
    assert "<mrow><mi>f</mi><mo>&#x02032;</mo></mrow>" in markup
    assert "<msub><mrow><mi>p</mi><mo>&#x02032;</mo></mrow><mn>1</mn></msub>" in markup
    assert "<mrow><mi>x</mi><mo>&#x02033;</mo></mrow>" in markup
    assert "<msub><mrow><mi>P</mi><mo>&#x02032;</mo></mrow><mrow><mi>k</mi><mi>p</mi><mi>i</mi></mrow></msub>" in \
        site.mathml("P'_{kpi}")   # the advanced notebook's rotation
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in site.mathml("x^2")   # other superscripts stay
