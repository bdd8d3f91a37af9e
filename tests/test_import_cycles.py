"""No module of the package imports itself through others: the import graph has no cycle.

The graph is built from the source with ``ast`` (no import is executed): one node per module
file, one edge per ``import`` or ``from ... import`` of a package module, at module level or
inside a function alike (a lazy import still ties the two modules together), and
``importlib.import_module("aleatoric...")`` with a literal name. Imports under
``if TYPE_CHECKING:`` are left out, since they never run. ``from package import name`` is an
edge to ``package.name`` when that is a module, else to the package's ``__init__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import aleatoric

SRC = Path(aleatoric.__file__).parent
ROOT = "aleatoric"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SRC.rglob("*.py")}


def _type_checking_only(node: ast.AST) -> set[int]:
    # ids of import nodes under ``if TYPE_CHECKING:``
    skipped: set[int] = set()
    for branch in ast.walk(node):
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test):
            for inner in branch.body:
                skipped |= {id(n) for n in ast.walk(inner)}
    return skipped


def _edges(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in modules:
                    out.add(target)
                elif base in modules:
                    out.add(base)
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module"):
            literal = node.args[0] if node.args else None
            if isinstance(literal, ast.Constant) and literal.value in modules:
                out.add(str(literal.value))
    out.discard(name)
    return {m for m in out if m == ROOT or m.startswith(ROOT + ".")}


def import_graph() -> dict[str, set[str]]:
    """Return, per module of the package, the package modules it imports."""
    modules = _modules()
    return {name: _edges(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle as a path ``[a, b, ..., a]``, or ``None``."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert len(graph) > 100
    assert "aleatoric.config._model" in graph["aleatoric.config"]
    assert "aleatoric.errors" in graph["aleatoric.config._model"]


def test_dynamic_imports_count(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('import importlib\nimportlib.import_module("aleatoric.jobs")\n')
    assert _edges("aleatoric.m", module, _modules()) == {"aleatoric.jobs"}


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])
