"""The layout holds: the kernel imports no part of the domain, and the domain's packages import one
another in one direction only. Every import counts, those inside functions too."""
from __future__ import annotations

import ast
from pathlib import Path

import portal

PORTAL = Path(portal.__file__).resolve().parent
COMPOSITION = {"__init__", "cli", "health"}  # they put the parts together, so they may import any of them
OUTSIDE = {"migrations"}  # Alembic's scripts read the models; nothing imports them


def part_of(module: str) -> str:
    """'portal.tickets.services' → 'tickets'; a top-level module of the kernel → 'kernel'."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "portal":
        return ""
    head = parts[1]
    if (PORTAL / head).is_dir():
        return head
    return head if head in COMPOSITION else "kernel"


def imports(path: Path) -> set[str]:
    """Every portal module `path` imports, wherever the import statement stands."""
    module = ".".join(path.relative_to(PORTAL.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "portal" or name.startswith("portal.")}


def edges() -> dict[str, set[str]]:
    """part → the parts it imports (itself left out)."""
    graph: dict[str, set[str]] = {}
    for path in PORTAL.rglob("*.py"):
        source = part_of(".".join(path.relative_to(PORTAL.parent).with_suffix("").parts))
        if source in OUTSIDE:
            continue
        targets = {part_of(name) for name in imports(path)} - {source, "", "portal"}
        graph.setdefault(source, set()).update(targets)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One loop between parts, as a path that ends where it starts, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_kernel_imports_no_part_of_the_domain():
    graph = edges()
    assert graph["kernel"] == set(), f"the kernel imports {sorted(graph['kernel'])}"


def test_nothing_imports_the_composition_modules():
    graph = edges()
    leaning = {part: sorted(targets & COMPOSITION) for part, targets in graph.items()
               if part not in COMPOSITION and targets & COMPOSITION}
    assert leaning == {}


def test_the_domain_packages_import_one_another_in_one_direction():
    graph = {part: targets - COMPOSITION for part, targets in edges().items() if part not in COMPOSITION}
    assert cycle(graph) is None, " → ".join(cycle(graph))


def test_a_loop_is_found_when_there_is_one():
    """The check itself: a deliberate loop between two parts is reported."""
    assert cycle({"tickets": {"catalog"}, "catalog": {"search"}, "search": {"tickets"}}) == [
        "catalog", "search", "tickets", "catalog"]
    assert cycle({"tickets": {"catalog", "kernel"}, "catalog": {"kernel"}, "kernel": set()}) is None
