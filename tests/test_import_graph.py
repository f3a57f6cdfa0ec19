"""The import graph: every module imports, no two modules import each other (directly or
round a longer loop, imports inside functions included), and imports run one way:
imports → evaluations → payments → contracts → accounts → core, with config above them all and core
(money, lists, exports, list pages) beneath every app."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core",
    "accounts",
    "contracts",
    "payments",
    "evaluations",
    "imports",
    "portal",
]  # lowest first
PACKAGES = [*APPS, "config", "bench", "scripts"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project's modules ``name`` imports anywhere in its source (functions too).

    ``from package import name`` counts as importing ``package.name`` when that is a
    module, else ``package`` itself.
    """
    is_package = path.name == "__init__.py"
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in MODULES else base)
    return {t for t in targets if t in MODULES and t != name}


def _graph() -> dict[str, set[str]]:
    return {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    graph = _graph()
    # payments.services imports these inside functions or from a package.
    assert "payments.reminders.scan" in graph["payments.services"]
    assert "accounts.caching" in graph["accounts.backends"]  # inside get_user
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.split(".")[0] in [*APPS, "config"]))
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_module_imports_itself_round_a_loop():
    assert _cycles(_graph()) == []


def test_imports_run_one_way_between_the_apps():
    rank = {app: level for level, app in enumerate(APPS)}
    upward = []
    for name, targets in _graph().items():
        app = name.split(".")[0]
        if app not in rank:
            continue  # config, bench and scripts sit above every app
        for target in targets:
            other = target.split(".")[0]
            if other not in rank or rank[other] > rank[app]:
                upward.append(f"{name} → {target}")
    assert upward == []


def test_evaluations_reads_payments_records_only_through_payments_selectors():
    """Names from payments.models (types, choices) are fine in the evaluations app; their
    managers are not: every read goes through a function of payments/selectors.py."""
    queried = []
    for name, path in MODULES.items():
        if not name.startswith("evaluations.") or ".migrations." in name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        models = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "payments.models"
            for alias in node.names
        }
        queried += [
            f"{name}:{node.lineno} {node.value.id}.{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr in ("objects", "_default_manager", "_base_manager")
            and isinstance(node.value, ast.Name)
            and node.value.id in models
        ]
    assert queried == []
