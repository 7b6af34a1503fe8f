"""The shape docs/architecture.md describes, held by the code itself.

- No import cycles among edoc's modules; function-level and TYPE_CHECKING imports count.
- The core never imports the command line (commands/, app, environment, render, render_report, wizard).
- Core messages never name a flag: they name fields, and the command line names each field by
  its flag (commands/flags.py).
- No module over 450 lines.
- The core never knows which store it talks to: only store/ names the JSON store.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "edoc_cli"
CLI = ("edoc_cli.app", "edoc_cli.environment", "edoc_cli.render", "edoc_cli.render_report", "edoc_cli.render_rows",
       "edoc_cli.render_progress", "edoc_cli.render_mail", "edoc_cli.render_outbox", "edoc_cli.wizard", "edoc_cli.wizard_prompts", "edoc_cli.wizard_resume",
       "edoc_cli.__main__", "edoc_cli.entry", "edoc_cli.commands")
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Every edoc module `name` imports, at any level of its code."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("edoc_cli"):
                found.add(target)
    return found - {"edoc_cli"}


GRAPH = {name: imports_of(name) for name in MODULES}


def is_cli(name: str) -> bool:
    return any(name == c or name.startswith(c + ".") for c in CLI)


def test_there_are_no_import_cycles():
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    assert cycles == []


def test_the_core_never_imports_the_command_line():
    reaching_up = {name: sorted(t for t in targets if is_cli(t))
                   for name, targets in GRAPH.items() if not is_cli(name)}
    assert {name: up for name, up in reaching_up.items() if up} == {}


def test_only_the_store_package_and_the_environment_know_the_json_store():
    knowing = sorted(name for name, targets in GRAPH.items()
                     if any(t.startswith("edoc_cli.store.jsonfiles") for t in targets)
                     and not name.startswith("edoc_cli.store"))
    assert knowing == []


FLAG_RE = re.compile(r"(?<![\w'])--[a-z][a-z-]+")


def core_messages() -> list[tuple[str, str]]:
    """(module, text) of every string passed to _() in the core."""
    found = []
    for name, path in MODULES.items():
        if is_cli(name):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.append((name, node.args[0].value))
    return found


def test_core_messages_name_fields_not_flags():
    # A hint naming a whole command to run ('edoc check --repair') is the one exception.
    with_flags = [(name, text) for name, text in core_messages()
                  if FLAG_RE.search(re.sub(r"'edoc [^']*'", "", text))]
    assert with_flags == []


def test_the_flag_test_would_see_a_flag():
    assert FLAG_RE.search("--message is required") and not FLAG_RE.search("{flag} is required")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_450_lines(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


def test_the_core_imports_no_terminal_library():
    libraries = ("typer", "rich", "questionary", "click", "prompt_toolkit")
    found = {}
    for name, path in MODULES.items():
        if is_cli(name):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad = [n for n in names if n.split(".")[0] in libraries]
            if bad:
                found.setdefault(name, []).extend(bad)
    assert found == {}
