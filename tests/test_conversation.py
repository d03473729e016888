"""The manager's conversation driven directly: `Survey` against a real SQLite file, no Telegram.

The shipped questionnaire, the chart renderer of the process (inline), a fixed clock. Every
test reads the actions `Survey` returns (the texts and buttons a manager would see) and, where
it matters, what is stored. The end-to-end tests (tests/test_bot_e2e.py) keep what only HTTP
shows: the Application's wiring, Telegram's faults, the order of calls, restarts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation.actions import Action, Button, Edit, Photo, Send, Toast
from bot.conversation.flows import Flows
from bot.conversation.survey import Survey, looks_like_code
from bot.local import DEMO_CLUSTER, Seeded, seed
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import ND
from bot.services.invitations import new_token
from bot.storage import Response, Storage
from bot.texts import memberships as mtexts
from bot.texts import personal_data as ptexts
from bot.texts import reminders as rtexts
from bot.texts import submission as stexts
from charts import InlineChartRenderer
from tests.conftest import example
from tests.e2e import OTHER_CLUSTER, QUESTIONNAIRE, inputs_for

NOW = datetime(2022, 3, 15, 14, 0, tzinfo=UTC)  # the fixed clock: campaign 2021 is open
TZ = ZoneInfo("America/Bogota")
CONSOLIDADO = example("consolidado")
ENGINE = Engine(QUESTIONNAIRE, 2021)


def question_of(action: Action | None) -> str | None:
    """The question a message asks, read from its buttons' typed callbacks."""
    if not isinstance(action, Send):
        return None
    for row in action.buttons:
        for b in row:
            if isinstance(b.callback, cb.OnQuestion) and not isinstance(
                b.callback, cb.Confirm | cb.Fix
            ):
                return b.callback.question
    return None


def is_review(action: Action | None) -> bool:
    return isinstance(action, Send) and "Resumen de sus respuestas" in action.text


def buttons(action: Action) -> list[Button]:
    assert isinstance(action, Send | Edit), action
    return [b for row in action.buttons for b in row]


def labels(action: Action) -> list[str]:
    return [b.label for b in buttons(action)]


def callbacks(action: Action) -> list[cb.Callback]:
    return [b.callback for b in buttons(action)]


@dataclass
class Phone:
    """One manager's chat with the survey: what they type or press, and what they see."""

    survey: Survey
    user_id: int
    cluster_id: str
    name: str = "Ana"
    screen: Send | None = None  # the last question or review shown
    seen: list[str] = field(default_factory=list)  # every question shown, in order

    async def _run(self, call: Awaitable[list[Action]]) -> list[Action]:
        actions = await call
        for a in actions:
            if isinstance(a, Send) and (question_of(a) or is_review(a)):
                self.screen = a
                if question_of(a):
                    self.seen.append(question_of(a))  # type: ignore[arg-type]
        return actions

    async def type(self, text: str) -> list[Action]:
        return await self._run(self.survey.text(self.user_id, self.user_id, self.name, text))

    async def press(self, press: cb.Callback | str) -> list[Action]:
        """A press of a button as the bot makes it (a manager's carries the phone's cluster)."""
        if isinstance(press, str):
            data = press
        else:
            data = cb.encode(press, self.cluster_id if isinstance(press, cb.KEYED) else None)
        return await self._run(self._button(data))

    async def _button(self, data: str) -> list[Action]:  # as bot/handlers/manager.py routes it
        flows = await Flows(self.survey).button(self.user_id, data)
        return flows if flows is not None else await self.survey.button(self.user_id, data)

    async def start(self, payload: str | None = None) -> list[Action]:
        return await self._run(self.survey.start(self.user_id, self.user_id, self.name, payload))

    async def register(self, token: str) -> list[Action]:
        out = await self.start(token)
        assert labels(out[-1]) == [texts.BTN_CONSENT, ptexts.BTN_DECLINE]
        return await self.press(cb.Consent())

    @property
    def current(self) -> str | None:
        return question_of(self.screen)

    async def answer(self, value: Any) -> list[Action]:
        """Answer the question on screen as a person would; all the actions it brought."""
        qid = self.current
        assert qid is not None, f"no question on screen: {self.screen}"
        out: list[Action] = []
        for step in inputs_for(qid, value):
            out += await (self.type(step) if isinstance(step, str) else self.press(step))
        return out

    async def answer_all(self, answers: dict[str, Any], *, stop_before: str | None = None) -> Send:
        """Answer every question asked until the review (or the question ``stop_before``)."""
        assert self.screen is not None
        while not is_review(self.screen):
            qid = self.current
            if qid == stop_before:
                break
            assert qid in answers, f"the bot asked {qid}, which the test has no answer for"
            shown = self.screen
            await self.answer(answers[qid])
            assert self.screen is not shown, f"{qid}: no next screen"
        return self.screen

    async def response(self) -> Response:
        campaign = await self.survey.storage.current_campaign()
        assert campaign is not None
        response = await self.survey.storage.get_response(self.cluster_id, campaign.campaign_id)
        assert response is not None, "no response started"
        return response

    async def stored(self) -> dict[str, Any]:
        """The answers in the database (none before the response is started)."""
        manager = await self.survey.storage.manager_for_user(self.user_id)
        if manager is None or manager.consent_at is None:
            return {}
        return await self.survey.storage.answers((await self.response()).response_id)


