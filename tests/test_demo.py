"""``ssme demo``: scripted sessions on both sides, through the CLI's main (the real Application
against the local Bot API server) and as a process, as the README runs it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.cli import main
from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.parsing import format_number

EXAMPLES = Path(__file__).resolve().parent.parent / "bot" / "examples"
YEAR = datetime.now(ZoneInfo("America/Bogota")).year  # the demo's campaign is this year's
# What must never reach the terminal: a log record (``event=…``, a level name, a traceback).
LOG_LINE = re.compile(r"event=|\b(INFO|WARNING|ERROR|CRITICAL)\b|Traceback")
SAVED = re.compile(r"\[(?:🖼️ foto|📎 documento) guardad[ao] en (\S+)\]")


def _typed_answers(year: int) -> list[str]:
    """The consolidated example cluster's answers as a person types them (an option by its
    number, several separated by commas), after accepting the data notice (#1)."""
    q = load_questionnaire()
    answers = yaml.safe_load((EXAMPLES / "consolidado.yaml").read_text(encoding="utf-8"))
    answers["estrategia_anio_actualizacion"] = year - 1
    lines = ["#1"]
    for question in q.questions:
        value = answers.get(question.id)
        ids = [c.id for c in question.choices or []]
        if value is None:
            continue
        if question.type == "single":
            lines.append(str(ids.index(value) + 1))
        elif question.type == "multi":
            lines.append(", ".join(str(ids.index(v) + 1) for v in value))
        elif question.type == "yesno":
            lines.append("sí" if value else "no")
        elif question.type == "money":
            lines.append(format_number(value))
        elif question.type == "percent":
            lines.append(f"{value}%")
        else:
            lines.append(str(value))
    return lines


def _demo(tmp_path: Path, capsys, lines: list[str], *options: str) -> str:
    script = tmp_path / "guion.txt"
    script.write_text("\n".join([*lines, "/salir"]) + "\n", encoding="utf-8")
    args = ["demo", "--dir", str(tmp_path / "demo"), "--script", str(script), *options]
    with ThreadPoolExecutor(1) as pool:
        # Only a guard against hanging the suite on a regression: the demo takes seconds.
        code = pool.submit(main, args).result(timeout=300)
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def _saved(out: str) -> list[Path]:
    return [Path(p) for p in SAVED.findall(out)]


def _no_log_lines(out: str) -> None:
    leaked = [line for line in out.splitlines() if LOG_LINE.search(line)]
    assert not leaked, leaked
    assert not re.search(r"^🤖 *$", out, re.MULTILINE), "a message shown as an empty line"


@pytest.mark.e2e
def test_the_manager_finishes_and_gets_the_photo_and_the_report_card(tmp_path, capsys):
    out = _demo(tmp_path, capsys, ["/ayuda", *_typed_answers(YEAR)])
    assert "Red de demostración creada" in out and f"medición {YEAR}" in out.lower()
    assert "Lado de la gestora" in out and "Lado de la Red" in out, "/ayuda says what to try"
    send = re.findall(r"\[#(\d+)\] Enviar", out)
    assert send, "the review with its «Enviar» came last"
    # A second run picks up at the review; «Enviar», then the photo's «Descargar informe (PDF)».
    out = _demo(tmp_path, capsys, [f"#{send[-1]}", "#1", "/resultado"])
    assert "ya respondió las 41 preguntas" in out
    assert "[#1] Descargar informe (PDF)" in out and "Nivel: Consolidado" in out
    folder = tmp_path / "demo" / "archivos"
    assert _saved(out) == [
        folder / "resultado_cafe_huila_1.jpg",
        folder / f"informe_cafe_huila_{YEAR}.pdf",
        folder / "resultado_cafe_huila_2.jpg",  # /resultado again: a new file, not over it
    ]
    photo, card, _ = _saved(out)
    assert photo.read_bytes()[:2] == b"\xff\xd8" and card.read_bytes()[:4] == b"%PDF"
    assert (
        f"Informe de resultados de Clúster de Cafés Especiales del Huila · Medición {YEAR}" in out
    )
    _no_log_lines(out)
    assert "event=started" in (tmp_path / "demo" / "demo.log").read_text(encoding="utf-8")


ADMIN_SCRIPT = ["/resumen", "/exportar", "/exportar csv", "/participacion", "/revision"]


@pytest.mark.e2e
def test_the_admin_side_documents_participation_queue_and_nothing_overwritten(tmp_path, capsys):
    out = _demo(tmp_path, capsys, ADMIN_SCRIPT, "--admin")
    assert "Ahora es Marta, analista de la Red" in out and "Lado de la Red" in out
    folder = tmp_path / "demo" / "archivos"
    first = _saved(out)
    assert first == [
        folder / f"resumen_ssme_{YEAR}.pdf",
        folder / f"ssme_{YEAR}.xlsx",
        folder / f"ssme_{YEAR}.zip",
    ], out
    assert first[0].read_bytes()[:4] == b"%PDF" and first[1].read_bytes()[:2] == b"PK"
    assert f"Resumen ejecutivo SSME · Medición {YEAR}" in out  # the document's caption
    assert f"Participación — medición {YEAR}" in out and "Clústeres activos: 57" in out
    assert re.search(rf"Revisión — medición {YEAR}: \d+ por revisar \([3-9] con alertas\)", out)
    assert "⚠️" in out
    _no_log_lines(out)
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in first}
    # A second run: the same documents again, under new names; the first ones untouched.
    out = _demo(tmp_path, capsys, ADMIN_SCRIPT[:2], "--admin")
    assert "Red de demostración creada" not in out, "the network is seeded once"
    assert _saved(out) == [folder / f"resumen_ssme_{YEAR}_2.pdf", folder / f"ssme_{YEAR}_2.xlsx"]
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in first} == digests
    _no_log_lines(out)


