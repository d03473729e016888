"""The admin CLI speaks one language: every subcommand's help and its refusals in Spanish."""

from __future__ import annotations

import argparse
import re
from importlib import resources

import pytest

from bot.cli import build_parser, main
from bot.cli.spanish import spanish
from tests.test_cli import isolated  # noqa: F401 (the database and environment of each test)

EXAMPLES = resources.files("bot") / "examples"
# English words that must never show (word-bounded, case-insensitive).
ENGLISH = re.compile(r"\b(usage|positional|options|open|scheduled|no such)\b|error:", re.IGNORECASE)


def _commands() -> list[list[str]]:
    """Every command path: ["score"], …, ["campaign"], ["campaign", "crear"], …"""
    with spanish():
        parser = build_parser()
    out: list[list[str]] = [[]]

    def walk(p: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                listed = {c.dest for c in action._choices_actions}
                for name, child in action.choices.items():
                    if name in listed:
                        out.append([*prefix, name])
                        walk(child, [*prefix, name])

    walk(parser, [])
    return out


COMMANDS = _commands()


def test_every_command_is_reached():
    names = {" ".join(c) for c in COMMANDS}
    assert {"export", "import-results", "campaign crear", "campaign listar", "backup"} <= names
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ssme")
def test_help_is_spanish_with_one_line_per_argument(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("uso: ssme")
    assert not ENGLISH.search(out), ENGLISH.search(out)
    assert "muestra esta ayuda" in out
    with spanish():
        parser = build_parser()
    for name in command:
        parser = next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        ).choices[name]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert all(choice.help for choice in action._choices_actions), command
        else:
            assert action.help, f"{command} {action.dest}: no help"


def test_import_responses_help_lists_the_columns(capsys):
    with pytest.raises(SystemExit):
        main(["import-responses", "--help"])
    out = capsys.readouterr().out
    assert "submitted_at" in out and "gobernanza_instancias" in out and "--template" in out


ERROR_PATHS = [
    ["campaign"],
    ["campaign", "abrir"],
    ["campaign", "crear", "x", "--reference-year", "dos mil", "--opens", "a", "--closes", "b"],
    ["export", "--format", "pdf"],
    ["export", "--no-such-option"],
    ["nonexistent"],
    ["export", "--format", "csv", "--output", "ssme_2025.csv"],
    ["backup", "no_existe/"],
    ["restore", "no_such_backup.db"],
    ["campaign", "open", "2099"],
    ["campaign", "list"],
    ["invite", "nadie"],
    ["import-responses", "no_such_file.csv"],
    ["import-results", "x.csv"],
    ["remind", "--dry-run"],
]


@pytest.mark.parametrize("argv", ERROR_PATHS, ids=" ".join)
def test_refusals_are_spanish(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    text = out.out + out.err
    assert text.strip()
    assert not ENGLISH.search(text), (ENGLISH.search(text), text)
    if argv != ["campaign", "list"]:
        assert code == 2


def test_bad_settings_are_spanish(monkeypatch, capsys):
    monkeypatch.setenv("SSME_TIMEZONE", "Bogota")
    monkeypatch.setenv("SSME_ADMIN_IDS", "ana")
    monkeypatch.setenv("SSME_REMINDERS__WHATEVER", "1")
    assert main(["campaign", "listar"]) == 2
    err = capsys.readouterr().err
    assert "SSME_TIMEZONE: zona horaria desconocida" in err
    assert "no es un id de usuario de Telegram" in err and "no es un ajuste conocido" in err
    assert "unknown" not in err and "Extra inputs" not in err


def test_empty_list_says_so_and_states_are_spanish(capsys):
    assert main(["campaign", "listar"]) == 0
    assert "Aún no hay mediciones" in capsys.readouterr().out
    args = ["--reference-year", "2025", "--opens", "2025-09-01", "--closes", "2025-10-15"]
    assert main(["campaign", "crear", "2025", *args]) == 0
    assert main(["campaign", "abrir", "2025"]) == 0
    out = capsys.readouterr().out
    assert "Medición 2025 abierta" in out and "open hecho" not in out
    assert main(["campaign", "create", "2026", *args]) == 0, "the English names still work"
    assert main(["campaign", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "abierta" in lines[-2] and "programada" in lines[-1]


def test_invite_without_bot_username_warns(capsys):
    main(["import-clusters", str(EXAMPLES / "registro_ejemplo.csv")])
    capsys.readouterr()
    assert main(["invite", "huila_cafes_especiales"]) == 0
    out = capsys.readouterr()
    assert "t.me/<bot>" in out.out and "SSME_BOT_USERNAME" in out.err


def test_missing_backup_folder_is_refused(tmp_path, capsys):
    main(["campaign", "listar"])  # creates the database
    capsys.readouterr()
    assert main(["backup", "bk/"]) == 2
    assert "la carpeta bk no existe" in capsys.readouterr().err
    assert not (tmp_path / "bk").exists()
    assert main(["backup", "otra/copia.db"]) == 2
    (tmp_path / "bk").mkdir()
    assert main(["backup", "bk/"]) == 0
    assert len(list((tmp_path / "bk").iterdir())) == 1


def test_header_error_does_not_count_unchecked_rows(tmp_path, capsys):
    main(["import-clusters", str(EXAMPLES / "registro_ejemplo.csv")])
    args = ["--reference-year", "2020", "--opens", "2020-09-01", "--closes", "2020-10-15"]
    main(["campaign", "crear", "2020", *args])
    bad = tmp_path / "r.csv"
    bad.write_text("cluster_id,pregunta_rara\nhuila_cafes_especiales,1\nnarino_turismo,2\n")
    capsys.readouterr()
    assert main(["import-responses", str(bad)]) == 2, "--campaign defaults to the latest"
    out = capsys.readouterr().out
    assert "rechazadas," not in out and "0 filas válidas" not in out
    assert "Ninguna fila se revisó (2" in out