@dataclass
class World:
    storage: Storage
    seeded: Seeded
    survey: Survey

    def survey_at(self, moment: datetime) -> Survey:
        """Another process's view of the same database, at another time."""
        return Survey(
            self.storage, QUESTIONNAIRE, self.survey.renderer, tz=TZ, clock=lambda: moment
        )

    def phone(
        self, user_id: int = 1001, cluster_id: str = DEMO_CLUSTER.cluster_id, name: str = "Ana"
    ) -> Phone:
        return Phone(self.survey, user_id, cluster_id, name)

    async def registered(self, user_id: int = 1001) -> Phone:
        ana = self.phone(user_id)
        await ana.register(self.seeded.tokens[ana.cluster_id])
        return ana


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = tmp_path / "ssme.db"
    seeded = await seed(
        db,
        [DEMO_CLUSTER, OTHER_CLUSTER],
        opens=NOW - timedelta(days=1),
        closes=NOW + timedelta(days=30),
    )
    storage = await Storage.open(db)
    renderer = InlineChartRenderer()
    await renderer.start()
    try:
        yield World(
            storage, seeded, Survey(storage, QUESTIONNAIRE, renderer, tz=TZ, clock=lambda: NOW)
        )
    finally:
        renderer.close()
        await storage.close()


async def walked(world: World, answers: dict[str, Any] = CONSOLIDADO, **kw: Any) -> Phone:
    ana = await world.registered()
    await ana.answer_all(answers, **kw)
    return ana


# -- registration --------------------------------------------------------------------------


async def test_invitation_redeem_and_consent_lead_to_the_first_question(world):
    ana = world.phone()
    assert await ana.type("hola") == [Send(texts.INTRO_UNREGISTERED)]
    assert await ana.start() == [Send(texts.INTRO_UNREGISTERED)]

    registered, notice = await ana.start(world.seeded.tokens[ana.cluster_id])
    assert registered == Send(texts.REGISTERED.format(cluster=DEMO_CLUSTER.nombre))
    assert notice.text.startswith(texts.CONSENT_NOTICE.rpartition("\n\n")[0])
    assert "/retirar_consentimiento" in notice.text and "Contacto" not in notice.text
    assert notice.buttons == (
        (
            Button(texts.BTN_CONSENT, cb.Consent(), ana.cluster_id),
            Button(ptexts.BTN_DECLINE, cb.Decline(), ana.cluster_id),
        ),
    )
    # Before consenting, anything leads back to the notice, and nothing is started.
    assert await ana.type("validados") == [notice]
    assert await ana.stored() == {}

    edit, welcome, first = await ana.press(cb.Consent())
    assert edit == Edit(notice.text + "\n\n" + texts.CONSENT_DONE)
    assert isinstance(welcome, Send) and welcome.text.startswith("Bienvenido(a), Ana.")
    assert "Son <b>41 preguntas</b>, <b>unos 14 minutos</b>" in welcome.text
    assert "cierra el <b>jueves 14 de abril de 2022, 09:00</b>" in welcome.text  # Bogotá time
    assert question_of(first) == "enfoque_segmentos"
    assert "<b>Área 1/8 · Enfoque</b> — pregunta 1 de 41" in first.text
    manager = await world.storage.manager_for_user(ana.user_id)
    assert manager is not None and manager.consent_at is not None

    # The same code again: the manager is greeted back; anyone else is refused.
    await ana.answer("validados")
    again = await ana.start(world.seeded.tokens[ana.cluster_id])
    assert "Hola de nuevo" in again[0].text
    assert question_of(again[1]) == "inteligencia_actividades"
    stranger = world.phone(5555)
    assert await stranger.start(world.seeded.tokens[ana.cluster_id]) == [Send(texts.INVITE_USED)]
    assert await stranger.start("CODIGOFALSO123") == [Send(texts.INVITE_UNKNOWN)]
    assert await stranger.start("no es un código") == [Send(texts.INVITE_UNKNOWN)]


async def test_typed_code_registers_and_an_expired_code_is_refused(world):
    luis = world.phone(2002, OTHER_CLUSTER.cluster_id, "Luis")
    expired = new_token()
    await world.storage.create_invitation(
        OTHER_CLUSTER.cluster_id, expired, NOW - timedelta(minutes=1), "test"
    )
    assert await luis.type(expired) == [Send(texts.INVITE_EXPIRED)]
    out = await luis.type(world.seeded.tokens[OTHER_CLUSTER.cluster_id])
    assert out[0] == Send(texts.REGISTERED.format(cluster=OTHER_CLUSTER.nombre))


def test_every_code_issued_is_recognised_when_typed():
    assert all(looks_like_code(new_token()) for _ in range(200))
    assert looks_like_code("  abcdEFGH_-12  ")
    assert not looks_like_code("hola") and not looks_like_code("no es un código")


