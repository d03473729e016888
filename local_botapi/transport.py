"""HTTP plumbing: the tornado server, request parameters, the JSON envelope and its errors."""

from __future__ import annotations

import contextlib
import json
from http import HTTPStatus
from typing import Any

from tornado import httputil
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream, StreamClosedError

# Form/multipart values arrive as strings; PTB JSON-encodes every non-string parameter. These
# names are genuine strings and must not be JSON-decoded (a text "123" must stay "123").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "callback_query_id",
        "file_id",
        "action",
        "language_code",
        "inline_message_id",
        "photo",
        "document",
        "thumbnail",
        "ip_address",
        "description",
        "short_description",
        "name",
        "business_connection_id",
        "message_effect_id",
        "emoji",
    }
)


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class NoDelayHTTPServer(HTTPServer):
    """HTTPServer that disables Nagle on every accepted connection.

    Without TCP_NODELAY a small response can sit in the kernel waiting for the client's delayed
    ACK, costing ~40 ms per request. Tornado re-enables Nagle between responses but forces a push
    at the end of each one, so setting it on accept covers the whole connection's life.
    """

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        stream.set_nodelay(True)
        super().handle_stream(stream, address)


def reply(
    request: httputil.HTTPServerRequest,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    location: str | None = None,
) -> None:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    headers = httputil.HTTPHeaders({"Content-Type": content_type, "Content-Length": str(len(body))})
    if location is not None:
        headers["Location"] = location
    connection = request.connection
    if connection is None:
        return
    # The client may have gone away (e.g. PTB cancelled a long poll): nothing to do then.
    with contextlib.suppress(StreamClosedError, httputil.HTTPOutputError):
        connection.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", status, reason), headers, body
        )
        connection.finish()


def reply_json(request: httputil.HTTPServerRequest, status: int, obj: Any) -> None:
    reply(request, status, dumps(obj))


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def maybe_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


def maybe_float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def maybe_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def truthy(value: Any) -> bool:
    return value in (True, 1, "true", "True", "1")


def req_int(body: dict[str, Any], key: str) -> int:
    value = maybe_int(body.get(key))
    if value is None:
        raise ValueError(f"{key} must be an integer")
    return value


def parse_params(request: httputil.HTTPServerRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bot API parameters from the query string and a JSON, urlencoded or multipart body.

    PTB sends urlencoded forms (multipart with uploads) where every non-string value is
    JSON-encoded, so form values are JSON-decoded unless the parameter is a string one.
    """
    params: dict[str, Any] = {}
    for key, values in request.query_arguments.items():
        params[key] = _decode_form_value(key, values[-1])
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            params.update(body)
    else:
        for key, values in request.body_arguments.items():
            params[key] = _decode_form_value(key, values[-1])
    files = {name: uploads[0] for name, uploads in request.files.items() if uploads}
    return params, files


def _decode_form_value(key: str, raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if key in _STRING_PARAMS or not text:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def control_body(request: httputil.HTTPServerRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        key: values[-1].decode() for key, values in request.query_arguments.items()
    }
    if request.body:
        # Sniff JSON by content: `curl -d '{...}'` labels a JSON body as a urlencoded form.
        if not request.body.lstrip().startswith(b"{"):
            body.update({k: v[-1].decode() for k, v in request.body_arguments.items()})
        else:
            decoded = json.loads(request.body)
            if not isinstance(decoded, dict):
                raise ValueError("body must be a JSON object")
            body.update(decoded)
    return body
