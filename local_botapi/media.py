"""Files: uploads the bot sends, files users send, ``getFile`` and downloads, image sizes."""

from __future__ import annotations

import mimetypes
import struct
import zlib
from typing import Any
from urllib.parse import unquote

from tornado import httputil

from local_botapi.state import ServerState, StoredFile
from local_botapi.transport import ApiError, reply, reply_json


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP, read from its header; None otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(
                data[27:30], "little"
            )
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker == 0xFF:
                index += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                index += 2
                continue
            (segment_length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + segment_length
    return None


def _make_png(width: int, height: int) -> bytes:
    """A valid grayscale PNG (used for injected user photos/stickers)."""

    def chunk(tag: bytes, payload: bytes) -> bytes:
        checksum = zlib.crc32(tag + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", checksum)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


TINY_PNG = _make_png(4, 4)


def media_fields(kind: str, stored: StoredFile) -> dict[str, Any]:
    if kind == "photo":
        return {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": stored.width or 0,
                    "height": stored.height or 0,
                    "file_size": stored.size,
                }
            ]
        }
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
    }
    if stored.size_known:
        document["file_size"] = stored.size
    if stored.filename:
        document["file_name"] = stored.filename
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return {"document": document}


class Files(ServerState):
    """Stored files: uploads, file ids, ``getFile`` and the ``/file/`` downloads."""

    def _input_file_locked(
        self, kind: str, params: dict[str, Any], files: dict[str, Any]
    ) -> StoredFile:
        value = params.get(kind)
        upload = files.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is not None:
            content: bytes = upload.body
            if not content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            width = height = None
            if kind == "photo":
                size = image_size(content)
                if size is None:
                    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
                width, height = size
            filename = upload.filename or None
            mime = upload.content_type or None
            if not mime or mime == "application/octet-stream":
                mime = (mimetypes.guess_type(filename)[0] if filename else None) or mime
            return self._register_file_locked(kind, content, mime, filename, width, height)
        if isinstance(value, str) and value:
            stored = self._files.get(value)
            if stored is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return stored
        raise ApiError(400, f"Bad Request: there is no {kind} in the request")

    def _register_file_locked(
        self,
        kind: str,
        content: bytes,
        mime_type: str | None,
        filename: str | None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        number = next(self._file_counter)
        extension = ""
        if filename and "." in filename:
            extension = filename.rsplit(".", 1)[1]
        elif mime_type:
            extension = (mimetypes.guess_extension(mime_type) or "").lstrip(".")
        stored = StoredFile(
            file_id=f"{kind.upper()}-{number:06d}-{self.bot_id}",
            file_unique_id=f"U{kind[:3]}{number:06d}",
            content=content if self.store_media or kind not in ("photo", "document") else b"",
            size=len(content),
            file_path=f"{kind}s/file_{number}" + (f".{extension}" if extension else ""),
            mime_type=mime_type,
            filename=filename,
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _api_get_file(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        found = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }
        if not stored.size_known:
            del found["file_size"]
        return found

    def _handle_file(self, request: httputil.HTTPServerRequest, path: str) -> None:
        # PTB's File.download_* runs urllib.parse.quote() over the whole path, so the ':' of
        # the token arrives as %3A.
        token, _, file_path = unquote(path[len("/file/bot") :]).partition("/")
        if token != self.token:
            reply_json(request, 401, ApiError(401, "Unauthorized").payload())
            return
        with self._lock:
            stored = self._files_by_path.get(file_path)
        if stored is None:
            reply_json(request, 404, ApiError(404, "Not Found").payload())
            return
        reply(request, 200, stored.content, stored.mime_type or "application/octet-stream")