async def test_consent_press_of_a_stranger_is_stale(world):
    stranger = world.phone(5555)
    assert await stranger.press(cb.encode(cb.Consent())) == [
        Toast(texts.STALE_BUTTON),
        Send(texts.INTRO_UNREGISTERED),
    ]
    # A notice's button of a cluster (keyed): not theirs.
    assert await stranger.press(cb.Consent()) == [
        Toast(mtexts.NOT_HELD),
        Send(texts.INTRO_UNREGISTERED),
    ]


# -- the walk ------------------------------------------------------------------------------


async def test_the_whole_walk_asks_every_relevant_question_once_and_ends_on_the_review(world):
    ana = await world.registered()
    review = await ana.answer_all(CONSOLIDADO)
    assert ana.seen == [q.id for q in ENGINE.relevant_questions(CONSOLIDADO)]
    assert len(ana.seen) == 41 == len(CONSOLIDADO)
    assert await ana.stored() == CONSOLIDADO
    assert review.text.startswith(texts.REVIEW_TITLE.format(cluster=DEMO_CLUSTER.nombre))
    assert "• Empresas vinculadas: 180" in review.text
    assert "• Ventas 2021: $457.000.000.000" in review.text
    assert review.text.endswith(texts.REVIEW_READY)
    assert callbacks(review)[-1] == cb.ReviewSend()
    assert [c for c in callbacks(review) if isinstance(c, cb.ReviewArea)] == [
        cb.ReviewArea(s.id) for s in QUESTIONNAIRE.sections
    ]


async def test_a_pressed_answer_leaves_a_transcript_and_the_next_question(world):
    ana = await world.registered()
    transcript, nxt = await ana.answer("validados")
    assert isinstance(transcript, Edit) and transcript.buttons == ()
    assert transcript.text == (
        "<b>Área 1/8 · Enfoque</b> — pregunta 1 de 41\n\n"
        f"<b>{ENGINE.text(QUESTIONNAIRE.question('enfoque_segmentos'))}</b>\n\n"
        "✔️ <b>Definidos y validados con las empresas</b>"
    )
    assert question_of(nxt) == "inteligencia_actividades"
    assert "pregunta 2 de 41" in nxt.text
    assert labels(nxt)[-1] == texts.BTN_BACK


async def test_multi_choice_ticks_edit_the_keyboard_and_exclusive_options_clear_others(world):
    ana = await world.registered()
    await ana.answer("validados")
    q = "inteligencia_actividades"
    # The full option texts are in the message, numbered as the buttons are.
    assert "1. Estudios de mercado o de tendencias" in ana.screen.text
    (edit,) = await ana.press(cb.Toggle(q, "benchmarking"))
    assert isinstance(edit, Edit) and edit.text is None
    assert "✅ 2. Benchmarking" in labels(edit)
    # «Ninguna» over a mark asks first; «No» keeps the marks, «Sí» clears them.
    (ask,) = await ana.press(cb.Toggle(q, "ninguna"))
    assert "«Ninguna» quitará su otra marca" in ask.text
    assert callbacks(ask) == [cb.Confirm(q, "only"), cb.Confirm(q, "marks")]
    (edit,) = await ana.press(cb.Confirm(q, "marks"))
    assert "✅ 2. Benchmarking" in labels(edit) and "▫️ 7. Ninguna" in labels(edit)
    assert "quitará" not in edit.text
    await ana.press(cb.Toggle(q, "ninguna"))
    (edit,) = await ana.press(cb.Confirm(q, "only"))
    assert "✅ 7. Ninguna" in labels(edit) and "▫️ 2. Benchmarking" in labels(edit)
    assert await ana.press(cb.Confirm(q, "only")) == [Toast(texts.STALE_BUTTON)]
    await ana.press(cb.Toggle(q, "ninguna"))
    (toast,) = await ana.press(cb.Done(q))
    assert isinstance(toast, Toast) and "al menos una opción" in toast.text
    await ana.press(cb.Toggle(q, "vigilancia"))
    transcript, nxt = await ana.press(cb.Done(q))
    assert transcript.text.endswith("✔️ <b>Vigilancia tecnológica o inteligencia competitiva</b>")
    assert question_of(nxt) == "estrategia_formalizacion"
    assert (await ana.stored())[q] == ["vigilancia"]


async def test_bad_typed_input_is_explained_and_the_same_question_asked_again(world):
    ana = await walked(world, stop_before="empresas_vinculadas")
    before = await ana.stored()
    for typed, expected in [
        ("muchas", "Escriba un número entero"),
        ("-5", "entre 0 y 1.000.000"),
        ("12,5", "sin decimales"),
        ("x" * 2000, "máximo 1.000 caracteres"),
    ]:
        # One message per mistake: the question again, the error on top (no old keyboard to
        # take away here: nothing was delivered through Telegram).
        (again,) = await ana.type(typed)
        assert again.text.startswith("⚠️ ") and expected in again.text, again.text
        assert question_of(again) == "empresas_vinculadas"
    assert await ana.stored() == before
    await ana.answer(180)
    await ana.answer(110)
    await ana.answer_all(CONSOLIDADO, stop_before="gobernanza_instancias")
    (again,) = await ana.type("la junta")
    assert "Listo" in again.text and question_of(again) == "gobernanza_instancias"


