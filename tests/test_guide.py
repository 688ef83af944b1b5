"""The instructor's guide, followed literally: docs/writing-exercises.md's walkthrough adds an
exercise to a copy of this repository with the commands and cells the page shows, in its order,
and the new exercise is graded (issue 23)."""
import os
import re
import shutil
import subprocess
import time

import nbformat
import pytest

from course.layout import ROOT, Course

GUIDE = ROOT / "docs" / "writing-exercises.md"
EXERCISE = "center_columns"
_STEP = re.compile(r"^<!-- walkthrough: (run|cell \w+|append [\w/.]+) -->\n```(\w+)\n(.*?)^```\n", re.M | re.S)


def walkthrough_steps():
    """``[(action, block)]`` of the page's walkthrough, in order. Every fenced block of the
    walkthrough is a step: a block without its step mark would be shown and not tested."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("\n## Walkthrough", 1)[1].split("\n## ", 1)[0]
    steps = [(action, block) for action, _, block in _STEP.findall(section)]
    assert len(steps) == section.count("\n```") // 2, "a block of the walkthrough has no <!-- walkthrough: --> mark"
    for action, _ in steps:   # the reader sees which file a block goes into: the one the step appends to
        if action.startswith("append "):
            path = action.removeprefix("append ")
            assert f"At the end of `{path}`:\n\n<!-- walkthrough: {action} -->" in section, path
    return steps


def copy_of_repository(target):
    """The working tree's files (tracked, and new ones not ignored), links kept as links, and the
    repository's .venv (so the copy's `python3 make.py` finds its dependencies installed).

    The .venv is brought up to date for the repository first: with a stale one (requirements.txt
    or pyproject.toml changed since it was made), the copy's `make.py` would install the copy,
    which pytest deletes later, into the repository's own .venv."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("repository_make", ROOT / "make.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    make.ensure_venv()
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source, copy = ROOT / name, target / name
        if not source.exists() and not source.is_symlink():
            continue   # deleted in the working tree
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), copy)
        else:
            shutil.copy2(source, copy)
    os.symlink(ROOT / ".venv", target / ".venv")
    return target


def write_cell(course, cell_id, text):
    """What an instructor does in JupyterLab: replace the cell's contents, run it, save. The
    saved notebook has an output and JupyterLab's metadata, as after a real session."""
    path = course.source("warmup")
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if c.get("id") == cell_id]
    cell.source = text.rstrip("\n")
    if cell.cell_type == "code":
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
        cell.metadata["execution"] = {"iopub.status.idle": "2026-12-06T09:00:00.000000Z"}
    nb.metadata["widgets"] = {}
    nbformat.write(nb, path)


def _environ():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COURSE_")) and k != "VIRTUAL_ENV"}
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    course = Course(copy_of_repository(tmp_path_factory.mktemp("guide") / "course"))
    ran, started = [], time.monotonic()
    for action, block in walkthrough_steps():
        if action == "run":
            for line in filter(None, (line.strip() for line in block.splitlines())):
                result = subprocess.run(line, shell=True, cwd=course.root, env=_environ(),
                                        capture_output=True, text=True, timeout=1200)
                assert result.returncode == 0, f"{line}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
                ran.append((line, result.stdout))
        elif action.startswith("cell "):
            write_cell(course, action.removeprefix("cell "), block)
        else:
            path = course.root / action.removeprefix("append ")
            assert path.exists(), f"the guide appends to {path.relative_to(course.root)}, which does not exist"
            with path.open("a", encoding="utf-8") as corpus:
                corpus.write("\n" + block)
    print(f"walkthrough followed in {time.monotonic() - started:.0f} s")
    # The copy shares the repository's .venv: its `course` must still be the repository's.
    installed = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", "import course; print(course.__file__)"],
                               cwd="/", capture_output=True, text=True).stdout.strip()
    assert installed == str(ROOT / "course" / "__init__.py"), installed
    return course, ran


def test_the_walkthrough_shows_each_kind_of_step():
    actions = [action.split()[0] for action, _ in walkthrough_steps()]
    assert actions.count("run") >= 4 and actions.count("cell") == 4 and actions.count("append") >= 5


@pytest.mark.slow
def test_the_walkthrough_s_exercise_is_graded(walked):
    from nbgrader.api import Gradebook

    course, ran = walked
    demo = course.demo()
    with Gradebook(demo.db_url) as gradebook:
        def scores(student):
            notebook = gradebook.find_submission_notebook("warmup", "warmup", student)
            return {g.name: (g.score, g.max_score) for g in notebook.grades if g.name.startswith(EXERCISE)}

        assert scores("alice") == {f"{EXERCISE}_test": (2, 2), f"{EXERCISE}_test_vectorized": (1, 1)}
        assert scores("carol") == {f"{EXERCISE}_test": (0, 2), f"{EXERCISE}_test_vectorized": (0, 1)}
    release = course.release("warmup").read_text()
    assert f"def {EXERCISE}(X)" in release and "X - X.mean(axis=0)" not in release
    assert "BEGIN HIDDEN TESTS" not in release
    page = demo.feedback("alice", "warmup").read_text()
    assert EXERCISE in page and "BEGIN HIDDEN TESTS" not in page


