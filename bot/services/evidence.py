"""Evidence files: checked, kept once by their SHA-256 under the data folder, read back.

A file is accepted when it is no larger than Telegram lets a bot download (20 MB) and is a
PDF, DOCX, XLSX, JPG or PNG by its content (its first bytes; a DOCX or XLSX is a zip holding
its main part), whatever its name says. The bytes are written to
``<folder of the database>/evidencias/<sha256>`` (a temporary name, fsync, then an atomic
rename), then recorded (``Storage.add_evidence``): a crash in between leaves at most a file no
record names, never a record without its file. The same file sent twice is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import zipfile
from pathlib import Path

from bot.services.backup import EVIDENCE
from bot.services.errors import ServiceError
from bot.storage import Evidence, Storage

MAX_BYTES = 20 * 1024 * 1024  # Telegram's limit for a bot's downloads (getFile)
FOLDER = EVIDENCE  # beside the database; a backup copies it (bot.services.backup)
PDF, DOCX, XLSX = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
JPEG, PNG = "image/jpeg", "image/png"
NAME_MAX = 120


def folder(storage: Storage) -> Path:
    """``evidencias/`` beside the database file."""
    if storage.path is None:
        raise ServiceError("evidence_no_folder")
    return storage.path.parent / FOLDER


def kind_of(data: bytes) -> str | None:
    """The accepted type the bytes are, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def _safe_name(name: str) -> str:
    kept = "".join(c for c in name if c.isprintable() and c not in "/\\\x00").strip()
    return (kept or "archivo")[:NAME_MAX]


def _write(path: Path, data: bytes) -> None:
    if path.exists():
        return  # the same bytes are there already
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def check(data: bytes) -> str:
    """The file's type, or refused with the reason (too large, or not an accepted type)."""
    if len(data) > MAX_BYTES:
        raise ServiceError("evidence_too_big", max=MAX_BYTES // (1024 * 1024))
    mime = kind_of(data)
    if mime is None:
        raise ServiceError("evidence_type")
    return mime


async def keep(
    storage: Storage,
    response_id: int,
    cluster_id: str,
    question_id: str,
    name: str,
    data: bytes,
    user_id: int,
) -> Evidence:
    mime = await asyncio.to_thread(check, data)
    digest = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
    await asyncio.to_thread(_write, folder(storage) / digest, data)
    return await storage.add_evidence(
        response_id, cluster_id, question_id, digest, _safe_name(name), mime, len(data), user_id
    )


def read(storage: Storage, evidence: Evidence) -> bytes:
    return (folder(storage) / evidence.sha256).read_bytes()


async def forget_unused(storage: Storage) -> int:
    """Delete the files no record names any more (after an erasure); how many went."""
    if storage.path is None:
        return 0
    used = await storage.evidence_hashes()
    gone = 0
    base = folder(storage)
    if not base.is_dir():
        return 0
    for path in base.iterdir():
        if path.is_file() and path.name not in used and not path.name.endswith(".partial"):
            path.unlink()
            gone += 1
    return gone