async def test_non_text_gets_a_sentence_and_the_question_again(world):
    ana = await world.registered()
    (again,) = await world.survey.non_text(ana.user_id)
    assert texts.ONLY_TEXT.format(expected=texts.EXPECT_BUTTONS) in again.text
    assert question_of(again) == "enfoque_segmentos"
    await ana.answer_all(CONSOLIDADO, stop_before="empresas_vinculadas")
    (again,) = await world.survey.non_text(ana.user_id)
    assert texts.ONLY_TEXT.format(expected=texts.EXPECT_TYPED) in again.text


async def test_not_available_is_stored_as_such(world):
    ana = await walked(
        world, {**CONSOLIDADO, "ventas_anio_actual": ND}, stop_before="ventas_anio_anterior"
    )
    assert (await ana.stored())["ventas_anio_actual"] == ND
    out = await ana.type("no sé")
    assert question_of(out[-1]) == "ventas_pct_local"
    assert (await ana.stored())["ventas_anio_anterior"] == ND


# -- skip logic ----------------------------------------------------------------------------


async def test_skip_logic_hides_and_brings_back_conditional_questions(world):
    ana = await walked(world, stop_before="estrategia_formalizacion")
    out = await ana.answer("no_existe")
    assert question_of(out[-1]) == "estrategia_seguimiento", "the year question is skipped"
    assert "pregunta 4 de 40" in out[-1].text

    # Back to the strategy, now with a plan: the year question comes back.
    cleared, back = await ana.press(cb.Back("estrategia_seguimiento"))
    assert cleared == Edit(None, ())
    assert question_of(back) == "estrategia_formalizacion"
    assert "Respuesta actual: <b>No existe</b>" in back.text
    out = await ana.answer("plan_accion")
    assert question_of(out[-1]) == "estrategia_anio_actualizacion"
    assert "pregunta 4 de 41" in out[-1].text


async def test_an_answer_that_makes_others_irrelevant_drops_them(world):
    ana = await walked(world, stop_before="gobernanza_presidencia_empresarial")
    assert (await ana.stored())["gobernanza_pct_empresarios"] == 70
    for q in (
        "gobernanza_presidencia_empresarial",
        "gobernanza_pct_empresarios",
        "gobernanza_reuniones",
    ):
        await ana.press(cb.Back(q))
    assert ana.current == "gobernanza_instancias"
    await ana.press(cb.Toggle("gobernanza_instancias", "ninguna"))  # over the marks: asked
    await ana.press(cb.Confirm("gobernanza_instancias", "only"))
    out = await ana.press(cb.Done("gobernanza_instancias"))
    # Going back walks forward through the answers already given: the meetings come next.
    assert question_of(out[-1]) == "gobernanza_reuniones"
    assert "Respuesta actual: <b>10</b>" in out[-1].text
    stored = await ana.stored()
    assert stored["gobernanza_instancias"] == ["ninguna"]
    assert "gobernanza_pct_empresarios" not in stored
    out = await ana.press(cb.Keep("gobernanza_reuniones"))
    assert question_of(out[-1]) == "gobernanza_presidencia_empresarial", "the share is skipped"


# -- back, keep, review and edits ----------------------------------------------------------


async def test_back_and_keep_walk_through_the_answers_given(world):
    ana = await walked(world, stop_before="empresas_vinculadas")
    assert (await ana.press(cb.Back("enfoque_segmentos")))[0] == Toast(texts.STALE_BUTTON)
    await ana.press(cb.Back("empresas_vinculadas"))
    await ana.press(cb.Back("estrategia_seguimiento"))
    assert ana.current == "estrategia_anio_actualizacion"
    assert labels(ana.screen)[-2:] == [texts.BTN_BACK, texts.BTN_KEEP]
    transcript, nxt = await ana.press(cb.Keep("estrategia_anio_actualizacion"))
    assert transcript.text.endswith("✔️ <b>2020</b>")
    assert question_of(nxt) == "estrategia_seguimiento"
    assert "Respuesta actual: <b>Tablero de indicadores" in nxt.text
    _, nxt = await ana.press(cb.Keep("estrategia_seguimiento"))
    assert question_of(nxt) == "empresas_vinculadas" and texts.BTN_KEEP not in labels(nxt)
    assert (await ana.press(cb.Keep("empresas_vinculadas"))) == [Toast(texts.STALE_BUTTON)]


