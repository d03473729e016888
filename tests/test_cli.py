"""The ``ssme`` command line, run in-process on real files and a real SQLite database."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path

import pytest

from bot.cli import main

EXAMPLES = resources.files("bot") / "examples"
EXIT_BAD_INPUT = 2


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSME_DB_PATH", str(tmp_path / "ssme.db"))
    for var in ("SSME_TELEGRAM_TOKEN", "SSME_TIMEZONE", "SSME_ADMIN_IDS", "SSME_BOT_USERNAME"):
        monkeypatch.delenv(var, raising=False)


def db_rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "ssme.db") as conn:
        return conn.execute(sql).fetchall()


def test_score_json_has_the_contract_fields(capsys):
    assert (
        main(["score", str(EXAMPLES / "consolidado.yaml"), "--campaign-year", "2021", "--json"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "questionnaire_version",
        "indicators",
        "areas",
        "ims",
        "level",
        "gates",
        "estrategia_actualizada",
    }
    assert len(out["indicators"]) == 18 and len(out["areas"]) == 8
    assert out["ims"] == 88.9 and out["level"] == "consolidado"
    assert out["gates"]["gobernanza_con_junta"] is True


def test_score_text_and_chart(tmp_path, capsys):
    chart = tmp_path / "out" / "radar.png"
    args = ["score", str(EXAMPLES / "joven.yaml"), "--campaign-year", "2021", "--chart", str(chart)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Nivel: Exploración" in out and "✘ Estrategia con plan de acción" in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_score_json_file_too(tmp_path, capsys):
    import yaml

    answers = yaml.safe_load((EXAMPLES / "consolidado.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    assert main(["score", str(path), "--campaign-year", "2021", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ims"] == 88.9


def test_score_bad_input_names_each_question_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "empresas_vinculadas: muchas\nenfoque_segmentos: excelente\npregunta_x: 3\n",
        encoding="utf-8",
    )
    assert main(["score", str(path), "--campaign-year", "2021"]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert "empresas_vinculadas: Escriba un número entero" in err
    assert "enfoque_segmentos: «excelente» no es una opción válida" in err
    assert "pregunta_x: no es una pregunta del cuestionario" in err
    assert "inteligencia_actividades: falta la respuesta" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no se puede leer"),
        ("a: [1, 2\n", "no es un YAML/JSON válido"),
        ("- 1\n- 2\n", "debe ser un objeto"),
    ],
)
def test_score_unreadable_or_malformed_file(tmp_path, capsys, content, expected):
    path = tmp_path / "f.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["score", str(path)]) == EXIT_BAD_INPUT
    assert expected in capsys.readouterr().err


def test_invalid_setting_is_one_line_naming_the_variable(monkeypatch, capsys):
    monkeypatch.setenv("SSME_TIMEZONE", "America/Medellin")
    assert main(["score", str(EXAMPLES / "joven.yaml")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "SSME_TIMEZONE" in err


def test_run_without_token_explains(capsys):
    assert main(["run"]) == EXIT_BAD_INPUT
    assert "SSME_TELEGRAM_TOKEN" in capsys.readouterr().err


def test_import_clusters_all_or_nothing(tmp_path, capsys):
    good = EXAMPLES / "registro_ejemplo.csv"
    assert main(["import-clusters", str(good)]) == 0
    assert "12 clústeres importados" in capsys.readouterr().out
    assert db_rows(tmp_path, "SELECT count(*) FROM clusters") == [(12,)]

    lines = good.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    # A new valid row first, then a broken one: neither may be imported.
    header, first = lines[0], lines[1]
    new_row = first.replace(first.split(",")[0], "nuevo_cluster", 1)
    broken = first.replace(first.split(",")[0], "otro_cluster", 1).replace(
        "agroindustria", "minería"
    )
    broken = broken.replace("servicios", "minería").replace("manufactura", "minería")
    bad.write_text("\n".join([header, new_row, broken]) + "\n", encoding="utf-8")
    assert main(["import-clusters", str(bad)]) == EXIT_BAD_INPUT
    out = capsys.readouterr()
    assert "línea 3" in out.out and "sector" in out.out
    assert "No se importó nada" in out.err
    assert db_rows(
        tmp_path, "SELECT count(*) FROM clusters WHERE cluster_id = 'nuevo_cluster'"
    ) == [(0,)]


def test_invite_prints_a_deep_link_and_stores_the_code(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SSME_BOT_USERNAME", "ssme_test_bot")
    main(["import-clusters", str(EXAMPLES / "registro_ejemplo.csv")])
    cluster_id = db_rows(tmp_path, "SELECT cluster_id FROM clusters LIMIT 1")[0][0]
    capsys.readouterr()
    assert main(["invite", cluster_id]) == 0
    out = capsys.readouterr().out
    token = out.split("código: ")[1].split()[0]
    assert f"https://t.me/ssme_test_bot?start={token}" in out
    assert db_rows(tmp_path, "SELECT cluster_id, used_at FROM invitations") == [(cluster_id, None)]
    assert main(["invite", "no_existe"]) == EXIT_BAD_INPUT
    assert "no está en el registro" in capsys.readouterr().err


def test_campaign_lifecycle(tmp_path, capsys):
    args = [
        "campaign",
        "create",
        "2021",
        "--reference-year",
        "2021",
        "--opens",
        "2021-09-01",
        "--closes",
        "2021-10-15",
    ]
    assert main(args) == 0
    assert main(args) == EXIT_BAD_INPUT  # already exists
    assert main(["campaign", "open", "2021"]) == 0
    assert main(["campaign", "extend", "2021", "--closes", "2021-10-31"]) == 0
    capsys.readouterr()
    assert main(["campaign", "list"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("2021") and "abierta" in line and "2021-10-31 23:59" in line
    assert "2021-09-01 00:00" in line, "dates are Bogotá local time"
    assert main(["campaign", "close", "2021"]) == 0
    assert db_rows(tmp_path, "SELECT state FROM campaigns") == [("closed",)]
    assert main(["campaign", "open", "2099"]) == EXIT_BAD_INPUT
    bad = [
        "campaign",
        "create",
        "x",
        "--reference-year",
        "2021",
        "--opens",
        "mañana",
        "--closes",
        "2021-10-15",
    ]
    assert main(bad) == EXIT_BAD_INPUT
    reversed_dates = [
        "campaign",
        "create",
        "y",
        "--reference-year",
        "2021",
        "--opens",
        "2021-10-15",
        "--closes",
        "2021-09-01",
    ]
    assert main(reversed_dates) == EXIT_BAD_INPUT
    assert "posterior" in capsys.readouterr().err


def test_import_responses_then_summary_compares_campaigns(tmp_path, capsys):
    import yaml

    from bot.files.responses import answer_cell
    from bot.questionnaire.loader import load_questionnaire

    main(["import-clusters", str(EXAMPLES / "registro_ejemplo.csv")])
    ids = [
        r[0] for r in db_rows(tmp_path, "SELECT cluster_id FROM clusters WHERE estado = 'activa'")
    ]
    for campaign, year in (("2020", "2020"), ("2021", "2021")):
        main(
            [
                "campaign",
                "create",
                campaign,
                "--reference-year",
                year,
                "--opens",
                f"{year}-09-01",
                "--closes",
                f"{year}-10-15",
            ]
        )
    q = load_questionnaire()
    consolidado = yaml.safe_load((EXAMPLES / "consolidado.yaml").read_text(encoding="utf-8"))
    joven = yaml.safe_load((EXAMPLES / "joven.yaml").read_text(encoding="utf-8"))
    consolidado["estrategia_anio_actualizacion"] = 2019  # valid for a 2020 campaign

    def csv_for(rows: dict[str, dict]) -> Path:
        header = ["cluster_id", *[x.id for x in q.questions]]
        lines = [",".join(header)]
        for cluster, answers in rows.items():
            cells = [
                cluster,
                *[answer_cell(answers[h]) if h in answers else "" for h in header[1:]],
            ]
            lines.append(",".join(f'"{c}"' for c in cells))
        path = tmp_path / "respuestas.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    capsys.readouterr()
    bad = csv_for({ids[0]: joven, "no_existe": joven})
    assert main(["import-responses", str(bad), "--campaign", "2020"]) == EXIT_BAD_INPUT
    assert "no_existe" in capsys.readouterr().out
    assert db_rows(tmp_path, "SELECT count(*) FROM responses") == [(0,)], "nothing half-imported"

    good = csv_for({ids[0]: joven, ids[1]: joven})
    assert main(["import-responses", str(good), "--campaign", "2020"]) == 0
    assert "2 respuestas importadas" in capsys.readouterr().out
    assert main(["import-responses", str(good), "--campaign", "2020"]) == EXIT_BAD_INPUT
    assert "ya tiene respuesta" in capsys.readouterr().out

    good = csv_for({ids[0]: consolidado, ids[1]: joven})
    consolidado["estrategia_anio_actualizacion"] = 2020
    assert (
        main(
            [
                "import-responses",
                str(csv_for({ids[0]: consolidado, ids[1]: joven})),
                "--campaign",
                "2021",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["summary", "--campaign", "2021", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["previous_campaign"] == "2020" and data["respondents"] == 2
    assert data["level_pct"] == {"exploracion": 50.0, "intermedio": 0.0, "consolidado": 50.0}
    assert data["level_change_pp"] == {"exploracion": -50.0, "intermedio": 0.0, "consolidado": 50.0}
    assert (
        main(
            ["export", "--campaign", "2021", "--format", "csv", "--output", str(tmp_path / "x.zip")]
        )
        == 0
    )
    assert (tmp_path / "x.zip").read_bytes()[:2] == b"PK"


def test_remind_dry_run_explains_each_decision(tmp_path, capsys):
    main(["import-clusters", str(EXAMPLES / "registro_ejemplo.csv")])
    main(
        [
            "campaign",
            "create",
            "2021",
            "--reference-year",
            "2021",
            "--opens",
            "2021-09-01",
            "--closes",
            "2099-10-15",
        ]
    )
    main(["campaign", "open", "2021"])
    cluster = db_rows(tmp_path, "SELECT cluster_id FROM clusters LIMIT 1")[0][0]
    with sqlite3.connect(tmp_path / "ssme.db") as db:
        db.execute(
            "INSERT INTO members (cluster_id, user_id, chat_id, registered_at, consent_at) "
            "VALUES (?, 77, 77, '2021-09-01T12:00:00+00:00', '2021-09-01T12:00:00+00:00')",
            (cluster,),
        )
    capsys.readouterr()
    assert main(["remind", "--campaign", "2021", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert cluster in out and "invitación" in out and "invitation" not in out
    assert "1 gestores registrados" in out
    assert db_rows(tmp_path, "SELECT count(*) FROM reminders") == [(0,)], "a dry run sends nothing"


def test_check_reports_each_problem(tmp_path, monkeypatch, capsys):
    assert main(["check"]) == 0, "no database yet is not an error"
    assert "se creará al iniciar" in capsys.readouterr().out
    main(["import-clusters", str(EXAMPLES / "registro_ejemplo.csv")])
    capsys.readouterr()
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert (
        "✔ base de datos" in out
        and "integridad ok" in out
        and "clústeres en el registro: 12" in out
    )
    broken = tmp_path / "q.yaml"
    text = (Path(__file__).parent.parent / "bot" / "questionnaire" / "ssme.yaml").read_text(
        encoding="utf-8"
    )
    broken.write_text(
        text.replace("question: enfoque_segmentos}", "question: enfoque_segmentoz}"),
        encoding="utf-8",
    )
    monkeypatch.setenv("SSME_QUESTIONNAIRE_PATH", str(broken))
    assert main(["check"]) == EXIT_BAD_INPUT
    out = capsys.readouterr().out
    assert "✘ cuestionario con errores" in out and "pregunta desconocida 'enfoque_segmentoz'" in out
    assert f"{broken}:" in out


def test_data_requests_cli(tmp_path, capsys):
    assert main(["data-requests"]) == 0
    assert "No hay solicitudes" in capsys.readouterr().out
    assert main(["data-requests", "--erase", "7"]) == EXIT_BAD_INPUT
    assert "no existe" in capsys.readouterr().err


def _create(campaign: str, opens: str, closes: str) -> list[str]:
    return [
        "campaign",
        "create",
        campaign,
        "--reference-year",
        campaign,
        "--opens",
        opens,
        "--closes",
        closes,
    ]


def test_campaign_rules_one_open_force_to_reopen_extend_later_and_check(tmp_path, capsys):
    for year in ("2019", "2021", "2022"):
        assert main(_create(year, "2022-03-01", "2022-04-30")) == 0
    assert main(["campaign", "open", "2021"]) == 0
    capsys.readouterr()
    assert main(["campaign", "open", "2022"]) == EXIT_BAD_INPUT
    assert "la medición 2021 está abierta" in capsys.readouterr().err
    assert main(["campaign", "extend", "2021", "--closes", "2022-04-01"]) == EXIT_BAD_INPUT
    assert "posterior a la actual" in capsys.readouterr().err
    assert main(["campaign", "close", "2021"]) == 0
    assert main(["campaign", "open", "2021"]) == EXIT_BAD_INPUT
    assert "--force" in capsys.readouterr().err
    assert main(["campaign", "open", "2021", "--force"]) == 0
    assert db_rows(tmp_path, "SELECT action FROM audit WHERE action = 'campaign_reopened'") == [
        ("campaign_reopened",)
    ]
    capsys.readouterr()
    assert main(["check"]) == 0
    assert "mediciones abiertas a la vez" not in capsys.readouterr().out
    # A database from before the rules, with two campaigns open: check says so and fails.
    with sqlite3.connect(tmp_path / "ssme.db") as db:
        db.execute("UPDATE campaigns SET state = 'open' WHERE campaign_id = '2019'")
    assert main(["check"]) == EXIT_BAD_INPUT
    out = capsys.readouterr().out
    assert "✘ hay 2 mediciones abiertas a la vez (2019, 2021)" in out
