"""The house rules that no linter checks: SQL lives in bot/storage/, modules stay small."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scoring", "charts", "config", "local_botapi")
MAX_LINES = 600
# A statement of SQL in a string: a keyword at the start of a line or of the string.
SQL = re.compile(
    r"(^|\n)\s*(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|"
    r"PRAGMA\s+\w+|BEGIN(\s+IMMEDIATE)?\s*$|COMMIT\s*$)",
    re.IGNORECASE | re.DOTALL,
)


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _strings(tree: ast.AST) -> list[str]:
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_rule_finds_sql() -> None:
    """The check below can fail: it recognises the SQL the storage package holds."""
    found = [
        p
        for p in (ROOT / "bot" / "storage").glob("*.py")
        if any(SQL.search(s) for s in _strings(ast.parse(p.read_text())))
    ]
    assert len(found) >= 5


def test_no_sql_outside_the_storage_package() -> None:
    offenders = []
    for path in _modules():
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("bot", "storage"):
            continue
        tree = ast.parse(path.read_text())
        imports_sqlite = any(
            isinstance(node, ast.Import | ast.ImportFrom)
            and any(
                (alias.name if isinstance(node, ast.Import) else node.module or "")
                .split(".")[0]
                .startswith(("sqlite3", "aiosqlite"))
                for alias in node.names
            )
            for node in ast.walk(tree)
        )
        sql = [s for s in _strings(tree) if SQL.search(s)]
        if imports_sqlite or sql:
            offenders.append(f"{rel}: {'imports sqlite' if imports_sqlite else sql[0][:60]!r}")
    assert offenders == []


def test_no_module_is_long_unless_its_docstring_says_why() -> None:
    long = []
    for path in _modules():
        text = path.read_text()
        lines = text.count("\n")
        doc = ast.get_docstring(ast.parse(text)) or ""
        if lines > MAX_LINES and "lines" not in doc:
            long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert long == []
