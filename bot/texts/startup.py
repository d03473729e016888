"""What ``ssme run`` tells the operator when it cannot start: one line, naming the setting."""

from __future__ import annotations

DB_UNUSABLE = (
    "no se puede abrir la base de datos {path} (SSME_DB_PATH): {error}. "
    "Revise la ruta, los permisos y que el archivo sea una base SQLite del bot "
    "(`ssme check` la revisa; `ssme restore` recupera una copia)."
)
DB_IN_USE = (
    "la base de datos {path} (SSME_DB_PATH) ya está en uso por otro `ssme run` (proceso {pid}). "
    "Detenga ese proceso o use otra base de datos."
)
TOKEN_REJECTED = (
    "Telegram rechazó el token (SSME_TELEGRAM_TOKEN): revíselo en @BotFather "
    "(¿fue revocado o está incompleto?)."
)
API_UNREACHABLE = (
    "no se pudo contactar la API de Telegram en {url} (SSME_TELEGRAM_API_URL) durante {seconds} s "
    "(SSME_STARTUP_TIMEOUT): {error}. Revise la conexión a internet o la dirección."
)
WEBHOOK_REFUSED = (
    "Telegram rechazó el webhook {url} (SSME_WEBHOOK_URL, SSME_WEBHOOK_SECRET): {error}. "
    "La dirección debe ser https:// pública y el secreto de 1 a 256 caracteres A-Z, a-z, 0-9, _ o -."
)
API_REFUSED = (
    "la API de Telegram en {url} (SSME_TELEGRAM_API_URL) rechazó {method} con este token "
    "(SSME_TELEGRAM_TOKEN): {error}. Revise ambos ajustes."
)
