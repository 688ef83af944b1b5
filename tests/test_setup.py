"""The repository's own promises: pins, layout, determinism, the exercise contract."""
import ast
import re

import pytest
from helpers import make_course

from course import build, demo, notebooks
from course.layout import ROOT, Course

SECTIONS = Course().sections()


def _pins(text):
    return dict(re.findall(r"^\s*-?\s*([A-Za-z0-9_.-]+)==([^\s#]+)", text, re.MULTILINE))


def test_environment_yml_pins_what_requirements_txt_pins():
    # The pins under "# for the test suite" are not needed on Binder.
    runtime = _pins((ROOT / "requirements.txt").read_text().split("# for the test suite")[0])
    binder = _pins((ROOT / "environment.yml").read_text())
    assert binder == runtime


def test_requirements_pin_the_major_versions_the_course_is_written_for():
    pins = _pins((ROOT / "requirements.txt").read_text())
    assert pins["numpy"].startswith("2.") and pins["jupyterlab"].startswith("4.")
    assert pins["nbgrader"].startswith("0.9.") and pins["nbconvert"].startswith("7.")
    assert "matplotlib" in pins


def test_quick_start_holds_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```\w*\n(.*?)```", section, re.DOTALL).group(1)
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines == ["python3 make.py", "python3 make.py test"]


@pytest.mark.parametrize("section", SECTIONS)
def test_source_notebook_is_stored_normalised(section):
    path = ROOT / "source" / section / f"{section}.ipynb"
    assert path.read_text() == notebooks.dumps(notebooks.normalize(notebooks.read(path)))


@pytest.mark.parametrize("section", SECTIONS)
def test_every_exercise_has_visible_and_hidden_tests(section):
    nb = notebooks.read(ROOT / "source" / section / f"{section}.ipynb")
    tests = [c for c in nb.cells if notebooks.is_test(c)]
    assert notebooks.exercises(nb)
    for exercise in notebooks.exercises(nb):
        mine = [c for c in tests if notebooks.exercise_of(notebooks.nbgrader_meta(c)["grade_id"]) == exercise]
        assert mine, f"{exercise} has no test cell"
        assert any(not c.source.lstrip().startswith(notebooks.HIDDEN_BEGIN) for c in mine), exercise
        assert any(notebooks.HIDDEN_BEGIN in c.source for c in mine), exercise


def named_mistakes(hidden):
    """The sentences of the mistakes that hidden tests declare: the keys of the dict literals
    passed as ``mistakes=``, directly or through a name assigned such a literal in the cell."""
    tree = ast.parse(hidden)
    literals = {node.targets[0].id: node.value for node in ast.walk(tree)
                if isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Dict)}
    sentences = set()
    for node in ast.walk(tree):
        for keyword in getattr(node, "keywords", []) if isinstance(node, ast.Call) else []:
            if keyword.arg != "mistakes":
                continue
            value = keyword.value
            value = literals.get(value.id) if isinstance(value, ast.Name) else value
            if isinstance(value, ast.Dict):
                sentences.update(k.value for k in value.keys if isinstance(k, ast.Constant))
    return sentences


def test_named_mistakes_are_found_in_hidden_tests():
    hidden = ("A = {'rotates first': f, 'forgets the bias': g}\n"
              "check(h, 1).agrees_with(o, mistakes=A)\n"
              "check(h, 2).agrees_with(o, mistakes={'sums instead': k})\n"
              "B = {'never used': f}\n")
    assert named_mistakes(hidden) == {"rotates first", "forgets the bias", "sums instead"}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_exercise_names_at_least_two_typical_mistakes(section):
    # Feedback that teaches: a wrong answer of a typical kind is told what its mistake is.
    nb = notebooks.read(ROOT / "source" / section / f"{section}.ipynb")
    declared = {}
    for cell in nb.cells:
        if notebooks.is_test(cell):
            exercise = notebooks.exercise_of(notebooks.nbgrader_meta(cell)["grade_id"])
            declared.setdefault(exercise, set()).update(
                named_mistakes(notebooks.split_hidden_tests(cell.source)[1]))
    few = {exercise: len(declared.get(exercise, ())) for exercise in notebooks.exercises(nb)
           if len(declared.get(exercise, ())) < 2}
    assert few == {}, f"exercises with fewer than two named mistakes: {few}"


@pytest.mark.parametrize("section", SECTIONS)
def test_every_test_cell_with_points_has_hidden_tests(section):
    # Visible tests run in the student's process, so on their own they prove nothing.
    nb = notebooks.read(ROOT / "source" / section / f"{section}.ipynb")
    for cell in nb.cells:
        if notebooks.is_test(cell) and notebooks.nbgrader_meta(cell).get("points", 0) > 0:
            assert notebooks.HIDDEN_BEGIN in cell.source, notebooks.nbgrader_meta(cell)["grade_id"]


@pytest.mark.parametrize("section", SECTIONS)
def test_tools_py_beside_each_notebook_is_the_canonical_copy(section):
    for name in ("tools.py", "_tools_render.py"):   # the facade and the module it imports
        canonical = (ROOT / name).read_bytes()
        assert (ROOT / "source" / section / name).read_bytes() == canonical, name
        assert (ROOT / "release" / section / name).read_bytes() == canonical, name


@pytest.mark.slow
def test_release_and_demo_class_match_a_fresh_generation(tmp_path):
    # release/ is committed: it is what a fresh generation gives. The demo class is not
    # (demo/ is made afresh by every main job): building it again gives the same bytes.
    course = Course(make_course(tmp_path, demo=True))
    class_ = demo.prepare(course)
    build.generate(root=class_.root)
    build.build_demo_class(root=class_.root)
    first = class_.submitted_dir.rename(tmp_path / "first-build")
    build.build_demo_class(root=class_.root)
    fresh = sorted(p.relative_to(class_.release_dir) for p in class_.release_dir.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "release") for p in (ROOT / "release").rglob("*") if p.is_file())
    assert fresh == committed
    for relative in fresh:
        assert (class_.release_dir / relative).read_bytes() == (ROOT / "release" / relative).read_bytes(), relative
    handed_in = sorted(p.relative_to(class_.submitted_dir) for p in class_.submitted_dir.rglob("*") if p.is_file())
    assert {p.parts[0] for p in handed_in} == {"alice", "bob", "carol", "dave", "erin"}
    for relative in handed_in:
        assert (class_.submitted_dir / relative).read_bytes() == (first / relative).read_bytes(), relative
    assert sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file()) == handed_in
    # the demo class is in demo/ only: nothing at the course's own root
    assert not any(course.root.joinpath(f).exists() for f in ("submitted", "autograded", "feedback", "gradebook.db"))