@pytest.mark.e2e
def test_rol_switches_sides_and_a_refusal_is_logged_not_shown(tmp_path, capsys):
    out = _demo(tmp_path, capsys, _typed_answers(YEAR))
    send = "#" + re.findall(r"\[#(\d+)\] Enviar", out)[-1]
    ask = "/pedir_ajuste cafe_huila empresas_activas | Revise con el acta"
    lines = ["/resumen", send, "/rol", "/cluster cafe_huila", ask, "/rol"]
    out = _demo(tmp_path, capsys, lines)
    manager, admin, back = out.split("── Ahora es")[1:4]
    assert "No conozco ese comando" in manager, "the manager is not an admin"
    assert "Nivel: Consolidado" in manager
    assert "Clúster de Cafés Especiales del Huila · cafe_huila" in admin
    assert "Medición anterior" in admin
    folder = tmp_path / "demo" / "archivos"
    assert _saved(admin) == [folder / "radar_cafe_huila_1.jpg"], "the desk's radar, named"
    # The analyst's request reached Ana's chat: said on the admin's side, shown on hers.
    assert "📨 Ana tiene 1 mensaje(s) nuevo(s)" in admin
    assert "Revise con el acta" in back
    _no_log_lines(out)
    log = (tmp_path / "demo" / "demo.log").read_text(encoding="utf-8")
    assert "event=admin_denied user=1001" in log


@pytest.mark.e2e
def test_reset_starts_over(tmp_path, capsys):
    _demo(tmp_path, capsys, ["/resumen"], "--admin")
    assert (tmp_path / "demo" / "archivos" / f"resumen_ssme_{YEAR}.pdf").exists()
    out = _demo(tmp_path, capsys, [], "--reset")
    assert "Se borró la demo anterior" in out and "Red de demostración creada" in out
    assert not (tmp_path / "demo" / "archivos").exists()
    assert "Listo: quedó registrado como gestor" in out, "Ana registers again"


@pytest.mark.e2e
def test_a_press_answered_only_with_a_pop_up_does_not_wait_for_a_reply(
    tmp_path, capsys, monkeypatch
):
    import bot.demo.session

    # «Listo» with nothing marked is answered with a pop-up only: the turn ends on it.
    monkeypatch.setattr(bot.demo.session, "REPLY_TIMEOUT", 3600.0)
    out = _demo(tmp_path, capsys, ["#1", "#4", "#8", "/ayuda", "#99"])
    assert "✔️ Definidos y validados con las empresas" in out
    assert "(Marque al menos una opción antes de pulsar «Listo».)" in out
    assert out.index("«Listo».)") < out.index("Cómo funciona"), "the next turn came after it"
    assert "No hay un botón con ese número" in out


@pytest.mark.e2e
def test_the_readme_command_runs_the_demo_as_a_process(tmp_path):
    """`ssme demo` as the README's first command runs it: a process, its input piped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSME_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input="/ayuda\n/rol\n/revision\n/salir\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Lado de la Red" in done.stdout and "por revisar" in done.stdout
    assert done.stderr == "", "nothing on the terminal but the chat"
    _no_log_lines(done.stdout)
    assert (tmp_path / "demo" / "demo.db").exists() and (tmp_path / "demo" / "demo.log").exists()


def test_reset_never_deletes_a_database_the_demo_did_not_make(tmp_path, capsys):
    real = tmp_path / "data" / "ssme.db"
    real.parent.mkdir()
    real.write_bytes(b"the network's real answers")
    assert main(["demo", "--db", str(real), "--reset"]) == 2
    assert "no es una base de datos de la demo" in capsys.readouterr().err
    assert real.read_bytes() == b"the network's real answers"


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="a terminal of its own needs a POSIX pty")
def test_ctrl_c_in_the_terminal_ends_the_demo(tmp_path):
    """Typed at a terminal (not a script), Ctrl-C ends the demo: the bot stopped, exit 130."""
    import pty
    import select
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("SSME_")}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the demo, its terminal the pty
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "bot.cli", "demo", "--admin"], env)
    seen = b""
    try:
        while b"\xf0\x9f\x91\xa4 " not in seen:  # the prompt 👤: the demo waits for a line
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, seen.decode(errors="replace")
            seen += os.read(fd, 65536)
        os.write(fd, b"\x03")
        for _ in range(600):  # a guard only (a minute): it ends in a second or two
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.1)
            with contextlib.suppress(OSError):  # the terminal's output, or closed already
                if select.select([fd], [], [], 0)[0]:
                    seen += os.read(fd, 65536)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError("the demo kept running after Ctrl-C")
    finally:
        os.close(fd)
    assert os.WEXITSTATUS(status) == 130
    assert "event=stopped" in (tmp_path / "demo" / "demo.log").read_text(encoding="utf-8")
