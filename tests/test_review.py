"""The analysts' review: the flags (pure), the review status through submissions and
approvals, the queue and ``summary --approved-only`` (bot/services/review.py), on a real file."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.local import DEMO_CLUSTER
from bot.questionnaire.model import Questionnaire
from bot.reports import flags as flagging
from bot.services import campaigns, imports, reports, review
from bot.services.errors import ServiceError
from bot.storage import Storage
from bot.storage.schema import migrate
from bot.texts import admin as admin_texts
from bot.texts import desk as t
from scoring import score_answers
from tests.conftest import example, schema_before
from tests.e2e import OTHER_CLUSTER
from tests.test_desk import responses_csv

BOGOTA = ZoneInfo("America/Bogota")
DEMO, OTHER = DEMO_CLUSTER.cluster_id, OTHER_CLUSTER.cluster_id
LEVELS = ["exploracion", "intermedio", "consolidado"]


# --- the flags (pure) -------------------------------------------------------------------------


def sub(cluster: str, sales: object, firms: object, level: str = "intermedio") -> flagging.Flagged:
    answers = {"ventas_anio_actual": sales, "empresas_vinculadas": firms}
    return flagging.Flagged(cluster, level, flagging.ratios(answers))


def test_the_percentile_interpolates_between_ranks():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert flagging.percentile(values, 0.99) == pytest.approx(99.01)
    assert flagging.percentile(values, 0.01) == pytest.approx(1.99)
    assert flagging.percentile([5.0], 0.99) == 5.0
    with pytest.raises(ValueError):
        flagging.percentile([], 0.5)


def test_sales_per_firm_beyond_the_campaigns_99th_percentile_is_flagged():
    typical = [sub(f"c{i}", 1_000_000_000 + i * 10_000_000, 100) for i in range(40)]
    dropped_zeros = sub("typo", 457_000, 80)  # 457 thousand pesos for 80 firms
    huge = sub("huge", 10**15, 10)
    found = flagging.flags([*typical, dropped_zeros, huge], {}, LEVELS)
    assert [f.code for f in found["typo"]] == ["sales_per_firm_low"]
    assert [f.code for f in found["huge"]] == ["sales_per_firm_high"]
    assert set(found) == {"typo", "huge"}, "the typical ones are not flagged"
    words = flagging.describe(found["typo"][0], {})
    assert words["value"] == "5.712 pesos"  # 457.000 / 80, the Colombian way
    text = t.flag_text(found["huge"][0].code, flagging.describe(found["huge"][0], {}))
    assert "billones de pesos" in text and "99 %" in text


def test_with_too_few_submissions_no_percentile_is_used():
    few = [sub(f"c{i}", 10**9, 100) for i in range(flagging.MIN_FOR_PERCENTILES - 2)]
    assert flagging.flags([*few, sub("huge", 10**15, 10)], {}, LEVELS) == {}


def test_not_available_and_no_firms_are_left_out_of_the_ratios():
    many = [sub(f"c{i}", 10**9 + i, 100) for i in range(30)]
    odd = [sub("nd", "nd", 100), sub("zero", 10**9, 0), sub("none", None, None)]
    assert flagging.flags([*many, *odd], {}, LEVELS) == {}


def test_a_two_step_level_change_is_flagged_one_step_is_not():
    now = [
        sub("a", 1, 1, "consolidado"),
        sub("b", 1, 1, "intermedio"),
        sub("c", 1, 1, "exploracion"),
    ]
    before = {"a": "exploracion", "b": "exploracion", "c": "consolidado"}
    found = flagging.flags(now, before, LEVELS)
    assert set(found) == {"a", "c"}
    labels = {"exploracion": "Exploración", "consolidado": "Consolidado"}
    text = t.flag_text("level_jump", flagging.describe(found["a"][0], labels))
    assert "de Exploración a Consolidado" in text


# --- the review status ------------------------------------------------------------------------


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = await Storage.open(tmp_path / "ssme.db")
    await s.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "test")
    await campaigns.create(s, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    yield s
    await s.close()


async def submit(storage: Storage, q: Questionnaire, cluster: str, answers: dict) -> None:
    """As the conversation leaves it: every answer stored, then «Enviar»."""
    response = await storage.start_response(cluster, "2021", q.version, 77)
    for qid, value in answers.items():
        await storage.save_answer(response.response_id, qid, value, user_id=77)
    result = score_answers(q, answers, 2021)
    await storage.submit_response(
        response.response_id,
        version=q.version,
        ims=result.ims,
        level=result.level,
        scores=result.to_json(),
        answers=answers,
        actor=77,
        cluster_id=cluster,
    )


async def test_a_submission_is_pending_an_approval_sticks_a_new_submission_is_pending_again(
    storage, questionnaire
):
    await submit(storage, questionnaire, DEMO, example("consolidado"))
    assert (await storage.campaign_reviews("2021"))[DEMO].status == "pendiente"
    await review.approve(storage, DEMO, None, 9001)
    approved = (await storage.campaign_reviews("2021"))[DEMO]
    assert approved.status == "aprobada" and approved.changed_by == "9001"
    history = [e.action for e in await storage.cluster_history(DEMO)]
    assert history[0] == "review_aprobada"
    await submit(storage, questionnaire, DEMO, example("consolidado"))  # sent again
    assert (await storage.campaign_reviews("2021"))[DEMO].status == "pendiente"


async def test_only_a_submitted_response_can_be_approved(storage, questionnaire):
    with pytest.raises(ServiceError) as refused:
        await review.approve(storage, OTHER, None, 9001)
    assert refused.value.code == "review_not_submitted"
    assert OTHER in admin_texts.error(refused.value)
    assert await storage.campaign_reviews("2021") == {}


async def test_imported_responses_wait_for_review_too(storage, questionnaire):
    data = responses_csv(questionnaire, {DEMO: example("joven")})
    assert (await imports.import_responses(storage, questionnaire, "2021", data, "t")).ok
    assert (await storage.campaign_reviews("2021"))[DEMO].status == "pendiente"


async def test_the_queue_puts_flagged_first_and_counts_every_status(storage, questionnaire):
    await submit(storage, questionnaire, DEMO, example("consolidado"))
    await submit(storage, questionnaire, OTHER, example("joven"))
    queue = await review.review_queue(storage, questionnaire, None)
    assert [i.cluster_id for i in queue.items] == [DEMO, OTHER]  # the older first, no flags
    assert queue.counts["pendiente"] == 2
    await review.approve(storage, OTHER, None, 9001)
    queue = await review.review_queue(storage, questionnaire, None)
    assert [i.cluster_id for i in queue.items] == [DEMO]
    assert queue.counts == {"pendiente": 1, "aprobada": 1}
    line = admin_texts.review_line(queue.counts)
    assert line.startswith("Revisión de las respuestas: 1 aprobadas, 1 en revisión, 0 con ajuste")


async def test_the_summary_can_count_the_approved_ones_only(storage, questionnaire):
    await submit(storage, questionnaire, DEMO, example("consolidado"))
    await submit(storage, questionnaire, OTHER, example("joven"))
    await review.approve(storage, DEMO, None, 9001)
    everyone = await reports.summary(storage, questionnaire, None)
    approved = await reports.summary(storage, questionnaire, None, approved_only=True)
    assert everyone.data["respondents"] == 2 and approved.data["respondents"] == 1
    assert approved.data["level_pct"]["consolidado"] == 100.0
    assert "1 aprobadas, 1 en revisión" in everyone.text
    assert admin_texts.REVIEW_LINE_APPROVED_ONLY.strip() in approved.text
    assert admin_texts.REVIEW_LINE_APPROVED_ONLY.strip() not in everyone.text


# An older file's one cluster with its response submitted in 2021 (its result still to insert).
OLD_SUBMITTED = (
    "INSERT INTO clusters (cluster_id, nombre, departamento, sector, entidad_gestora, "
    "entidad_gestora_tipo, updated_at) VALUES ('x', 'X', 'Huila', 'servicios', 'C', "
    "'gremio', '2021-01-01');"
    "INSERT INTO campaigns (campaign_id, reference_year, opens_at, closes_at, created_at) "
    "VALUES ('2021', 2021, '2021-01-01', '2021-12-31', '2021-01-01');"
    "INSERT INTO responses (cluster_id, campaign_id, status, questionnaire_version, "
    "created_at, updated_at, submitted_at) VALUES ('x', '2021', 'submitted', 'v', "
    "'2021-02-01', '2021-02-01', '2021-02-02');"
)


def test_the_migration_puts_every_submitted_response_in_review(tmp_path):
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn:
        # From before submissions were records: each result becomes one, then its review.
        schema_before(conn, "CREATE TABLE submissions")
        conn.executescript(
            OLD_SUBMITTED
            + "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, level, "
            "scores, answers) VALUES (1, '2021-02-02', 'v', 50, 'intermedio', '{}', '{}');"
            "INSERT INTO campaigns (campaign_id, reference_year, opens_at, closes_at, created_at) "
            "VALUES ('2022', 2022, '2022-01-01', '2022-12-31', '2022-01-01');"
            "INSERT INTO responses (cluster_id, campaign_id, status, questionnaire_version, "
            "created_at, updated_at) VALUES ('x', '2022', 'draft', 'v', '2022-02-01', "
            "'2022-02-01');"
        )
        conn.commit()
        with conn:
            migrate(conn)
        rows = conn.execute("SELECT response_id, status, changed_at FROM reviews").fetchall()
    assert rows == [(1, "pendiente", "2021-02-02")]


async def test_the_radars_means_are_the_means_of_each_latest_submitted_result(
    storage, questionnaire
):
    """SQLite averages the areas: the same figures as averaging the scores in Python."""
    await submit(storage, questionnaire, DEMO, example("joven"))
    await submit(storage, questionnaire, DEMO, example("consolidado"))  # the latest counts
    await submit(storage, questionnaire, OTHER, example("joven"))
    area_ids = [a.id for a in questionnaire.areas]
    sectors = await storage.campaign_area_means("2021", area_ids)
    latest = {
        DEMO_CLUSTER.sector: score_answers(questionnaire, example("consolidado"), 2021),
        OTHER_CLUSTER.sector: score_answers(questionnaire, example("joven"), 2021),
    }
    assert set(sectors) == set(latest)
    for sector, result in latest.items():
        means, n = sectors[sector]
        assert n == 1
        stored = result.to_json()["areas"]  # as kept: one decimal
        assert means == pytest.approx({a: stored[a] for a in area_ids})


# --- corrections and the trail ----------------------------------------------------------------


async def changed_lines(storage: Storage, cluster: str) -> list[dict]:
    return [
        e.detail or {}
        for e in await storage.cluster_history(cluster)
        if e.action == "answer_changed"
    ]


async def test_an_admin_correction_is_checked_rescored_and_leaves_its_trail(storage, questionnaire):
    from bot.services import corrections, desk

    await submit(storage, questionnaire, DEMO, example("consolidado"))
    response = await storage.get_response(DEMO, "2021")
    assert response is not None
    before = await storage.latest_result(response.response_id)
    done = await corrections.correct(
        storage, questionnaire, DEMO, None, "empresas_activas", "150", "acta de la junta", 9001
    )
    assert done.old == 110 and done.new == 150 and done.shown == "150"
    assert (await storage.answers(response.response_id))["empresas_activas"] == 150
    assert await storage.results_count(response.response_id) == 2
    after = await storage.latest_result(response.response_id)
    assert after is not None and before is not None and after.result_id > before.result_id
    expected = score_answers(
        questionnaire, {**example("consolidado"), "empresas_activas": 150}, 2021
    )
    assert after.ims == pytest.approx(expected.ims)
    assert await changed_lines(storage, DEMO) == [
        {
            "campaign": "2021",
            "question": "empresas_activas",
            "old": 110,
            "new": 150,
            "reason": "acta de la junta",
        }
    ]
    view = await desk.cluster_view(storage, questionnaire, DEMO, None)
    text = "\n".join(t.view_blocks(view, lambda m: m.isoformat()))
    assert "cambió «Empresas activas»: 110 → 150 — motivo: acta de la junta" in text


@pytest.mark.parametrize(
    ("question", "typed", "reason", "code"),
    [
        ("empresas_vinculadas", "200", "x", "correct_inconsistent"),  # sizes sum to 180
        ("empresas_activas", "muchas", "x", "correct_bad_value"),
        ("empresas_activas", "150", "  ", "correct_no_reason"),
        ("no_existe", "1", "x", "correct_unknown_question"),
    ],
)
async def test_a_correction_the_conversation_would_refuse_changes_nothing(
    storage, questionnaire, question, typed, reason, code
):
    from bot.services import corrections

    await submit(storage, questionnaire, DEMO, example("consolidado"))
    response = await storage.get_response(DEMO, "2021")
    assert response is not None
    answers = await storage.answers(response.response_id)
    with pytest.raises(ServiceError) as refused:
        await corrections.correct(storage, questionnaire, DEMO, None, question, typed, reason, 1)
    assert refused.value.code == code
    assert admin_texts.error(refused.value)  # worded in Spanish
    assert await storage.answers(response.response_id) == answers
    assert await storage.results_count(response.response_id) == 1
    assert await changed_lines(storage, DEMO) == []


async def test_a_soft_rule_is_reported_not_refused(storage, questionnaire):
    from bot.services import corrections

    await submit(storage, questionnaire, DEMO, example("consolidado"))
    done = await corrections.correct(
        storage, questionnaire, DEMO, None, "ventas_anio_actual", "1.000.000.000.000", "x", 1
    )
    assert done.warnings and "%" in done.warnings[0]


async def test_a_managers_change_after_sending_leaves_a_trail_the_first_answers_do_not(
    storage, questionnaire
):
    response = await storage.start_response(OTHER, "2021", questionnaire.version, 55)
    await storage.save_answer(
        response.response_id, "empresas_activas", 10, user_id=55, cluster_id=OTHER
    )
    assert await changed_lines(storage, OTHER) == []  # filling in is not changing
    await submit(storage, questionnaire, OTHER, example("joven"))
    joven = example("joven")["empresas_activas"]
    await storage.save_answer(
        response.response_id, "empresas_activas", joven + 1, user_id=55, cluster_id=OTHER
    )
    assert await changed_lines(storage, OTHER) == [
        {"campaign": "2021", "question": "empresas_activas", "old": joven, "new": joven + 1}
    ]


async def test_an_admin_correction_is_the_version_that_counts_and_spares_an_open_draft(
    storage, questionnaire
):
    from bot.services import corrections

    await submit(storage, questionnaire, DEMO, example("consolidado"))
    response = await storage.get_response(DEMO, "2021")
    assert response is not None
    # The manager opens a correction and changes the firms count in the draft.
    await storage.reopen_response(response.response_id, 77, DEMO)
    await storage.save_answer(
        response.response_id, "empresas_activas", 120, user_id=77, cluster_id=DEMO
    )
    await corrections.correct(
        storage, questionnaire, DEMO, None, "empresas_activas", "150", "acta", 9001
    )
    sent = await storage.latest_submission(response.response_id)
    assert sent is not None and sent.version == 2 and sent.submitted_by == "9001"
    (counted,) = await storage.submissions("2021")
    assert counted.answers["empresas_activas"] == 150
    draft = await storage.answers(response.response_id)
    assert draft["empresas_activas"] == 120, "what the manager typed stays in their draft"


async def test_the_export_has_the_review_the_history_and_the_evidence(storage, questionnaire):
    import io

    import openpyxl

    from bot.services import corrections, evidence, exports
    from tests.test_evidence import PDF

    await submit(storage, questionnaire, DEMO, example("consolidado"))
    await submit(storage, questionnaire, OTHER, example("joven"))
    await review.approve(storage, OTHER, None, 9001)
    await corrections.correct(
        storage, questionnaire, DEMO, None, "empresas_activas", "150", "acta de la junta", 9001
    )
    response = await storage.get_response(DEMO, "2021")
    assert response is not None
    await evidence.keep(
        storage, response.response_id, DEMO, "estrategia_formalizacion", "plan.pdf", PDF, 77
    )
    done = await exports.export(storage, questionnaire, None, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(done.data), read_only=True)

    def rows(sheet: str) -> list[dict]:
        values = list(book[sheet].iter_rows(values_only=True))
        return [dict(zip(values[0], r, strict=False)) for r in values[1:]]

    scores = {r["cluster_id"]: r["estado_revision"] for r in rows("puntajes")}
    assert scores == {DEMO: "pendiente", OTHER: "aprobada"}
    (changed,) = rows("historial")
    assert (changed["cluster_id"], changed["medicion"], changed["pregunta_id"]) == (
        DEMO,
        "2021",
        "empresas_activas",
    )
    assert (changed["valor_anterior"], changed["valor_nuevo"]) == (110, 150)
    assert changed["quien"] == "9001" and changed["motivo"] == "acta de la junta"
    (attached,) = rows("evidencias")
    assert (attached["archivo"], attached["tipo"], attached["tamano_bytes"]) == (
        "plan.pdf",
        "PDF",
        len(PDF),
    )
    codebook = {(r["hoja"], r["variable"]) for r in rows("diccionario")}
    assert ("historial", "valor_anterior") in codebook and (
        "puntajes",
        "estado_revision",
    ) in codebook


async def test_the_questionnaires_plausibility_rules_flag_a_dropped_zeros_typo(
    storage, questionnaire
):
    from bot.services import desk

    typo = {**example("consolidado"), "ventas_anio_actual": 457_000}
    await submit(storage, questionnaire, DEMO, typo)
    await submit(storage, questionnaire, OTHER, example("joven"))
    queue = await review.review_queue(storage, questionnaire, None)
    assert queue.items[0].cluster_id == DEMO, "flagged first"
    codes = [f.code for f in queue.items[0].flags]
    assert "plausibility" in codes
    assert not [f for f in queue.items[1].flags if f.code == "plausibility"]
    view = await desk.cluster_view(storage, questionnaire, DEMO, None)
    assert view.plausibility and any("por empresa" in m for m in view.plausibility)
    text = "\n".join(t.view_blocks(view, lambda m: m.isoformat()))
    assert "Alertas de plausibilidad" in text
