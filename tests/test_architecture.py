"""The rule of the house (docs/architecture.md): what may import what inside ``src/unsup``.

Every module is parsed (imports at module level and inside functions alike) and the rules checked on that graph:
no circle between sub-packages, the library never imports the paper reproductions (``unsup.repro``), a command-line
module imports the library and never another command-line module, and data sets import no metrics."""

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).parents[1] / "src"
MODULES = {
    ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
    for p in sorted((SRC / "unsup").rglob("*.py"))
}


def _resolve(name: str) -> str:
    """The module an imported name lives in: ``unsup.gan.losses`` for ``from unsup.gan import losses``."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(module: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {_resolve(n) for n in found if n == "unsup" or n.startswith("unsup.")} - {module}


GRAPH = {m: _imports(m) for m in MODULES}


def _package(module: str) -> str:
    """``gan`` for ``unsup.gan.trainer``; top-level modules (``unsup._run``, ``unsup.cli``) are their own."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "unsup"


def _is_cli(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("cli") or module in ("unsup.cli", "unsup.demo")


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle in ``graph`` as a list of nodes, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_read():
    assert "unsup.gan.trainer" in GRAPH["unsup.gan.runs"]  # a function-level import
    assert "unsup._run" in GRAPH["unsup.gan.runs"]  # a module-level one
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_circle_between_sub_packages():
    packages: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        if module == "unsup" or _is_cli(module):  # the dispatchers sit above every package
            continue
        packages.setdefault(_package(module), set()).update(
            _package(t) for t in targets if t != "unsup" and _package(t) != _package(module) and not _is_cli(t)
        )
    assert _cycle(packages) is None


def test_the_library_never_imports_the_reproductions():
    offenders = {
        m: sorted(t for t in targets if t.startswith("unsup.repro"))
        for m, targets in GRAPH.items()
        if not m.startswith("unsup.repro") and not _is_cli(m)
    }
    assert {m: t for m, t in offenders.items() if t} == {}


@pytest.mark.parametrize("module", [m for m in MODULES if _is_cli(m) and m != "unsup.cli"])
def test_a_command_line_module_imports_no_other_command_line_module(module):
    assert sorted(t for t in GRAPH[module] if _is_cli(t) and t != "unsup.cli") == []


def test_data_sets_import_no_metrics():
    assert {m: sorted(t for t in GRAPH[m] if t.startswith("unsup.metrics")) for m in MODULES
            if m.startswith("unsup.data")} == {m: [] for m in MODULES if m.startswith("unsup.data")}  # fmt: skip
