"""The admin use cases of ``bot.services``, called directly on a real SQLite file (no Telegram)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.files.responses import answer_cell
from bot.local import DEMO_CLUSTER
from bot.questionnaire.model import Questionnaire
from bot.services import campaigns, exports, imports, invitations, privacy, reports
from bot.services.errors import ServiceError
from bot.services.participation import participation
from bot.services.scoring import score_file
from bot.storage import Redeem, Storage, utcnow
from bot.texts import admin as t
from tests.conftest import example
from tests.e2e import OTHER_CLUSTER

BOGOTA = ZoneInfo("America/Bogota")
REGISTRY = (resources.files("bot") / "examples" / "registro_ejemplo.csv").read_bytes()
SERVICES = Path(__file__).parent.parent / "bot" / "services"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = await Storage.open(tmp_path / "ssme.db")
    yield s
    await s.close()


@pytest.fixture
async def registry(storage: Storage) -> Storage:
    await storage.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "test")
    return storage


def refused(code: str) -> AbstractContextManager[pytest.ExceptionInfo[ServiceError]]:
    """Expect a refusal with this code."""
    return pytest.raises(ServiceError, match=rf"^{code}\b")


# --- campaigns: the date rules ------------------------------------------------------------


def test_a_date_alone_is_the_whole_day_in_the_networks_time_zone():
    opens = campaigns.moment("2021-09-01", BOGOTA)
    closes = campaigns.moment("2021-10-15", BOGOTA, end=True)
    assert opens == datetime(2021, 9, 1, 5, 0, tzinfo=UTC)  # Bogotá is UTC-5
    assert closes == datetime(2021, 10, 16, 4, 59, 59, tzinfo=UTC)


def test_a_date_time_is_local_unless_it_has_an_offset():
    assert campaigns.moment("2021-09-01T08:30", BOGOTA) == datetime(2021, 9, 1, 13, 30, tzinfo=UTC)
    assert campaigns.moment("2021-09-01T08:30", BOGOTA, end=True) == datetime(
        2021, 9, 1, 13, 30, tzinfo=UTC
    ), "a time given is kept, even for a closing"
    assert campaigns.moment("2021-09-01T08:30+00:00", BOGOTA) == datetime(
        2021, 9, 1, 8, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["mañana", "2021-13-01", "01/09/2021", ""])
def test_what_is_not_a_date_is_refused_naming_it(text):
    with refused("bad_date") as caught:
        campaigns.moment(text, BOGOTA)
    assert caught.value.params == {"value": text}


async def test_create_stores_the_local_days_and_schedules_the_campaign(storage):
    created = await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    stored = await storage.get_campaign("2021")
    assert stored == created
    assert stored.state == "scheduled" and stored.reference_year == 2021
    assert stored.opens_at.astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M") == "2021-09-01 00:00"
    assert stored.closes_at.astimezone(BOGOTA).strftime("%H:%M:%S") == "23:59:59"


@pytest.mark.parametrize(
    ("opens", "closes"),
    [("2021-10-15", "2021-09-01"), ("2021-09-01T10:00", "2021-09-01T10:00")],
)
async def test_a_campaign_must_close_after_it_opens(storage, opens, closes):
    with refused("campaign_dates"):
        await campaigns.create(storage, "x", 2021, opens, closes, BOGOTA, "t")
    assert await storage.list_campaigns() == [], "nothing written"


async def test_one_day_campaign_is_allowed(storage):
    c = await campaigns.create(storage, "d", 2021, "2021-09-01", "2021-09-01", BOGOTA, "t")
    assert c.closes_at - c.opens_at == timedelta(hours=23, minutes=59, seconds=59)


async def test_a_campaign_id_is_used_once(storage):
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    with refused("campaign_exists"):
        await campaigns.create(storage, "2021", 2020, "2020-01-01", "2020-02-01", BOGOTA, "t")
    assert (await storage.get_campaign("2021")).reference_year == 2021, "the first one stays"


async def test_extend_only_moves_the_closing_later_and_never_once_closed(storage):
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    for earlier in ("2021-08-31", "2021-10-01", "2021-10-15"):  # before opening, earlier, same
        with refused("campaign_extend_earlier"):
            await campaigns.extend(storage, "2021", earlier, BOGOTA, "t")
    closes = await campaigns.extend(storage, "2021", "2021-10-31", BOGOTA, "t")
    assert (await storage.get_campaign("2021")).closes_at == closes
    assert closes.astimezone(BOGOTA) == datetime(2021, 10, 31, 23, 59, 59, tzinfo=BOGOTA)
    await campaigns.close_campaign(storage, "2021", "t")
    with refused("campaign_closed_extend"):
        await campaigns.extend(storage, "2021", "2021-12-31", BOGOTA, "t")


async def test_one_campaign_open_at_a_time_and_a_closed_one_reopens_only_when_forced(storage):
    for year in (2019, 2021, 2022):
        await campaigns.create(
            storage, str(year), year, f"{year + 1}-03-01", f"{year + 1}-04-30", BOGOTA, "t"
        )
    await campaigns.open_campaign(storage, "2021", "t")
    for other in ("2019", "2022"):
        with refused("campaign_other_open") as refusal:
            await campaigns.open_campaign(storage, other, "t")
        assert refusal.value.params["other"] == "2021"
    await campaigns.open_campaign(storage, "2021", "t")  # already open: nothing to do
    await campaigns.close_campaign(storage, "2021", "t")
    with refused("campaign_reopen"):
        await campaigns.open_campaign(storage, "2021", "t")
    assert (await storage.get_campaign("2021")).state == "closed"
    await campaigns.open_campaign(storage, "2021", "cli", force=True)
    assert (await storage.get_campaign("2021")).state == "open"
    entries = [e for e in await storage.audit_log() if e.action.startswith("campaign_")]
    assert entries[0].action == "campaign_reopened" and entries[0].detail["forced"] is True
    assert [c.state for c in await storage.list_campaigns()].count("open") == 1


async def test_problems_names_several_open_campaigns(storage):
    for year in (2019, 2021, 2022):
        await campaigns.create(
            storage, str(year), year, f"{year + 1}-03-01", f"{year + 1}-04-30", BOGOTA, "t"
        )
    assert campaigns.problems(await storage.list_campaigns()) == []
    for year in ("2019", "2022"):  # a database from before the rule
        await storage.set_campaign_state(year, "open", "t")
    found = campaigns.problems(await storage.list_campaigns())
    assert found == [campaigns.Problem("several_open", ("2019", "2022"))]
    line = t.campaign_problem(found[0].code, found[0].campaigns)
    assert "2019, 2022" in line and "ssme campaign close" in line


async def test_the_scheduler_never_opens_a_second_campaign(storage):
    from bot.services.reminders import advance_campaigns

    await campaigns.create(storage, "2021", 2021, "2022-03-01", "2022-04-30", BOGOTA, "t")
    await campaigns.create(storage, "2022", 2022, "2022-04-01", "2022-05-30", BOGOTA, "t")
    await campaigns.open_campaign(storage, "2021", "t")
    await advance_campaigns(storage, datetime(2022, 4, 15, tzinfo=BOGOTA))
    states = {c.campaign_id: c.state for c in await storage.list_campaigns()}
    assert states == {"2021": "open", "2022": "scheduled"}
    await advance_campaigns(storage, datetime(2022, 5, 2, tzinfo=BOGOTA))  # 2021 closes first
    states = {c.campaign_id: c.state for c in await storage.list_campaigns()}
    assert states == {"2021": "closed", "2022": "open"}


async def test_open_close_and_unknown_campaigns(storage):
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    await campaigns.open_campaign(storage, "2021", "t")
    assert (await storage.get_campaign("2021")).state == "open"
    await campaigns.close_campaign(storage, "2021", "t")
    assert (await storage.get_campaign("2021")).state == "closed"
    for change in (
        campaigns.open_campaign(storage, "2099", "t"),
        campaigns.close_campaign(storage, "2099", "t"),
        campaigns.extend(storage, "2099", "2099-12-31", BOGOTA, "t"),
    ):
        with refused("no_such_campaign"):
            await change
    assert await storage.get_campaign("2099") is None


async def test_resolve_means_the_named_campaign_else_the_current_one(storage):
    with refused("no_campaigns"):
        await campaigns.resolve(storage, None)
    await campaigns.create(storage, "2020", 2020, "2020-09-01", "2020-10-15", BOGOTA, "t")
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    await campaigns.open_campaign(storage, "2020", "t")
    assert (await campaigns.resolve(storage, None)).campaign_id == "2020", "the open one"
    assert (await campaigns.resolve(storage, "2021")).campaign_id == "2021"
    with refused("unknown_campaign") as caught:
        await campaigns.resolve(storage, "2099")
    assert caught.value.params == {"id": "2099", "known": "2020, 2021"}


# --- invitations -------------------------------------------------------------------------


async def test_invite_creates_a_redeemable_code_for_a_registry_cluster(registry):
    before = utcnow()
    invitation = await invitations.invite(registry, OTHER_CLUSTER.cluster_id, "t")
    assert invitation.cluster == OTHER_CLUSTER
    assert invitation.link("ssme_bot") == f"https://t.me/ssme_bot?start={invitation.token}"
    assert before + timedelta(days=30) <= invitation.expires_at <= utcnow() + timedelta(days=30)
    assert (await registry.redeem_invitation(invitation.token, 5, 5, "Luis"))[:2] == (
        Redeem.OK,
        OTHER_CLUSTER.cluster_id,
    )


async def test_invite_for_a_few_days_expires_then(registry):
    invitation = await invitations.invite(registry, OTHER_CLUSTER.cluster_id, "t", days=2)
    assert invitation.expires_at - utcnow() < timedelta(days=2, seconds=1)
    later = utcnow() + timedelta(days=2, minutes=1)
    assert (await registry.redeem_invitation(invitation.token, 5, 5, "L", now=later))[0] is (
        Redeem.EXPIRED
    )


async def test_no_invitation_for_a_cluster_outside_the_registry(registry):
    with refused("unknown_cluster") as caught:
        await invitations.invite(registry, "no_existe", "t")
    assert caught.value.params == {"cluster": "no_existe"}


async def test_invitations_csv_covers_active_clusters_without_a_manager(registry):
    inactive = replace(OTHER_CLUSTER, cluster_id="inactivo", estado="inactiva")
    await registry.upsert_clusters([inactive], "t")
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2099-10-15", BOGOTA, "t")
    first = await invitations.invite(registry, DEMO_CLUSTER.cluster_id, "t")
    await registry.redeem_invitation(first.token, 7, 7, "Ana")

    sheet = await invitations.invitations_csv(registry, None, "ssme_bot", "t")
    assert sheet.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert rows[0] == list(invitations.CSV_HEADER)
    assert [r[0] for r in rows[1:]] == [OTHER_CLUSTER.cluster_id] and sheet.count == 1
    link, code = rows[1][3], rows[1][4]
    assert link.endswith(f"?start={code}")
    assert (await registry.redeem_invitation(code, 8, 8, "Luis"))[0] is Redeem.OK
    assert (await invitations.invitations_csv(registry, "2021", "b", "t")).count == 0


# --- participation -----------------------------------------------------------------------


async def _manager(
    storage: Storage, cluster_id: str, user_id: int, *, consent: bool = True
) -> None:
    invitation = await invitations.invite(storage, cluster_id, "t")
    assert (await storage.redeem_invitation(invitation.token, user_id, user_id, "X"))[0] is (
        Redeem.OK
    )
    if consent:
        await storage.record_consent(cluster_id, user_id, "t")


async def test_participation_counts_active_clusters_by_state_and_group(registry, questionnaire):
    more = [
        replace(OTHER_CLUSTER, cluster_id="draft_caldas"),
        replace(OTHER_CLUSTER, cluster_id="libre_caldas"),
        replace(DEMO_CLUSTER, cluster_id="inactivo_huila", estado="inactiva"),
    ]
    await registry.upsert_clusters(more, "t")
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2099-10-15", BOGOTA, "t")
    await campaigns.open_campaign(registry, "2021", "t")
    await _manager(registry, DEMO_CLUSTER.cluster_id, 1)  # submitted
    await _manager(registry, "draft_caldas", 2)  # started
    await _manager(registry, OTHER_CLUSTER.cluster_id, 3)  # registered only
    await _manager(registry, "inactivo_huila", 4)  # not counted
    v = questionnaire.version
    done = await registry.start_response(DEMO_CLUSTER.cluster_id, "2021", v, 1)
    await registry.submit_response(
        done.response_id,
        version=v,
        ims=50.0,
        level="intermedio",
        scores={"ims": 50.0, "level": "intermedio"},
        answers={},
        actor=1,
        cluster_id=DEMO_CLUSTER.cluster_id,
    )
    draft = await registry.start_response("draft_caldas", "2021", v, 2)
    await registry.save_answer(draft.response_id, questionnaire.questions[0].id, "x", user_id=2)

    report = await participation(registry, None)
    counts = report.counts()
    assert counts["registered"] == 4
    assert (counts["submitted"], counts["draft"], counts["not_started"]) == (1, 1, 1)
    assert counts["no_manager"] == 1
    assert counts["unreachable"] == counts["opted_out"] == 0
    by_department = report.by("departamento")
    assert list(by_department) == ["Caldas", "Huila"]
    assert by_department["Huila"]["registered"] == 1 and by_department["Huila"]["submitted"] == 1
    assert by_department["Caldas"]["registered"] == 3
    assert {s.cluster_id for s in report.pending} == {"draft_caldas", OTHER_CLUSTER.cluster_id}
    assert [(s.cluster_id, expires) for s, expires in report.without_manager] == [
        ("libre_caldas", None)
    ]
    text = t.participation_text(report)
    assert "Enviados: <b>1</b>" in text and "Sin gestor registrado: 1" in text
    assert "• Caldas: 0/3 enviados" in text


# --- privacy -----------------------------------------------------------------------------


async def test_erasure_removes_the_person_and_keeps_the_clusters_answers(registry, questionnaire):
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2099-10-15", BOGOTA, "t")
    await _manager(registry, DEMO_CLUSTER.cluster_id, 41)
    response = await registry.start_response(DEMO_CLUSTER.cluster_id, "2021", "v", 41)
    question = questionnaire.questions[0].id
    await registry.save_answer(response.response_id, question, "validados", user_id=41)
    assert await privacy.pending_requests(registry) == []
    request_id = await registry.request_deletion(41, DEMO_CLUSTER.cluster_id)

    [pending] = await privacy.pending_requests(registry)
    assert (pending.request_id, pending.user_id, pending.cluster_id) == (
        request_id,
        41,
        DEMO_CLUSTER.cluster_id,
    )
    assert abs(pending.created_at - utcnow()) < timedelta(minutes=1)

    assert await privacy.erase(registry, request_id, "admin") == 41
    assert await registry.manager_for_user(41) is None
    assert await registry.answers(response.response_id) == {question: "validados"}
    assert await privacy.pending_requests(registry) == []
    with refused("unknown_request") as caught:
        await privacy.erase(registry, request_id, "admin")
    assert caught.value.params == {"id": request_id}


# --- imports: all or nothing -------------------------------------------------------------


async def test_registry_import_is_all_or_nothing(storage):
    broken = REGISTRY.replace(b"servicios", b"servicio", 1)
    checked = imports.read_registry(broken)
    assert not checked.ok and checked.parsed.rows, "the valid rows were read..."
    refused_ = await imports.save_registry(storage, checked, "t")
    assert refused_.imported == 0 and await storage.list_clusters() == [], "...and not written"
    result = await imports.import_registry(storage, broken, "t")
    assert not result.ok and await storage.list_clusters() == []
    assert t.NOTHING_IMPORTED in t.registry_import_text(result)

    result = await imports.import_registry(storage, REGISTRY, "t")
    assert result.ok and result.imported == 12 == len(await storage.list_clusters())
    assert "12 clústeres importados" in t.registry_import_text(result)


def _responses_csv(q: Questionnaire, rows: dict[str, dict]) -> bytes:
    header = ["cluster_id", *[x.id for x in q.questions]]
    lines = [",".join(header)]
    for cluster, answers in rows.items():
        cells = [cluster, *[answer_cell(answers[h]) if h in answers else "" for h in header[1:]]]
        lines.append(",".join(f'"{c}"' for c in cells))
    return ("\n".join(lines) + "\n").encode()


async def test_responses_import_is_all_or_nothing_and_scores_what_it_imports(
    registry, questionnaire
):
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    joven, consolidado = example("joven"), example("consolidado")
    demo, other = DEMO_CLUSTER.cluster_id, OTHER_CLUSTER.cluster_id

    unknown = _responses_csv(questionnaire, {demo: joven, "no_existe": joven})
    result = await imports.import_responses(registry, questionnaire, "2021", unknown, "t")
    assert not result.ok and result.imported == 0
    assert await registry.existing_responses("2021") == set(), "the valid row was not imported"

    good = _responses_csv(questionnaire, {demo: consolidado, other: joven})
    result = await imports.import_responses(registry, questionnaire, "2021", good, "t")
    assert result.ok and result.imported == 2 and result.campaign_id == "2021"
    levels = {s.cluster_id: s.level for s in await registry.submitted_scores("2021")}
    assert levels == {demo: "consolidado", other: "exploracion"}

    again = await imports.import_responses(registry, questionnaire, "2021", good, "t")
    assert not again.ok and {r.cluster_id for r in again.clashes} == {demo, other}
    assert len(await registry.submitted_scores("2021")) == 2, "nothing imported twice"
    text = t.responses_import_text(again)
    assert "ya tiene respuesta" in text and t.NOTHING_IMPORTED in text

    with refused("unknown_campaign"):
        await imports.import_responses(registry, questionnaire, "2099", good, "t")


# --- reports and scoring -----------------------------------------------------------------


async def test_export_names_the_file_after_the_campaign_and_refuses_other_formats(
    registry, questionnaire
):
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    done = await exports.export(registry, questionnaire, None, "csv")
    assert (done.campaign_id, done.filename) == ("2021", "ssme_2021.zip")
    assert done.data[:2] == b"PK"
    with refused("bad_format"):
        await exports.export(registry, questionnaire, "2021", "pdf")


def test_a_file_with_any_rejected_answer_gets_no_score(questionnaire):
    good = score_file(questionnaire, example("consolidado"), 2021)
    assert good.errors == [] and good.result is not None and good.result.ims == 88.9
    bad = score_file(questionnaire, {**example("consolidado"), "pregunta_x": 3}, 2021)
    assert bad.result is None and any(e.startswith("pregunta_x:") for e in bad.errors)


# --- every refusal has its words ---------------------------------------------------------


def test_every_code_a_service_raises_is_worded_for_telegram_and_the_cli():
    codes = {
        code
        for path in SERVICES.glob("*.py")
        for code in re.findall(r'ServiceError\(\s*"(\w+)"', path.read_text(encoding="utf-8"))
    }
    assert {"bad_date", "unknown_campaign", "unknown_cluster", "unknown_request"} <= codes
    assert codes <= set(t.ERRORS) and codes <= set(t.CLI_ERRORS)
    exc = ServiceError("unknown_cluster", cluster="x")
    assert t.error(exc) == "El clúster «x» no está en el registro."
    assert t.error(exc, cli=True).endswith("(ssme import-clusters)")


# --- issue 12: a submission keeps counting; participation's states ------------------------


async def _submit(storage: Storage, q: Questionnaire, cluster_id: str, user_id: int, answers):
    from scoring import score_answers

    response = await storage.start_response(cluster_id, "2021", q.version, user_id)
    for qid, value in answers.items():
        await storage.save_answer(response.response_id, qid, value, user_id=user_id)
    result = score_answers(q, q.relevant_answers(answers), 2021)
    await storage.submit_response(
        response.response_id,
        version=q.version,
        ims=result.ims,
        level=result.level,
        scores=result.to_json(),
        answers=q.relevant_answers(answers),
        actor=user_id,
        cluster_id=cluster_id,
    )
    return response


async def test_a_correction_in_progress_leaves_the_sent_version_in_every_figure(
    registry, questionnaire
):
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2099-10-15", BOGOTA, "t")
    await campaigns.open_campaign(registry, "2021", "t")
    demo = DEMO_CLUSTER.cluster_id
    await _manager(registry, demo, 1)
    response = await _submit(registry, questionnaire, demo, 1, example("consolidado"))
    await registry.reopen_response(response.response_id, 1, demo)  # «Corregir mis respuestas»
    await registry.save_answer(response.response_id, "gerente_dedicacion", "menos_medio")
    await campaigns.close_campaign(registry, "2021", "t")  # closes with the correction open

    bundle = await reports.summary(registry, questionnaire, None)
    assert bundle.data["respondents"] == 1
    assert [s.level for s in await registry.submitted_scores("2021")] == ["consolidado"]
    (sent,) = await registry.submissions("2021")
    assert sent.answers["gerente_dedicacion"] != "menos_medio", "the draft is not what counts"
    area_ids = [a.id for a in questionnaire.areas]
    means = await registry.campaign_area_means("2021", area_ids)
    assert sum(n for _, n in means.values()) == 1
    counts = (await participation(registry, None)).counts()
    assert (counts["submitted"], counts["correcting"], counts["draft"]) == (1, 1, 0)
    versions = await registry.submissions_of(response.response_id)
    assert [(v.version, v.submitted_by) for v in versions] == [(1, "1")]


async def test_each_submission_is_a_numbered_record(registry, questionnaire):
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2099-10-15", BOGOTA, "t")
    demo = DEMO_CLUSTER.cluster_id
    first = await _submit(registry, questionnaire, demo, 7, example("consolidado"))
    await registry.reopen_response(first.response_id, 7, demo)
    await _submit(
        registry,
        questionnaire,
        demo,
        7,
        {**example("consolidado"), "gerente_dedicacion": "menos_medio"},
    )
    versions = await registry.submissions_of(first.response_id)
    assert [v.version for v in versions] == [1, 2]
    assert (
        len({v.submission_id for v in versions}) == 2
        and versions[0].submitted_at <= versions[1].submitted_at
    )
    latest = await registry.latest_submission(first.response_id)
    assert latest == versions[1]
    assert (await registry.latest_result(first.response_id)).result_id == latest.result_id
    assert [s.level for s in await registry.submitted_scores("2021")] == ["intermedio"]


def test_the_migration_carries_every_earlier_submission_over(tmp_path, questionnaire):
    import asyncio
    import json
    import sqlite3

    from bot.storage.schema import MIGRATIONS, _statements

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:4]:  # a database written before submissions were records
        for statement in _statements(script):
            db.execute(statement)
    db.execute("PRAGMA user_version = 4")
    now = "2021-09-10T12:00:00+00:00"
    db.execute(
        "INSERT INTO clusters VALUES ('a', 'A', 'Huila', NULL, 'agro', NULL, 'x', 'camara_comercio', NULL, 'activa', ?)",
        (now,),
    )
    db.execute(
        "INSERT INTO campaigns VALUES ('2021', 2021, ?, '2099-01-01T00:00:00+00:00', 'open', ?)",
        (now, now),
    )
    # Sent twice, then reopened by the old /revisar (a draft: it was missing from the figures).
    db.execute(
        "INSERT INTO responses (response_id, cluster_id, campaign_id, status, questionnaire_version, created_at, updated_at, submitted_at) VALUES (1, 'a', '2021', 'draft', 'v', ?, ?, ?)",
        (now, now, now),
    )
    scores = json.dumps(
        {"ims": 50.0, "level": "intermedio", "areas": {}, "estrategia_actualizada": False}
    )
    for result_id, level in ((1, "exploracion"), (2, "intermedio")):
        db.execute(
            "INSERT INTO results VALUES (?, 1, ?, 'v', 50.0, ?, ?, '{}')",
            (result_id, now, level, scores),
        )
    db.commit()
    db.close()

    async def after() -> None:
        storage = await Storage.open(path)
        try:
            versions = await storage.submissions_of(1)
            assert [(v.version, v.result_id, v.submitted_by) for v in versions] == [
                (1, 1, None),
                (2, 2, None),
            ]
            assert [s.level for s in await storage.submitted_scores("2021")] == ["intermedio"]
            (state,) = await storage.response_states("2021")
            assert (state.status, state.correcting) == ("submitted", True)
        finally:
            await storage.close()

    asyncio.run(after())


async def test_participation_shows_the_notice_pending_and_after_the_close_the_unsent(
    registry, questionnaire
):
    await campaigns.create(registry, "2021", 2021, "2021-09-01", "2099-10-15", BOGOTA, "t")
    await campaigns.open_campaign(registry, "2021", "t")
    await _manager(registry, DEMO_CLUSTER.cluster_id, 1)
    await _manager(registry, OTHER_CLUSTER.cluster_id, 2, consent=False)  # invitation only
    draft = await registry.start_response(DEMO_CLUSTER.cluster_id, "2021", "v", 1)
    for question in questionnaire.questions[:3]:
        await registry.save_answer(draft.response_id, question.id, "x", user_id=1)
    report = await participation(registry, None)
    assert report.counts()["consent_pending"] == 1
    text = "\n".join(t.participation_blocks(report) + t.pending_blocks(report))
    assert "Invitación aceptada, aviso de datos pendiente: 1" in text
    assert (
        "Clúster de Software de Caldas (Caldas) — invitación aceptada, aviso de datos pendiente"
        in text
    )
    assert "en progreso" in text and "sin enviar" not in text
    await campaigns.close_campaign(registry, "2021", "t")
    closed = "\n".join(t.pending_blocks(await participation(registry, None)))
    assert f"{DEMO_CLUSTER.nombre} (Huila) — sin enviar (3 respuestas guardadas)" in closed