async def test_review_edit_an_area_keep_or_change_and_come_back_to_the_review(world):
    ana = await walked(world)
    (area_screen,) = await ana.press(cb.ReviewArea("gobernanza"))
    assert area_screen.text == texts.EDIT_AREA.format(area="Gobernanza")
    assert callbacks(area_screen) == [
        *(cb.ReviewQuestion(q.id) for q in QUESTIONNAIRE.sections[3].questions),
        cb.ReviewShow(),
    ]
    (question,) = await ana.press(cb.ReviewQuestion("gerente_dedicacion"))
    assert question_of(question) == "gerente_dedicacion"
    assert "Respuesta actual: <b>Tiempo completo" in question.text
    _, review = await ana.press(cb.Keep("gerente_dedicacion"))
    assert is_review(review) and (await ana.stored()) == CONSOLIDADO

    await ana.press(cb.ReviewQuestion("gerente_dedicacion"))
    _, review = await ana.answer("menos_medio")
    assert is_review(review) and "Dedicación del gerente: Menos de medio tiempo" in review.text
    assert (await ana.stored())["gerente_dedicacion"] == "menos_medio"

    # Typing on the review is refused; a question that skip logic hides cannot be edited.
    assert await ana.type("150") == [Send(texts.REVIEW_STRAY)]  # one line, not the review
    await ana.press(cb.ReviewQuestion("estrategia_formalizacion"))
    await ana.answer("no_existe")
    assert await ana.press(cb.ReviewQuestion("estrategia_anio_actualizacion")) == [
        Toast(texts.STALE_BUTTON)
    ]
    assert await ana.press(cb.ReviewArea("inexistente")) == [Toast(texts.STALE_BUTTON)]
    (review,) = await ana.press(cb.ReviewShow())
    assert is_review(review)


async def test_the_review_with_missing_answers_offers_continue_not_send(world):
    ana = await walked(world, stop_before="empresas_vinculadas")
    review = await Flows(world.survey).review(ana.user_id)
    assert review[-1].text.endswith("Faltan 34 preguntas por responder. Pulse «Continuar».")
    assert callbacks(review[-1])[-1] == cb.Resume()
    assert cb.ReviewSend() not in callbacks(review[-1])
    # «Enviar» forged on an incomplete response: nothing is submitted.
    toast, *again = await ana.press(cb.ReviewSend())
    assert toast == Toast(texts.REVIEW_MISSING_SHORT.format(n=34)) and is_review(again[-1])
    assert await world.storage.latest_result((await ana.response()).response_id) is None
    (question,) = await ana.press(cb.Resume())
    assert question_of(question) == "empresas_vinculadas"


# -- consistency rules ---------------------------------------------------------------------


async def test_sizes_must_add_up_and_the_value_typed_waits_while_the_other_is_fixed(world):
    ana = await walked(world, stop_before="empresas_grandes")
    (refusal,) = await ana.type("50")
    assert refusal.text.startswith(
        "Las empresas por tamaño suman 225, pero las empresas vinculadas son 180.\n\n"
    )
    # One screen with every number of the rule, the one just typed marked as pending.
    assert "• Empresas vinculadas: <b>180</b>" in refusal.text
    assert "• Grandes empresas: <b>50</b> (nuevo, aún sin guardar)" in refusal.text
    assert refusal.text.endswith(texts.FIX_HINT_HELD)
    assert callbacks(refusal) == [
        cb.Fix("empresas_grandes", q)
        for q in ("empresas_vinculadas", "empresas_micro", "empresas_pequenas", "empresas_medianas")
    ]
    assert labels(refusal)[0] == texts.BTN_FIX.format(q="Empresas vinculadas")
    assert "empresas_grandes" not in await ana.stored()

    _, fix = await ana.press(cb.Fix("empresas_grandes", "empresas_vinculadas"))
    assert question_of(fix) == "empresas_vinculadas"
    assert "Pendiente de guardar: Grandes empresas = 50" in fix.text
    out = await ana.answer(225)
    assert question_of(out[-1]) == "ventas_anio_actual", "both stored: the walk goes on"
    stored = await ana.stored()
    assert (stored["empresas_vinculadas"], stored["empresas_grandes"]) == (225, 50)


# Every hard rule of methodology §4, in both directions, edited from the review: (base answers,
# steps). A step is (question, typed, rule refused or None when all is stored); the first step
# edits from the review, the next ones press «Corregir: …» on the refusal.
FIX_CASES = {
    "sizes, fix a part (the issue's repro)": (
        {"empresas_vinculadas": 82, "empresas_micro": 50, "empresas_pequenas": 20,
         "empresas_medianas": 8, "empresas_grandes": 4, "empresas_activas": 54,
         "empresas_beneficiarias": 30, "actores_empresas": 10},
        [("empresas_vinculadas", "80", "tamanos_suman_vinculadas"), ("empresas_grandes", "2", None)],
    ),
    "sizes, fix the total": (
        {},
        [("empresas_grandes", "3", "tamanos_suman_vinculadas"), ("empresas_vinculadas", "178", None)],
    ),
    "shares, fix another share (the issue's repro)": (
        {"ventas_pct_local": 30, "ventas_pct_nacional": 45, "ventas_pct_exportacion": 25},
        [("ventas_pct_local", "35", "destino_ventas_100"), ("ventas_pct_nacional", "40", None)],
    ),
    "shares, the other way": (
        {},
        [("ventas_pct_exportacion", "16", "destino_ventas_100"), ("ventas_pct_local", "51", None)],
    ),
    "active firms, fix the total (and then the sizes)": (
        {},
        [
            ("empresas_activas", "200", "activas_vs_vinculadas"),
            ("empresas_vinculadas", "200", "tamanos_suman_vinculadas"),
            ("empresas_micro", "140", None),
        ],
    ),
    "active firms, fix the part": (
        {},
        [
            ("empresas_vinculadas", "100", "activas_vs_vinculadas"),
            ("empresas_activas", "90", "tamanos_suman_vinculadas"),
            ("empresas_micro", "40", None),
        ],
    ),
    "beneficiaries, fix the total": (
        {"empresas_micro": ND},
        [
            ("empresas_beneficiarias", "190", "beneficiarias_vs_vinculadas"),
            ("empresas_vinculadas", "190", None),
        ],
    ),
    "beneficiaries, fix the part": (
        {"empresas_micro": ND, "empresas_activas": 50},
        [
            ("empresas_vinculadas", "55", "beneficiarias_vs_vinculadas"),
            ("empresas_beneficiarias", "40", None),
        ],
    ),
}  # fmt: skip


