"""Why a service refused a request: a code and its parameters, worded by ``bot.texts.admin``."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be done.

    ``code`` says why (a key of ``bot.texts.admin.ERRORS``) and ``params`` fill its text; the
    CLI and the Telegram handlers word it with ``bot.texts.admin.error``.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code
