"""Shared fixtures: the shipped questionnaire and the example answer sets."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.model import Questionnaire
from tests.e2e import env  # noqa: F401 - the end-to-end fixture, for every test module

CAMPAIGN_YEAR = 2021


def example(name: str) -> dict[str, Any]:
    text = resources.files("bot").joinpath(f"examples/{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture
def consolidado() -> dict[str, Any]:
    return example("consolidado")


@pytest.fixture
def joven() -> dict[str, Any]:
    return example("joven")