def test_the_fix_cases_cover_every_hard_rule():
    hard = {r.id for r in QUESTIONNAIRE.consistency if not r.soft}
    refused = {rule for _, steps in FIX_CASES.values() for _, _, rule in steps if rule}
    assert refused == hard


@pytest.mark.parametrize("case", FIX_CASES)
async def test_a_correction_sticks_whichever_side_is_fixed(world, case):
    base, steps = FIX_CASES[case]
    answers = {**CONSOLIDADO, **base}
    ana = await world.registered()  # the answers stored as a walk would leave them (cheaper)
    await world.storage.save_answers((await ana.response()).response_id, answers)
    assert is_review((await ana.press(cb.ReviewShow()))[-1])
    first = steps[0][0]
    await ana.press(cb.ReviewQuestion(first))
    expected = dict(answers)
    current = first
    for qid, typed, refused in steps:
        expected[qid] = ENGINE.read(QUESTIONNAIRE.question(qid), typed)
        if qid != first:
            *_, fix = await ana.press(cb.Fix(current, qid))
            assert question_of(fix) == qid
        out = await ana.type(typed)
        current = qid
        if refused:
            (refusal,) = out
            rule = next(r for r in QUESTIONNAIRE.consistency if r.id == refused)
            assert refusal.text.startswith(rule.message.split("{")[0]), refusal.text
            # Every number typed so far is on the screen, pending: nothing is lost.
            for held, v in expected.items():
                if v != answers.get(held) and held in rule.question_ids:
                    shown = ENGINE.display(QUESTIONNAIRE.question(held), v)
                    assert f"<b>{shown}</b> (nuevo, aún sin guardar)" in refusal.text
            assert await ana.stored() == answers
        else:
            assert is_review(out[-1]), out
    assert await ana.stored() == expected


async def test_active_firms_over_linked_firms_are_refused(world):
    ana = await walked(world, stop_before="empresas_activas")
    (refusal,) = await ana.type("500")
    assert "activas (500)" in refusal.text and "vinculadas (180)" in refusal.text
    assert callbacks(refusal) == [cb.Fix("empresas_activas", "empresas_vinculadas")]
    # A fix button naming a question outside the rule is forged: refused, nothing moves.
    assert await ana.press(cb.Fix("empresas_activas", "enfoque_segmentos")) == [
        Toast(texts.STALE_BUTTON)
    ]
    assert ana.current == "empresas_activas"


# -- confirmations -------------------------------------------------------------------------


async def test_an_ambiguous_number_is_confirmed_not_guessed(world):
    ana = await walked(world, stop_before="ventas_anio_actual")
    (ask,) = await ana.type("1.234 millones")
    assert ask.text == texts.AMBIGUOUS.format(
        text="1.234 millones", options="<b>1.234.000.000</b> o <b>1.234.000</b>"
    )
    assert callbacks(ask) == [
        cb.Confirm("ventas_anio_actual", "0"),
        cb.Confirm("ventas_anio_actual", "1"),
    ]
    assert "ventas_anio_actual" not in await ana.stored()
    assert await ana.press(cb.Confirm("ventas_anio_actual", "2")) == [Toast(texts.STALE_BUTTON)]
    out = await ana.press(cb.Confirm("ventas_anio_actual", "0"))
    assert question_of(out[-1]) == "ventas_anio_anterior"
    assert (await ana.stored())["ventas_anio_actual"] == 1_234_000_000
    # The reading was used up: the same press again is stale.
    assert await ana.press(cb.Confirm("ventas_anio_actual", "0")) == [Toast(texts.STALE_BUTTON)]


