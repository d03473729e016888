"""Shared fixtures (the shipped questionnaire, the example answer sets) and the e2e marker's guard."""

from __future__ import annotations

import sqlite3
from importlib import resources
from typing import Any

import pytest
import yaml

from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.model import Questionnaire
from bot.storage import MIGRATIONS
from tests.e2e import env  # noqa: F401 - the end-to-end fixture, for every test module

CAMPAIGN_YEAR = 2021


def schema_before(conn: sqlite3.Connection, marker: str) -> None:
    """Give an empty database the schema as it was before the migration whose script holds
    ``marker`` (with its user_version), to test that migration on the data of its day."""
    before = next(k for k, m in enumerate(MIGRATIONS) if marker in m)
    for number, script in enumerate(MIGRATIONS[:before], start=1):
        conn.executescript(script + f"\nPRAGMA user_version = {number};")


def example(name: str) -> dict[str, Any]:
    text = resources.files("bot").joinpath(f"examples/{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that runs the Application over HTTP (the ``env`` fixture) must be marked ``e2e``.

    ``pytest -m "not e2e"`` is the fast loop: a slow test left unmarked would quietly join it.
    """
    unmarked = [
        item.nodeid
        for item in items
        if "env" in getattr(item, "fixturenames", ()) and item.get_closest_marker("e2e") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests use the end-to-end `env` fixture but are not marked e2e "
            f"(add `pytestmark = pytest.mark.e2e` to the module): {', '.join(unmarked)}"
        )


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture
def consolidado() -> dict[str, Any]:
    return example("consolidado")


@pytest.fixture
def joven() -> dict[str, Any]:
    return example("joven")
