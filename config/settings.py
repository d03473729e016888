"""Runtime settings, read from ``SSME_*`` environment variables and an optional ``.env`` file.

A bad value is one Spanish line naming its variable (pydantic's own words are translated by
:mod:`config.messages`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config.messages import spanish
from config.reminders import ReminderPolicy, known_timezone

ENV_PREFIX = "SSME_"
_LOCAL = frozenset({"127.0.0.1", "localhost", "::1"})


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    telegram_token: SecretStr | None = None
    # Base address of a Bot API server; the bot appends /bot<token>/<method> as Telegram does.
    telegram_api_url: str = "https://api.telegram.org"
    # Used to print invitation deep links (https://t.me/<bot_username>?start=<code>).
    bot_username: str | None = None
    # Where a person writes about their personal data (Ley 1581 de 2012): shown in the data
    # notice, e.g. "datos@redclustercolombia.gov.co". Empty: the notice names the bot's commands.
    privacy_contact: str = Field(default="", max_length=200)
    # Messages per second the bot allows itself overall (Telegram's ~30); 0 turns the overall
    # limit off, e.g. against a local Bot API server or in benchmarks of the bot itself.
    telegram_rate_limit: float = Field(default=30, ge=0)
    db_path: Path = Path("data/ssme.db")
    timezone: str = "America/Bogota"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    questionnaire_path: Path | None = None
    # Webhook mode is used when a public HTTPS URL is given; long polling otherwise.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # Seconds ``ssme run`` keeps retrying an unreachable Bot API (or one answering 5xx) at start
    # before it gives up with a non-zero exit, so a supervisor restarts it or alerts.
    startup_timeout: float = Field(default=300, gt=0)
    chart_workers: int = Field(default=2, ge=0, le=16)
    # per_user: managers served concurrently, each one's updates in order. sequential: PTB's
    # default one-update-at-a-time, kept as the benchmark baseline.
    update_processing: Literal["per_user", "sequential"] = "per_user"
    log_level: str = "INFO"
    # The reminder policy, e.g. SSME_REMINDERS__MAX_PER_CAMPAIGN=2 or
    # SSME_REMINDERS__WINDOW_START=09:00 (config/reminders.py; the rules: bot/reminders/policy.py).
    reminders: ReminderPolicy = ReminderPolicy()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            for part in parts:
                if not part.lstrip("-").isdigit():
                    raise ValueError(
                        f"{part!r} no es un id de usuario de Telegram (números enteros "
                        "separados por comas)"
                    )
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "debe empezar por http:// o https://, por ejemplo http://127.0.0.1:8081"
            )
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str | None) -> str | None:
        # Telegram posts updates to https:// only; plain http is for a Bot API server on this
        # machine (the local stand-in of the tests and the demo).
        if value and not value.startswith("https://") and urlsplit(value).hostname not in _LOCAL:
            raise ValueError(
                "debe empezar por https:// (Telegram no acepta http sin cifrar), "
                "por ejemplo https://bot.example.org"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("debe ser uno de DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value.upper()

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "el modo webhook necesita SSME_WEBHOOK_SECRET, para que solo Telegram pueda "
                "enviar actualizaciones"
            )
        return self

    @property
    def webhook_secret_value(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_token(self) -> str:
        if self.telegram_token is None or not self.telegram_token.get_secret_value().strip():
            raise SettingsError(
                f"falta {ENV_PREFIX}TELEGRAM_TOKEN: ponga el token que le dio BotFather en el "
                "entorno o en .env (o use `ssme demo`, que no lo necesita)"
            )
        return self.telegram_token.get_secret_value().strip()


def load_settings(**overrides: object) -> Settings:
    """Read the settings; any invalid value becomes one SettingsError line (Spanish) naming its
    variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            message = spanish(err)
            field = "__".join(str(p) for p in err["loc"])
            lines.append(f"{ENV_PREFIX}{field.upper()}: {message}" if field else message)
        raise SettingsError("; ".join(lines)) from None