async def test_a_large_change_is_asked_once_per_rule_and_values(world):
    answers = {**CONSOLIDADO, "empleo_anio_actual": 9000}
    ana = await walked(world, answers, stop_before="empleo_anio_anterior")
    (ask,) = await ana.type("3600")
    assert "150%" in ask.text and "¿Está seguro?" in ask.text
    assert [(b.label, b.callback) for b in buttons(ask)] == [
        (texts.BTN_CONFIRM, cb.Confirm("empleo_anio_anterior", "ok")),
        (texts.BTN_CORRECT, cb.Fix("empleo_anio_anterior", "empleo_anio_anterior")),
    ]
    assert "empleo_anio_anterior" not in await ana.stored()
    _, again = await ana.press(cb.Fix("empleo_anio_anterior", "empleo_anio_anterior"))
    assert question_of(again) == "empleo_anio_anterior"
    await ana.type("3600")
    *_, review = await ana.press(cb.Confirm("empleo_anio_anterior", "ok"))
    assert is_review(review)
    assert (await ana.stored())["empleo_anio_anterior"] == 3600
    # Passing the other year with «Mantener»: confirmed once, not asked again.
    await ana.press(cb.ReviewQuestion("empleo_anio_actual"))
    out = await ana.press(cb.Keep("empleo_anio_actual"))
    assert is_review(out[-1]) and "¿Está seguro?" not in "".join(
        a.text or "" for a in out if isinstance(a, Send | Edit)
    )
    # New figures are asked about again.
    await ana.press(cb.ReviewQuestion("empleo_anio_anterior"))
    (ask,) = await ana.type("3000")
    assert "200%" in ask.text


async def test_a_dropped_zeros_typo_is_caught_and_every_figure_echoed(world):
    answers = {
        **CONSOLIDADO,
        "empresas_vinculadas": 80,
        "empresas_activas": 54,
        "empresas_beneficiarias": 30,
        "actores_empresas": 10,
        "empresas_micro": ND,
    }
    ana = await walked(world, answers, stop_before="ventas_anio_actual")
    (ask,) = await ana.type("457.000")  # 457 thousand pesos for 80 firms
    assert "$5.713 por empresa vinculada" in ask.text and "¿Está seguro?" in ask.text
    await ana.press(cb.Fix("ventas_anio_actual", "ventas_anio_actual"))
    out = await ana.type("457.000.000.000")
    assert question_of(out[-1]) == "ventas_anio_anterior"
    out = await ana.type("$412.500 millones")  # read, not called ambiguous
    assert question_of(out[-1]) == "ventas_pct_local"
    assert (await ana.stored())["ventas_anio_anterior"] == 412_500_000_000
    # A fall below -50 % is asked about too (before, it never was).
    await ana.press(cb.ReviewShow())
    await ana.press(cb.ReviewQuestion("ventas_anio_anterior"))
    (ask,) = await ana.type("1.000.000.000.000")
    assert "un cambio de -54%" in ask.text


# -- stale and forged presses --------------------------------------------------------------


async def test_presses_on_an_old_keyboard_change_nothing(world):
    ana = await world.registered()
    await ana.answer("validados")
    stored = await ana.stored()
    stale = [
        cb.Choose("enfoque_segmentos", "no_definidos"),  # the first question's keyboard
        cb.Choose("gerente_dedicacion", "tiempo_completo"),  # a question not yet on screen
        cb.NotAvailable("enfoque_segmentos"),
        cb.Toggle("enfoque_segmentos", "validados"),
        cb.Done("enfoque_segmentos"),
        cb.Confirm("inteligencia_actividades", "0"),  # nothing to confirm
        cb.Keep("inteligencia_actividades"),  # nothing to keep
        cb.Choose("inteligencia_actividades", "vigilancia"),  # a multi takes ticks, not a choice
        cb.NotAvailable("inteligencia_actividades"),  # «No disponible» is not offered here
    ]
    for press in stale:
        assert await ana.press(press) == [Toast(texts.STALE_BUTTON)], press
    assert await ana.stored() == stored
    assert ana.current == "inteligencia_actividades"


@pytest.mark.parametrize(
    "data",
    ["", "zz:💥", "c:", "c:enfoque_segmentos", "c::x", "w", "adm:erase:x", "r:area:", "y:q:1:2"],
)
async def test_forged_callback_data_is_refused(world, data):
    ana = await world.registered()
    before = await ana.stored()
    out = await ana.press(data)
    assert out[0] == Toast(texts.STALE_BUTTON)
    assert await ana.stored() == before


async def test_a_press_of_an_unknown_choice_or_area_is_stale(world):
    ana = await world.registered()
    assert await ana.press(cb.Choose("enfoque_segmentos", "inventada")) == [
        Toast(texts.STALE_BUTTON)
    ]
    assert await ana.press(cb.Why("inventada")) == [Toast(texts.STALE_BUTTON)]
    assert await ana.press(cb.Snooze("1999")) == [Toast(texts.STALE_BUTTON)]
    assert await ana.stored() == {}


# -- pause, resume, campaign dates ---------------------------------------------------------


async def test_pause_keeps_everything_and_resume_comes_back_to_the_same_question(world):
    ana = await walked(world, stop_before="ventas_anio_actual")
    await ana.type("1.234 millones")  # an unconfirmed reading, dropped by the pause
    assert await world.survey.pause(ana.user_id) == [Send(texts.PAUSED.format(left=7))]
    assert await ana.press(cb.Confirm("ventas_anio_actual", "0")) == [Toast(texts.STALE_BUTTON)]
    welcome, question = await world.survey.resume(ana.user_id, greeting=True)
    assert welcome.text.startswith("Hola de nuevo, Ana.")
    assert "le faltan <b>7 de 41 preguntas</b>, unos 2 minutos" in welcome.text
    assert question_of(question) == "ventas_anio_actual"
    assert (await world.survey.start(ana.user_id, ana.user_id, "Ana", None))[1] == question


