"""Imports go one way: step/ -> {net/, voc12/, misc/}; net/, voc12/ -> misc/; misc/ -> none of them.

Read from the source with ast (no module is imported), function-level imports included, so an
import that dodges a circle by hiding in a function still counts.
"""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ("step", "net", "voc12", "misc")
# Which top-level packages each layer may import (its own included).
ALLOWED = {"step": {"step", "net", "voc12", "misc"}, "net": {"net", "misc"}, "voc12": {"voc12", "misc"},
           "misc": {"misc"}}


def imported_modules(source):
    """(line, dotted name) of every import in a module's source, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            # `from misc import layout` imports the module misc.layout
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def module_name(path):
    return os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".").removesuffix(".__init__")


def project_modules():
    for layer in LAYERS:
        for folder, _, names in os.walk(os.path.join(ROOT, layer)):
            for name in sorted(names):
                if name.endswith(".py"):
                    yield layer, os.path.join(folder, name)


def arrows(modules):
    """{module: {imported project module}} over the given (layer, path) files."""
    known = {module_name(p) for _, p in modules}
    graph = {}
    for _, path in modules:
        with open(path) as f:
            graph[module_name(path)] = {m for _, m in imported_modules(f.read()) if m in known}
    return graph


def wrong_way(modules):
    """'file:line imports X' for every arrow against the layer order."""
    problems, seen = [], set()
    for layer, path in modules:
        with open(path) as f:
            for line, name in imported_modules(f.read()):
                target = name.split(".")[0]
                if target in LAYERS and target not in ALLOWED[layer] and (path, line) not in seen:
                    seen.add((path, line))
                    problems.append(f"{os.path.relpath(path, ROOT)}:{line} imports {name} ({layer}/ may import "
                                    f"only {', '.join(sorted(ALLOWED[layer]))})")
    return sorted(set(problems))


def circles(graph):
    """Every import cycle among the project's modules, as 'a -> b -> a'."""
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_imports_go_one_way():
    problems = wrong_way(list(project_modules()))
    assert not problems, "imports against step/ -> net/, voc12/ -> misc/:\n" + "\n".join(problems)


def test_no_import_circles():
    graph = arrows(list(project_modules()))
    graph = {m: {t for t in targets if t != m and not m.startswith(t + ".")} for m, targets in graph.items()}
    found = circles(graph)
    assert not found, "import circles:\n" + "\n".join(found)


def test_the_checks_catch_an_arrow_against_the_order(tmp_path):
    """The reader itself: a misc/ module importing net/ and a two-module circle are both found."""
    (tmp_path / "misc").mkdir()
    bad = tmp_path / "misc" / "helper.py"
    bad.write_text("import os\n\ndef f():\n    from net.deeplab import build_seg_net\n")
    problems = wrong_way([("misc", str(bad))])
    assert len(problems) == 1 and "helper.py:4 imports net.deeplab" in problems[0]
    assert circles({"misc.a": {"misc.b"}, "misc.b": {"misc.a"}}) == ["misc.a -> misc.b -> misc.a"]
    assert circles({"misc.a": {"misc.b"}, "misc.b": set()}) == []


@pytest.mark.parametrize("package", ["misc/chain", "misc/method", "misc/review", "misc/seeds", "misc/report",
                                     "voc12/generated"])
def test_each_package_says_what_belongs_there(package):
    with open(os.path.join(ROOT, package, "__init__.py")) as f:
        doc = ast.get_docstring(ast.parse(f.read()))
    assert doc and len(doc.split()) >= 15, f"{package}/__init__.py needs a docstring saying what belongs there"