@pytest.mark.slow
def test_the_walkthrough_s_corpus_and_conventions_pass(walked):
    course, ran = walked
    (line, printed), = [(line, out) for line, out in ran if line.startswith("python3 make.py test ")]
    summary = printed.strip().splitlines()[-1]
    assert "failed" not in summary and "error" not in summary, summary
    # what that command selects: every test of it passed, among them the new exercise's corpus tests:
    # 2 correct answers with full marks, 3 wrong ones that lose marks and whose feedback names the mistake
    collected = subprocess.run(f"{line} --collect-only -q", shell=True, cwd=course.root, env=_environ(),
                               capture_output=True, text=True, timeout=300).stdout.splitlines()
    selected = [test for test in collected if "::" in test]
    assert sum(EXERCISE in test for test in selected) == 2 + 3 + 3
    assert int(re.search(r"(\d+) passed", summary).group(1)) == len(selected), summary


@pytest.mark.slow
def test_the_walkthrough_leaves_the_source_notebook_in_its_committed_form(walked):
    course, _ = walked
    nb = nbformat.read(course.source("warmup"), as_version=4)
    assert all(not c.get("outputs") and "execution" not in c.metadata for c in nb.cells if c.cell_type == "code")
    assert "widgets" not in nb.metadata


# --- the commands the walkthrough uses (fast) ---------------------------------

def test_new_exercise_appends_cells_that_fail_until_written_and_refuses_a_clash(tmp_path):
    from helpers import make_course

    from course import notebooks, scaffold

    course = Course(make_course(tmp_path, sections=["warmup"]))
    before = notebooks.read(course.source("warmup")).cells
    scaffold.add_exercise(course, "warmup", "clip", vectorized=True)
    nb = notebooks.read(course.source("warmup"))
    added = nb.cells[len(before):]
    assert [c.id for c in added] == ["clip_statement", "clip", "clip_test", "clip_test_vectorized"]
    assert notebooks.exercises(nb)[-1] == "clip"
    assert [notebooks.nbgrader_meta(c).get("points") for c in added] == [None, None, 2, 1]
    assert all("TODO" in c.source for c in added)
    for cell in added[1:]:   # each placeholder fails when run: the answer when called, a test cell at once
        with pytest.raises(NotImplementedError if cell.id == "clip" else AssertionError):
            exec(cell.source + ("\nclip(0)" if cell.id == "clip" else ""), {})
    written = course.source("warmup").read_bytes()
    for section, name, words in (("warmup", "clip", "already has cells named clip, clip_statement, clip_test"),
                                 ("nowhere", "x", "no section 'nowhere'"), ("warmup", "x_test", "cannot name")):
        with pytest.raises(SystemExit, match=words):
            scaffold.add_exercise(course, section, name)
    assert course.source("warmup").read_bytes() == written


def test_tidy_writes_source_notebooks_in_their_committed_form(tmp_path, capsys):
    from helpers import make_course

    from course import build, notebooks

    course = Course(make_course(tmp_path, sections=["warmup"]))
    committed = course.source("warmup").read_bytes()
    (answer,) = [c for c in notebooks.read(course.source("warmup")).cells if c.id == "reverse"]
    write_cell(course, "reverse", answer.source)   # run and saved in JupyterLab: an output, its metadata
    assert course.source("warmup").read_bytes() != committed
    build.tidy(root=course.root)
    assert course.source("warmup").read_bytes() == committed
    build.tidy(root=course.root)
    assert "already tidy" in capsys.readouterr().out


# --- the README and the guide: short, linked, every link resolving (fast) -------

README_MOST_LINES = 200
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _headings(path):
    from course.site_guide import slug

    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_readme_keeps_the_newcomers_path_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MOST_LINES, f"README.md has {len(lines)} lines: move the details into docs/"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## Quick start", "## For students", "## For self-learners", "## For instructors",
                        "## Layout"]


def test_every_guide_page_is_in_its_contents():
    contents = set(_LINK.findall((ROOT / "docs" / "index.md").read_text(encoding="utf-8")))
    assert {p.name for p in (ROOT / "docs").glob("*.md")} - {"index.md"} <= contents


@pytest.mark.parametrize("page", ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))])
def test_every_link_of_the_readme_and_the_guide_resolves_in_the_repository(page):
    for target in _LINK.findall((ROOT / page).read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / page).parent / path if path else ROOT / page
        assert file.exists(), f"{page} links {target}, which does not exist"
        if anchor:
            assert anchor in _headings(file), f"{page} links {target}: no such heading"


def test_the_guides_tolerance_example_holds():
    """docs/writing-exercises.md, "Choosing tolerances": with the default tolerance the reference
    solution fails 1,200 of the 3,600 elements of the case of repeated values stored column by
    column; with the walkthrough's atol every element passes."""
    import numpy as np

    steps = dict(walkthrough_steps())
    namespace = {}
    exec(steps["cell center_columns"], namespace)
    hidden = steps["cell center_columns_test"].split("### BEGIN HIDDEN TESTS")[1].split("MISTAKES")[0]
    exec(hidden, namespace)
    X = np.tile([0.1, 0.2, 0.3], (3, 400)).T
    assert "np.tile([0.1, 0.2, 0.3], (3, 400)).T" in steps["cell center_columns_test"]
    result, expected = namespace["center_columns"](X), namespace["oracle"](X)
    assert (~np.isclose(result, expected, rtol=1e-7, atol=0)).sum() == 1_200 and X.size == 3_600
    assert np.isclose(result, expected, rtol=1e-7, atol=1e-12).all()
    assert "1,200 of its 3,600 elements" in GUIDE.read_text()
