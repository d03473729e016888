"""Data in and out: an exported campaign re-imported elsewhere gives the same summary, and an
earlier wave's published results are used as published (issue 15)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from importlib import resources
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.files.responses import answer_cell
from bot.questionnaire.loader import load_questionnaire

EXAMPLES = resources.files("bot") / "examples"
REGISTRY = str(EXAMPLES / "registro_ejemplo.csv")
A, B = "huila_cafes_especiales", "narino_turismo"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in ("SSME_TELEGRAM_TOKEN", "SSME_TIMEZONE", "SSME_ADMIN_IDS", "SSME_BOT_USERNAME"):
        monkeypatch.delenv(var, raising=False)


def _use(monkeypatch, path: Path) -> None:
    monkeypatch.setenv("SSME_DB_PATH", str(path))


def _setup(campaigns=(("2020", 2020), ("2021", 2021))) -> None:
    assert main(["import-clusters", REGISTRY]) == 0
    for cid, year in campaigns:
        args = ["--reference-year", str(year), "--opens", f"{year}-09-01"]
        assert main(["campaign", "crear", cid, *args, "--closes", f"{year}-10-15"]) == 0


def _summary(capsys, campaign: str) -> dict:
    capsys.readouterr()
    assert main(["summary", "--campaign", campaign, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _responses_file(tmp_path: Path) -> Path:
    q = load_questionnaire()
    consolidado = yaml.safe_load((EXAMPLES / "consolidado.yaml").read_text(encoding="utf-8"))
    joven = yaml.safe_load((EXAMPLES / "joven.yaml").read_text(encoding="utf-8"))
    joven["ventas_anio_anterior"] = "n/d"
    header = ["cluster_id", "submitted_at", *[x.id for x in q.questions]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for cluster, when, answers in ((A, "2021-10-01 09:15", consolidado), (B, "2021-10-02", joven)):
        writer.writerow([cluster, when, *[answer_cell(answers.get(h)) for h in header[2:]]])
    path = tmp_path / "respuestas_2021.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_export_then_reimport_with_the_template_columns_gives_the_same_summary(
    tmp_path, monkeypatch, capsys
):
    _use(monkeypatch, tmp_path / "a.db")
    _setup([("2021", 2021)])
    assert main(["import-responses", str(_responses_file(tmp_path)), "--campaign", "2021"]) == 0
    before = _summary(capsys, "2021")
    assert main(["export", "--format", "csv", "--output", "x.zip"]) == 0
    assert main(["import-responses", "--template", "plantilla.csv"]) == 0
    template = next(csv.reader(io.StringIO(Path("plantilla.csv").read_text("utf-8-sig"))))
    assert template[:2] == ["cluster_id", "submitted_at"]
    exported = zipfile.ZipFile("x.zip").read("respuestas.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {r["fecha_envio"] for r in rows} == {"2021-10-01 09:15:00", "2021-10-02 00:00:00"}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(template)
    for row in rows:
        cells = []
        for column in template:
            value = row["fecha_envio"] if column == "submitted_at" else row.get(column, "")
            if row.get(f"{column}__nd") == "1":
                value = "n/d"  # «No disponible»: an empty cell and its flag in the export
            cells.append(value)
        writer.writerow(cells)
    Path("reimport.csv").write_text(out.getvalue(), encoding="utf-8")

    _use(monkeypatch, tmp_path / "b.db")
    _setup([("2021", 2021)])
    capsys.readouterr()
    assert main(["import-responses", "reimport.csv", "--campaign", "2021"]) == 0, (
        capsys.readouterr()
    )
    after = _summary(capsys, "2021")
    assert after == before
    assert before["respondents"] == 2 and before["sales_growth_pct"] is not None
    assert main(["export", "--format", "csv", "--output", "y.zip"]) == 0
    again = zipfile.ZipFile("y.zip").read("respuestas.csv").decode("utf-8-sig")
    assert again == exported, "the same file, submission times included"


def test_published_results_feed_level_change_and_the_previous_overlay(
    tmp_path, monkeypatch, capsys
):
    _use(monkeypatch, tmp_path / "h.db")
    _setup()
    assert main(["import-responses", str(_responses_file(tmp_path)), "--campaign", "2021"]) == 0
    published = tmp_path / "publicados_2020.csv"
    published.write_text(
        "cluster_id;ims;level;enfoque;estrategia;actores;gobernanza;proyectos;colaboracion;"
        "financiacion;impacto;i01_enfoque_negocio\n"
        f"{A};45,5;Intermedio;50;50;50;50;40;40;40;44;50\n"
        f"{B};30;exploracion;25;25;25;25;35,5;35;35;34;\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["import-results", str(published), "--campaign", "2020"]) == 0
    assert "marcados como importados" in capsys.readouterr().out
    assert main(["import-results", str(published), "--campaign", "2020"]) == 2, "only once"

    old = _summary(capsys, "2020")
    assert old["respondents"] == 2 and old["ims_mean"] == 37.8
    assert old["level_pct"] == {"exploracion": 50.0, "intermedio": 50.0, "consolidado": 0.0}
    new = _summary(capsys, "2021")
    assert new["previous_campaign"] == "2020"
    now = new["level_pct"]
    assert new["level_change_pp"] == {
        "exploracion": now["exploracion"] - 50.0,
        "intermedio": now["intermedio"] - 50.0,
        "consolidado": now["consolidado"] - 0.0,
    }

    from bot.storage import Storage

    async def overlay() -> tuple:
        storage = await Storage.open(tmp_path / "h.db")
        try:
            previous = await storage.previous_result(B, 2021)
            means = await storage.campaign_area_means("2020", ["proyectos"])
            sources = await storage.response_sources("2020")
        finally:
            await storage.close()
        return previous, means, sources

    previous, means, sources = asyncio.run(overlay())
    assert previous is not None and previous[0] == "2020"
    assert previous[1].scores["areas"]["proyectos"] == 35.5 and previous[1].scores["published"]
    assert sum(n for _, n in means.values()) == 2, "the benchmarks of 2020 read them too"
    assert sources == {A: "published", B: "published"}

    capsys.readouterr()
    assert main(["export", "--campaign", "todas", "--format", "csv", "--output", "t.zip"]) == 0
    puntajes = zipfile.ZipFile("t.zip").read("puntajes.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(puntajes)))
    assert {(r["medicion"], r["origen"]) for r in rows} == {
        ("2020", "publicada"),
        ("2021", "importada"),
    }
    assert (
        next(r for r in rows if r["medicion"] == "2020" and r["cluster_id"] == A)["ims"] == "45.5"
    )


def test_a_bad_results_file_imports_nothing_and_says_where(tmp_path, monkeypatch, capsys):
    _use(monkeypatch, tmp_path / "r.db")
    _setup([("2020", 2020)])
    bad = tmp_path / "malo.csv"
    bad.write_text(
        "cluster_id,ims,level,enfoque,estrategia,actores,gobernanza,proyectos,colaboracion,"
        "financiacion,impacto\n"
        f"{A},120,intermedio,50,50,50,50,40,40,40,44\n"
        f"no_existe,40,maduro,50,50,50,50,40,40,40,44\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["import-results", str(bad), "--campaign", "2020"]) == 2
    out = capsys.readouterr().out
    assert "línea 2, columna ims" in out and "línea 3, columna cluster_id" in out
    assert "línea 3, columna level" in out and "No se importó nada" in out
    assert _summary(capsys, "2020")["respondents"] == 0
