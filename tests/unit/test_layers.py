"""The layout is the architecture (README, "Where things live"): each folder of app/ imports only the
folders below it, no modules import each other in a circle, and the pure modules touch no web
framework, database, network library or connector. Read from the source (AST), so an import hidden
inside a function counts too."""
from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
# Bottom to top: a folder may import those before it, never those after it.
LAYERS = ["core", "store", "knowledge", "intake", "checks", "reasoning", "policy", "outcomes", "learning", "pipeline",
          "backlog", "helpdesks", "build", "insights", "schedule", "replay", "web", "cli"]
# Modules that must stay pure: no I/O libraries and no connectors (they are given what they need).
PURE = ["core.domain", "core.flags", "core.strict", "core.errors", "core.stats", "intake", "checks", "reasoning.triage",
        "reasoning.classifier", "reasoning.sentiment", "reasoning.sensitivity_rules", "reasoning.sensitivity_vote",
        "reasoning.compose",
        "reasoning.diagnoses", "reasoning.follow_up",
        "policy.schema", "policy.decide", "policy.action_plan", "policy.preview", "policy.holding", "pipeline.guards",
        "pipeline.case_file", "pipeline.conflicts", "pipeline.account_reply", "pipeline.bug_report", "pipeline.think", "pipeline.plan",
        "knowledge.passages", "knowledge.text", "knowledge.search", "replay.metrics", "outcomes.derive",
        "outcomes.measures", "outcomes.charts", "learning.scores", "insights.analyse", "insights.churn",
        "insights.recurring", "insights.topics", "insights.words"]
IO_LIBRARIES = {"flask", "werkzeug", "sqlite_utils", "sqlite3", "requests", "httpx", "openai", "zenpy",
                "intercom", "stripe", "slack_sdk", "waitress", "apscheduler", "connectors"}
# data classes and the role protocols (helpdesk, billing, …): shapes, no I/O
DATA_ONLY = ("connectors.types", "connectors.helpdesk", "connectors.roles")


def modules() -> dict[str, set[str]]:
    """Every app module (dotted, without the leading "app.") and the absolute names it imports."""
    found = {}
    for path in APP.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        name = ".".join(path.relative_to(APP).with_suffix("").parts)
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"app/{name}: relative import (write app.…)"
                imported |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        found[name.removesuffix(".__init__")] = imported
    return found


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0]) if module.split(".")[0] in LAYERS else -1


def edges(found: dict[str, set[str]]) -> dict[str, set[str]]:
    """Module → the app modules it imports (`from app.store import db` imports store.db)."""
    return {m: {n[4:] for n in imported if n.startswith("app.") and n[4:] in found} - {m}
            for m, imported in found.items()}


def upward(found) -> list[str]:
    return sorted(f"app/{m} imports app/{d}" for m, deps in edges(found).items() for d in deps
                  if layer(d) > layer(m) >= 0)


def circles(found) -> list[str]:
    graph, state, out = edges(found), {}, []

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                out.append(" → ".join(path[path.index(d):] + [d]))
            elif d not in state:
                visit(d, path + [d])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return out


def impure(found) -> list[str]:
    return sorted(f"app/{m}: {n}" for m, imported in found.items()
                  if any(m == p or m.startswith(p + ".") for p in PURE)
                  for n in imported if n.split(".")[0] in IO_LIBRARIES and not n.startswith(DATA_ONLY))


def test_every_folder_is_a_known_layer():
    assert {m.split(".")[0] for m in modules() if "." in m} <= set(LAYERS)


def test_no_folder_imports_one_above_it():
    assert upward(modules()) == []


def test_no_import_circles_between_modules():
    assert circles(modules()) == []


def test_pure_modules_do_no_io():
    found = modules()
    assert impure(found) == []
    assert all(any(m == p or m.startswith(p + ".") for m in found) for p in PURE), "a PURE entry names nothing"


def test_the_checks_find_what_they_look_for():
    """Not vacuous: an upward import, a circle and a pure module using Flask are each reported."""
    made_up = {"checks.check": {"app.web.deps", "flask"}, "web.deps": {"app.store.db"},
               "store.db": {"app.store.jobs"}, "store.jobs": {"app.store.db"}}
    assert upward(made_up) == ["app/checks.check imports app/web.deps"]
    assert circles(made_up) == ["store.db → store.jobs → store.db"]
    assert impure(made_up) == ["app/checks.check: flask"]


WRITE = re.compile(r'db\["(\w+)"\]\.(?:insert|upsert|update|delete|delete_where|insert_all|upsert_all)\b'
                   r'|\b(?:INSERT(?: OR \w+)? INTO|(?<!DO )UPDATE|DELETE FROM) (\w+)')


def sources() -> dict[str, str]:
    return {".".join(p.relative_to(APP).with_suffix("").parts): p.read_text(encoding="utf-8") for p in APP.rglob("*.py")}


def table_writers(texts: dict[str, str]) -> dict[str, set[str]]:
    """Table → the app modules that write it (migrations in store/db.py create them; not counted)."""
    found: dict[str, set[str]] = {}
    for module, text in texts.items():
        if module != "store.db":
            for m in WRITE.finditer(text):
                found.setdefault(m.group(1) or m.group(2), set()).add(module)
    return found


def shared_tables(texts: dict[str, str]) -> dict[str, list[str]]:
    return {table: sorted(modules) for table, modules in table_writers(texts).items() if len(modules) > 1}


def test_each_table_has_one_writer():
    assert shared_tables(sources()) == {}
    assert {"jobs", "ledger", "audit", "policy", "eval_runs"} <= set(table_writers(sources()))  # writes are seen
    made_up = {"store.jobs": 'db.execute("UPDATE jobs SET x = 1")', "cli.main": 'db["jobs"].insert({})',
               "store.audit": "ON CONFLICT(id) DO UPDATE SET n = 1"}
    assert shared_tables(made_up) == {"jobs": ["cli.main", "store.jobs"]}
