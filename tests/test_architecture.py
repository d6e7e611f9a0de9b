"""The import graph: no cycles, and the layer contracts in pyproject.toml hold.

grimp reads every import in ``mall`` and ``indexer``, including those inside functions, so a
cycle held apart by a function-level import still counts as a cycle.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def import_cycles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or around a loop (Tarjan)."""
    graph = {m: sorted(set(targets)) for m, targets in imports.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep import chain cannot exhaust Python's recursion limit.
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph.get(target, ()))))
                    advanced = True
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1 or module in graph.get(module, ()):
                    cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_the_cycle_finder_finds_a_cycle_through_three_modules() -> None:
    imports = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": []}
    assert import_cycles(imports) == [["a", "b", "c"]]
    assert import_cycles({"a": ["b"], "b": []}) == []


def test_no_module_of_the_app_or_the_indexer_is_part_of_an_import_cycle() -> None:
    graph = grimp.build_graph("mall", "indexer")
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    assert import_cycles(imports) == []


def test_the_layer_contracts_hold() -> None:
    # The contracts themselves (layers, services below handlers, models at the bottom) live
    # in pyproject.toml so `make lint` and this test read the same ones.
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
