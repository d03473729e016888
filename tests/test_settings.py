"""Settings: environment variables with the SSME_ prefix, one clear line per bad value."""

from __future__ import annotations

import logging

import pytest

from bot.logs import setup_logging
from config import SettingsError, load_settings
from tests.imports import loaded_by


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key in list(__import__("os").environ):
        if key.startswith("SSME_"):
            monkeypatch.delenv(key)


def test_defaults():
    s = load_settings()
    assert s.timezone == "America/Bogota"
    assert str(s.db_path) == "data/ssme.db"
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.admin_ids == frozenset()


def test_values_from_environment_and_dotenv(monkeypatch, tmp_path):
    monkeypatch.setenv("SSME_ADMIN_IDS", "11, 22,33")
    (tmp_path / ".env").write_text(
        "SSME_TELEGRAM_API_URL=http://127.0.0.1:8081/\n", encoding="utf-8"
    )
    s = load_settings()
    assert s.admin_ids == {11, 22, 33}
    assert s.telegram_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("var", "value", "words"),
    [
        ("SSME_ADMIN_IDS", "11,ana", "'ana' no es un id de usuario de Telegram"),
        ("SSME_TIMEZONE", "Bogota", "zona horaria desconocida"),
        ("SSME_TELEGRAM_API_URL", "127.0.0.1:8081", "http://"),
        ("SSME_WEBHOOK_PORT", "99999", "65535"),
        ("SSME_CHART_WORKERS", "muchos", "número entero"),
        ("SSME_REMINDERS__NO_EXISTE", "1", "no es un ajuste conocido"),
        ("SSME_WEBHOOK_PORT", "0", "mayor o igual a 1"),
        ("SSME_UPDATE_PROCESSING", "parallel", "per_user"),
        ("SSME_LOG_LEVEL", "LOUD", "DEBUG"),
    ],
)
def test_bad_values_name_the_variable_on_one_line(monkeypatch, var, value, words):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{var}:") and words in message and "\n" not in message


def test_missing_token_is_explained():
    with pytest.raises(SettingsError) as info:
        load_settings().require_token()
    assert "SSME_TELEGRAM_TOKEN" in str(info.value) and "ssme demo" in str(info.value)


@pytest.fixture
def root_logger():
    """Give the root logger back as it was: its handler writes to this test's captured stderr."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_the_token_is_redacted_from_every_log_line(capsys, root_logger):
    token = "123456:AAE-secret"
    setup_logging("DEBUG", token)
    logging.getLogger("telegram.ext").info("POST https://api.telegram.org/bot%s/getUpdates", token)
    logging.getLogger("httpx").info("HTTP Request: POST .../bot%s/sendMessage", token)
    err = capsys.readouterr().err
    assert token not in err and "<token>" in err
    assert "sendMessage" not in err, "httpx request lines are not logged at all"
    logging.getLogger("aiosqlite").debug("executing %s", "INSERT ... ('Ana', 'ana@x.co')")
    assert "ana@x.co" not in capsys.readouterr().err, "no SQL parameters in the log"


def test_secrets_are_redacted_from_tracebacks_and_exception_messages(capsys, root_logger):
    token, secret = "123456:AAE-secret-half", "webhook-s3cret"
    setup_logging("INFO", token, secret)
    try:
        raise RuntimeError(f"The token `{token}` was rejected; secret {secret}")
    except RuntimeError:
        logging.getLogger("telegram.ext").exception("failed for %s", "bot123456%3AAAE-secret-half")
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError" in err
    assert token not in err and "AAE-secret-half" not in err and secret not in err


def test_a_webhook_url_must_be_https_except_on_this_machine():
    with pytest.raises(SettingsError, match="SSME_WEBHOOK_URL"):
        load_settings(webhook_url="http://bot.example.org", webhook_secret="s")
    assert load_settings(webhook_url="https://bot.example.org", webhook_secret="s").webhook_url
    assert load_settings(webhook_url="http://127.0.0.1:8443", webhook_secret="s").webhook_url


def test_the_reminder_policy_comes_from_ssme_reminders_variables(monkeypatch):
    from datetime import time, timedelta

    monkeypatch.setenv("SSME_REMINDERS__MAX_PER_CAMPAIGN", "2")
    monkeypatch.setenv("SSME_REMINDERS__WINDOW_START", "09:00")
    monkeypatch.setenv("SSME_REMINDERS__MIN_GAP", "1d12h")
    monkeypatch.setenv("SSME_REMINDERS__WEEKDAYS_ONLY", "false")
    policy = load_settings().reminders
    assert policy.max_per_campaign == 2 and policy.window_start == time(9, 0)
    assert policy.min_gap == timedelta(days=1, hours=12) and not policy.weekdays_only
    monkeypatch.setenv("SSME_REMINDERS__WINDOW_START", "19:00")
    with pytest.raises(SettingsError, match="SSME_REMINDERS: window_start"):
        load_settings()


@pytest.mark.e2e  # a fresh interpreter: a process of its own
def test_config_imports_nothing_from_bot():
    assert loaded_by(["config"], ("bot", "bot.")) == []
