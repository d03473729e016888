"""``ssme cluster``, ``ssme review``, ``ssme correct`` and ``summary --approved-only``: the
analyst's desk on the command line, on a real database file."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from bot.cli import EXIT_BAD_INPUT, main
from bot.questionnaire.loader import load_questionnaire
from tests.conftest import example
from tests.test_desk import responses_csv

REGISTRY = resources.files("bot") / "examples" / "registro_ejemplo.csv"


@pytest.fixture
def seeded(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSME_DB_PATH", str(tmp_path / "ssme.db"))
    for var in ("SSME_TELEGRAM_TOKEN", "SSME_WEBHOOK_SECRET"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "registro.csv").write_bytes(REGISTRY.read_bytes())
    assert main(["import-clusters", "registro.csv"]) == 0
    assert main(["campaign", "create", "2021", "--reference-year", "2021",
                 "--opens", "2021-09-01", "--closes", "2099-10-15"]) == 0  # fmt: skip
    q = load_questionnaire()
    ids = [line.split(",")[0] for line in REGISTRY.read_text().splitlines()[1:3]]
    data = responses_csv(q, {ids[0]: example("consolidado"), ids[1]: example("joven")})
    (tmp_path / "respuestas.csv").write_bytes(data)
    assert main(["import-responses", "respuestas.csv", "--campaign", "2021"]) == 0
    capsys.readouterr()
    return ids


def test_cluster_show_and_list(seeded, capsys):
    first = seeded[0]
    assert main(["cluster", "show", first]) == 0
    out = capsys.readouterr().out
    assert f"· {first}" in out and "Respuestas (" in out and "<b>" not in out
    assert main(["cluster", "show", first[:-1]]) == EXIT_BAD_INPUT
    assert f"¿Quiso decir {first}" in capsys.readouterr().err
    assert main(["cluster", "list", "enviada"]) == 0
    out = capsys.readouterr().out
    assert "2 de" in out and "enviada" in out


def test_review_list_approve_correct_and_the_approved_only_summary(seeded, capsys):
    first, second = seeded
    assert main(["review", "list"]) == 0
    out = capsys.readouterr().out
    assert "2 por revisar" in out and first in out and second in out
    assert main(["review", "approve", first]) == 0
    assert "aprobada" in capsys.readouterr().out
    assert main(["summary", "--json", "--approved-only"]) == 0
    assert json.loads(capsys.readouterr().out)["respondents"] == 1
    assert main(["summary", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["respondents"] == 2
    assert (
        main(["correct", second, "empresas_activas", "muchas", "--reason", "x"]) == EXIT_BAD_INPUT
    )
    assert "empresas_activas" in capsys.readouterr().err
    joven = example("joven")["empresas_activas"]
    args = ["correct", second, "empresas_activas", str(joven + 1), "--reason", "según el acta"]
    assert main(args) == 0
    assert f"{joven} → {joven + 1}" in capsys.readouterr().out
    assert main(["cluster", "show", second]) == 0
    assert "motivo: según el acta" in capsys.readouterr().out


def test_review_ask_needs_the_token_and_records_nothing_without_it(seeded, capsys, tmp_path):
    import sqlite3

    first = seeded[0]
    assert main(["review", "ask", first, "empresas_activas", "--note", "revise"]) == EXIT_BAD_INPUT
    assert "SSME_TELEGRAM_TOKEN" in capsys.readouterr().err
    with sqlite3.connect(tmp_path / "ssme.db") as db:
        statuses = {r[0] for r in db.execute("SELECT status FROM reviews")}
    assert statuses == {"pendiente"}
