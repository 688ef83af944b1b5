"""How the package's modules depend on each other: no module imports one that imports it back."""
import ast

from course.layout import ROOT

PACKAGE = ROOT / "course"


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path):
    """The course modules that ``path`` imports (``from . import x`` counts as ``pkg.x``)."""
    name, found = _module_name(path), set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return {module for module in found if module.startswith("course")}


def dependency_graph():
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path) & set(modules) for name, path in modules.items()}


def cycles_of_two(graph):
    # a package's __init__ re-exports its modules: that is not a cycle of two modules
    return sorted({tuple(sorted((a, b))) for a, deps in graph.items() for b in deps
                   if a != b and a in graph.get(b, ()) and not {a, b} & {"course", "course.grading",
                                                                          "course.classgrade"}})


def test_no_module_imports_one_that_imports_it_back():
    assert cycles_of_two(dependency_graph()) == []


def test_the_check_finds_such_a_pair():
    graph = dependency_graph()
    graph["course.site"] = graph["course.site"] | {"course.build"}  # build imports site
    assert ("course.build", "course.site") in cycles_of_two(graph)
