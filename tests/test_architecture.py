"""The shape of the code: no import cycles in ``ims_core`` and ``bot``, and the core never imports
the bot (DESIGN.md, House style). Read from the source, as an import graph of modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ims_core", "bot")


def _modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the project modules it imports (at any depth of the file: deferred imports count)."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                named = [f"{node.module}.{alias.name}" for alias in node.names]
                # `from package import module` imports the module; anything else, the module named
                targets = [t for t in named if t in modules] or [node.module]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 80
    assert cycles(graph) == []


def test_the_core_never_imports_the_bot():
    graph = import_graph()
    leaks = sorted(f"{a} -> {b}" for a, targets in graph.items() if a.startswith("ims_core")
                   for b in targets if b == "bot" or b.startswith("bot."))
    assert leaks == []


def test_the_checks_would_see_a_cycle_and_a_leak(tmp_path):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "ims_core" / "a.py").write_text("from ims_core import b\n")
    (tmp_path / "ims_core" / "b.py").write_text(
        "def f():\n    from ims_core.a import x\n    import bot.app\n")
    (tmp_path / "bot" / "app.py").write_text("")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [["ims_core.a", "ims_core.b"]]
    assert "bot.app" in graph["ims_core.b"]
