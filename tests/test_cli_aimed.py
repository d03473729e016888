"""``ssme invite --csv`` / ``--all-without-manager``, ``ssme remind`` aimed with ``--department
--sector --cluster --state``, and ``ssme participation``'s clusters without a manager: the CLI's
main on a real database file (and, for the sends, the local Bot API server over HTTP)."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from bot.cli import EXIT_BAD_INPUT, main
from bot.questionnaire.loader import load_questionnaire
from bot.services import invitations
from bot.storage import Storage
from local_botapi.server import BotApiServer
from tests.conftest import example
from tests.test_desk import responses_csv

REGISTRY = resources.files("bot") / "examples" / "registro_ejemplo.csv"
REGISTERED = datetime(2021, 9, 1, 12, tzinfo=UTC)


@pytest.fixture
def db(tmp_path, monkeypatch, capsys) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSME_DB_PATH", str(tmp_path / "ssme.db"))
    monkeypatch.setenv("SSME_BOT_USERNAME", "ssme_test_bot")
    for var in ("SSME_TELEGRAM_TOKEN", "SSME_WEBHOOK_SECRET", "SSME_TIMEZONE", "SSME_ADMIN_IDS"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "registro.csv").write_bytes(REGISTRY.read_bytes())
    assert main(["import-clusters", "registro.csv"]) == 0
    assert main(["campaign", "create", "2021", "--reference-year", "2021",
                 "--opens", "2021-09-01", "--closes", "2099-10-15"]) == 0  # fmt: skip
    assert main(["campaign", "open", "2021"]) == 0
    capsys.readouterr()
    return tmp_path / "ssme.db"


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def register(db: Path, *clusters: str) -> None:
    """A manager for each cluster, registered through their invitation long ago, who accepted
    the notice and never started."""

    async def go() -> None:
        storage = await Storage.open(db)
        try:
            for i, cluster_id in enumerate(clusters):
                invitation = await invitations.invite(storage, cluster_id, "test")
                user = 500 + i
                await storage.redeem_invitation(invitation.token, user, user, "G", now=REGISTERED)
                await storage.record_consent(cluster_id, user, "test")
        finally:
            await storage.close()

    asyncio.run(go())


def sheet(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


# --- ssme invite ----------------------------------------------------------------------------


def test_invite_csv_writes_one_link_per_cluster_for_a_mail_merge(db, tmp_path, capsys):
    register(db, "caldas_software")
    (tmp_path / "a.csv").write_text(
        "cluster_id;contacto\nhuila_cafes_especiales;Ana Pérez\n\ncaldas_software;\n",
        encoding="utf-8",
    )
    assert main(["invite", "--csv", "a.csv", "--output", "enlaces.csv", "--days", "10"]) == 0
    said = capsys.readouterr()
    out = said.out
    assert "2 invitaciones creadas" in out and str(tmp_path / "enlaces.csv") in out
    assert "1 de estos clústeres ya tienen gestor registrado (caldas_software)" in said.err
    links = sheet(tmp_path / "enlaces.csv")
    assert [(r["cluster_id"], r["contacto"]) for r in links] == [
        ("huila_cafes_especiales", "Ana Pérez"),
        ("caldas_software", ""),
    ]
    assert links[0]["nombre"] == "Clúster de Cafés Especiales del Huila"
    for r in links:
        assert r["enlace"] == f"https://t.me/ssme_test_bot?start={r['codigo']}"
    stored = rows(db, "SELECT token, cluster_id, used_at FROM invitations WHERE created_by = 'cli'")
    assert sorted((c, t) for t, c, _ in stored) == sorted(
        (r["cluster_id"], r["codigo"]) for r in links
    )
    assert all(used is None for *_, used in stored)
    assert not list(tmp_path.glob(".*parcial"))

    # Without a header, in that order, and the default output name in the current folder.
    (tmp_path / "b.csv").write_text("meta_cacao,Luis\n", encoding="utf-8")
    assert main(["invite", "--csv", "b.csv"]) == 0
    [written] = tmp_path.glob("invitaciones-*.csv")
    assert str(written) in capsys.readouterr().out
    assert [(r["cluster_id"], r["contacto"]) for r in sheet(written)] == [("meta_cacao", "Luis")]


def test_invite_csv_with_bad_lines_names_each_and_makes_nothing(db, tmp_path, capsys):
    (tmp_path / "bad.csv").write_text(
        "cluster_id,contacto\n"
        "huila_cafes_especiales,Ana\n"
        "no_existe,Luis\n"
        ",Sin id\n"
        "huila_cafes_especiales,Otra vez\n"
        "risaralda_muebles,Inactivo\n",
        encoding="utf-8",
    )
    assert main(["invite", "--csv", "bad.csv", "--output", "enlaces.csv"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "bad.csv, línea 3, cluster_id: el clúster «no_existe» no está en el registro" in err
    assert "bad.csv, línea 4, cluster_id: está vacío" in err
    assert "bad.csv, línea 5, cluster_id: el clúster ya está en la línea 2" in err
    assert "bad.csv, línea 6, cluster_id: el clúster «risaralda_muebles» no está activo" in err
    assert "No se creó ninguna invitación" in err and "Traceback" not in err
    assert rows(db, "SELECT count(*) FROM invitations") == [(0,)]
    assert not (tmp_path / "enlaces.csv").exists() and not list(tmp_path.glob(".*parcial"))

    (tmp_path / "latin1.csv").write_bytes(
        "cluster_id,contacto\nmeta_cacao,Nuñez\n".encode("latin-1")
    )
    assert main(["invite", "--csv", "latin1.csv"]) == EXIT_BAD_INPUT
    assert "latin1.csv: no está en UTF-8" in capsys.readouterr().err
    (tmp_path / "empty.csv").write_text("cluster_id,contacto\n", encoding="utf-8")
    assert main(["invite", "--csv", "empty.csv"]) == EXIT_BAD_INPUT
    assert "empty.csv: no tiene filas de clústeres" in capsys.readouterr().err
    assert main(["invite", "--csv", "empty.csv", "--output", "no/such/dir/x.csv"]) == 2
    assert "No se puede escribir" in capsys.readouterr().err
    assert main(["invite", "meta_cacao", "--all-without-manager"]) == EXIT_BAD_INPUT
    assert "uno solo de los tres" in capsys.readouterr().err
    assert rows(db, "SELECT count(*) FROM invitations") == [(0,)]
    assert not list(tmp_path.glob("invitaciones-*.csv"))


def test_invite_sheet_needs_the_bot_username(db, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SSME_BOT_USERNAME")
    assert main(["invite", "--all-without-manager"]) == EXIT_BAD_INPUT
    assert "SSME_BOT_USERNAME" in capsys.readouterr().err
    assert rows(db, "SELECT count(*) FROM invitations") == [(0,)]
    # One invitation alone still works as before (the code is printed; the link is a draft).
    assert main(["invite", "meta_cacao"]) == 0
    assert "código: " in capsys.readouterr().out


def test_invite_all_without_manager_needs_no_file(db, tmp_path, capsys):
    register(db, "huila_cafes_especiales", "caldas_software")
    assert main(["invite", "--all-without-manager", "--output", "todos.csv"]) == 0
    assert "9 invitaciones creadas" in capsys.readouterr().out
    invited = {r["cluster_id"] for r in sheet(tmp_path / "todos.csv")}
    assert len(invited) == 9  # the 11 active clusters but the two with a manager
    assert not invited & {"huila_cafes_especiales", "caldas_software", "risaralda_muebles"}
    assert rows(db, "SELECT count(*) FROM invitations WHERE used_at IS NULL") == [(9,)]

    # Participation names who has no manager and when their invitation expires.
    assert main(["participation"]) == 0
    out = capsys.readouterr().out
    assert "Sin gestor registrado (9):" in out
    assert "Clúster Turismo Nariño (Nariño, narino_turismo) — invitación vigente hasta el" in out


def test_participation_says_when_an_invitation_expired_or_none_was_made(db, capsys):
    assert main(["invite", "meta_cacao", "--days", "-1"]) == 0
    capsys.readouterr()
    assert main(["participation"]) == 0
    out = capsys.readouterr().out
    assert "(Meta, meta_cacao) — la invitación venció el" in out
    assert "(Nariño, narino_turismo) — sin invitación" in out


# --- ssme remind ----------------------------------------------------------------------------


def test_remind_filters_narrow_the_dry_run_and_refuse_what_names_nothing(db, capsys):
    register(db, "huila_cafes_especiales", "caldas_software", "narino_turismo", "meta_cacao")
    assert main(["remind", "--dry-run", "--department", "caldas"]) == 0
    out = capsys.readouterr().out
    assert "caldas_software" in out and "huila_cafes_especiales" not in out
    assert "Filtro «caldas»: 1 clústeres activos." in out
    assert main(["remind", "--dry-run", "--sector", "agro", "--state", "sin_empezar"]) == 0
    out = capsys.readouterr().out
    assert "huila_cafes_especiales" in out and "meta_cacao" in out
    assert "narino_turismo" not in out and "caldas_software" not in out
    # The Spanish and the English word of a state; clusters by id, repeated.
    assert main(["remind", "--dry-run", "--state", "not_started", "--cluster", "meta_cacao",
                 "--cluster", "narino_turismo"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "meta_cacao" in out and "narino_turismo" in out and "huila_cafes" not in out
    assert "Sin gestor registrado, no se les puede recordar" not in out
    assert main(["remind", "--dry-run", "--state", "en_curso"]) == 0
    assert "Nadie del filtro tiene gestor registrado" in capsys.readouterr().out
    for flags, said in (
        (["--department", "marte"], "«marte» no es un departamento del registro"),
        (["--sector", "pesca"], "«pesca» no es un sector del registro"),
        (["--state", "dormido"], "«dormido» no es un estado"),
        (["--cluster", "huila_cafes"], "¿Quiso decir huila_cafes_especiales"),
    ):
        assert main(["remind", "--dry-run", *flags]) == EXIT_BAD_INPUT, flags
        assert said in capsys.readouterr().err, flags
    assert rows(db, "SELECT count(*) FROM reminders") == [(0,)]


ANY_TIME = {
    "SSME_REMINDERS__WEEKDAYS_ONLY": "false",
    "SSME_REMINDERS__SKIP_HOLIDAYS": "false",
    "SSME_REMINDERS__WINDOW_START": "00:00",
    "SSME_REMINDERS__WINDOW_END": "23:59",
}


@pytest.fixture
def telegram(monkeypatch):
    for name, value in ANY_TIME.items():  # the sends must not wait for office hours
        monkeypatch.setenv(name, value)
    with BotApiServer() as server:
        monkeypatch.setenv("SSME_TELEGRAM_TOKEN", server.token)
        monkeypatch.setenv("SSME_TELEGRAM_API_URL", server.base_url)
        yield server


def test_remind_sends_only_to_the_aim_and_says_why_others_got_none(db, telegram, capsys):
    register(db, "huila_cafes_especiales", "caldas_software", "narino_turismo")
    assert main(["remind", "--department", "caldas", "--department", "nari"]) == 0
    out = capsys.readouterr().out
    assert "Enviados: 2" in out and "Nadie más del filtro quedó pendiente." in out
    assert sorted(m.chat_id for m in telegram.sent()) == [501, 502]
    # Again: the filter never bypasses the policy's spacing, and the output says so.
    assert main(["remind", "--department", "caldas"]) == 0
    out = capsys.readouterr().out
    assert "Enviados: 0" in out
    assert "No lo recibieron ahora (1), según la política de recordatorios: 1 recibieron uno" in out
    assert len(telegram.sent()) == 2
    assert rows(db, "SELECT cluster_id FROM reminders ORDER BY cluster_id") == [
        ("caldas_software",),
        ("narino_turismo",),
    ]


def test_remind_state_correction_requested_selects_the_unanswered_follow_ups(
    db, tmp_path, telegram, capsys
):
    q = load_questionnaire()
    ids = ["huila_cafes_especiales", "caldas_software"]
    data = responses_csv(q, {ids[0]: example("consolidado"), ids[1]: example("joven")})
    (tmp_path / "respuestas.csv").write_bytes(data)
    assert main(["import-responses", "respuestas.csv", "--campaign", "2021"]) == 0
    register(db, *ids, "meta_cacao")
    asked = ["review", "ask", ids[0], "empresas_activas", "--note", "Revise con el acta"]
    assert main(asked) == 0
    capsys.readouterr()
    assert main(["remind", "--dry-run", "--state", "ajuste_pedido"]) == 0
    out = capsys.readouterr().out
    assert f"{ids[0]} " in out and ids[1] not in out and "meta_cacao" not in out
    assert "ajuste pedido por la Red: se le pidió un ajuste hace" in out
    assert main(["participation"]) == 0
    assert "Con un ajuste pedido por la Red, pendiente: 1" in capsys.readouterr().out
    assert main(["participation", "--state", "ajuste_pedido"]) == 0
    out = capsys.readouterr().out
    assert "filtro: ajuste_pedido" in out and "Clústeres activos: 1" in out
    assert "Clúster de Cafés Especiales del Huila (Huila) — ajuste pedido por la Red" in out