async def test_the_campaign_not_open_yet_or_closed_stops_the_conversation(world):
    ana = await world.registered()
    early = world.survey_at(NOW - timedelta(days=2))
    assert await early.text(ana.user_id, ana.user_id, "Ana", "validados") == [
        Send(texts.CAMPAIGN_NOT_OPEN.format(date="lunes 14 de marzo de 2022, 09:00"))
    ]
    late = world.survey_at(NOW + timedelta(days=31))
    assert await late.text(ana.user_id, ana.user_id, "Ana", "validados") == [
        Send(stexts.CLOSED_UNSENT.format(campaign="2021"))  # their draft was never sent
    ]
    assert await ana.stored() == {}


async def test_reminder_buttons_snooze_and_stop(world):
    ana = await world.registered()
    cleared, said = await ana.press(cb.Snooze("2021"))
    assert cleared == Edit(None, ())
    assert said.text.startswith(rtexts.SNOOZED.split("{")[0])
    assert await ana.press(cb.StopReminders("2021")) == [Edit(None, ()), Send(rtexts.STOPPED)]


async def test_my_data_and_the_erasure_request(world):
    ana = await world.registered()
    (summary,) = await world.survey.my_data(ana.user_id)
    assert DEMO_CLUSTER.nombre in summary.text and callbacks(summary) == [cb.EraseMine()]
    cleared, requested = await ana.press(cb.EraseMine())
    assert cleared == Edit(None, ())
    assert requested.text == ptexts.REQUESTED.format(id=1)
    (summary,) = await world.survey.my_data(ana.user_id)
    assert summary.buttons == () and ptexts.PENDING.format(id=1) in summary.text
    assert await world.survey.my_data(5555) == [Send(ptexts.NONE)]


# -- submit and result ---------------------------------------------------------------------


async def test_send_gives_the_result_photo_its_caption_and_the_why_buttons(world):
    ana = await walked(world)
    cleared, photo, advice = await ana.press(cb.ReviewSend())
    assert cleared == Edit(None, ())
    assert isinstance(photo, Photo)
    assert "IMS): <b>88,9</b> · Nivel: <b>Consolidado</b>" in photo.caption
    assert "• Gobernanza: 94,4 (Sólido)" in photo.caption
    jpeg = await photo.draw()
    assert jpeg[:3] == b"\xff\xd8\xff"
    assert isinstance(advice, Send) and texts.RESULT_WHY_PROMPT in advice.text
    assert callbacks(advice) == [cb.Why(a.id) for a in QUESTIONNAIRE.areas]
    assert [len(row) for row in advice.buttons] == [2, 2, 2, 2]
    assert "¿Por qué? Gobernanza" in labels(advice)

    (why,) = await ana.press(cb.Why("gobernanza"))
    assert "Instancias de gobernanza: 100" in why.text
    assert "Reuniones de la instancia ejecutiva: 10" in why.text

    # Submitted: typing and question presses are told so; /resultado shows it again.
    assert await ana.type("hola") == [Send(texts.ALREADY_SUBMITTED)]
    assert await ana.press(cb.Choose("enfoque_segmentos", "validados")) == [
        Toast(texts.ALREADY_SUBMITTED_SHORT)
    ]
    again, advice_again = await world.survey.latest_result(ana.user_id)
    assert isinstance(again, Photo) and again.caption == photo.caption
    assert advice_again == advice


async def test_reopen_edit_and_resubmit_keeps_every_result(world):
    ana = await walked(world)
    assert await world.survey.latest_result(ana.user_id) == [Send(texts.NO_RESULT_YET)]
    await ana.press(cb.ReviewSend())
    sent = await Flows(world.survey).review(ana.user_id)
    assert callbacks(sent[-1]) == [cb.Correct()]  # read-only, and an explicit «Corregir»
    assert "Gerente con al menos medio tiempo" not in sent[-1].text
    _, reopened, review = await ana.press(cb.Correct())
    assert reopened.text.startswith("Puede corregir sus respuestas") and is_review(review)
    await ana.press(cb.ReviewQuestion("gerente_dedicacion"))
    await ana.answer("menos_medio")
    _, photo, _ = await ana.press(cb.ReviewSend())
    assert "Nivel: <b>Intermedio</b>" in photo.caption
    assert "Gerente con al menos medio tiempo" in photo.caption
    assert await world.storage.results_count((await ana.response()).response_id) == 2


async def test_the_other_cluster_is_untouched_by_a_full_walk(world):
    ana = await walked(world)
    await ana.press(cb.ReviewSend())
    luis = world.phone(2002, OTHER_CLUSTER.cluster_id, "Luis")
    await luis.register(world.seeded.tokens[OTHER_CLUSTER.cluster_id])
    assert await luis.stored() == {} and luis.current == "enfoque_segmentos"
    assert await luis.press(cb.ReviewSend()) == [
        Toast(texts.REVIEW_MISSING_SHORT.format(n=38)),  # the team question waits on the manager
        luis.screen,
    ]
