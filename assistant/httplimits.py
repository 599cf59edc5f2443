"""Limits on what a client may send the web server, before any route sees it.

``RequestLimits`` is an ASGI middleware in front of the whole app (API, widget and the Gradio
chat): a request head larger than ``max_header_bytes`` gets 431, a body larger than
``max_body_bytes`` 413 (at once when its Content-Length says so, else as soon as that much has
arrived), a body that does not arrive within ``timeout`` seconds 408, and the refused paths
(Gradio's upload routes: the chat takes no files) 403. Every refusal is ``{"error": "..."}`` and
closes the connection.

``server_config`` is how the app is served (``make run`` and the tests alike): uvicorn with the
h11 parser, whose buffer for an incomplete request head is bounded (httptools' is not), and a
protocol that closes a connection whose request head is not complete within ``timeout`` seconds
(uvicorn has no such timer: a client sending nothing, or half a head, would hold it forever).
"""

from __future__ import annotations

import json

import anyio

REFUSED_PATHS = ("/gradio_api/upload", "/gradio_api/process_recording")
GRADIO_PREFIX = "/gradio_api/"
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _content_type(headers: list[tuple[bytes, bytes]]) -> bytes:
    """The request's Content-Type, lower case (empty when it has none)."""
    return next((v.strip().lower() for k, v in headers if k == b"content-type"), b"")


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """The ASGI middleware (see the module docstring).

    Args:
        app: the ASGI app behind it.
        max_body_bytes, max_header_bytes: the limits.
        timeout: seconds for the whole body to arrive once the head is in.
        refused: path prefixes answered 403.
    """

    def __init__(self, app, max_body_bytes: int, max_header_bytes: int, timeout: float,
                 refused: tuple[str, ...] = REFUSED_PATHS) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_header = max_header_bytes
        self.timeout = timeout
        self.refused = refused

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        head = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + sum(
            len(k) + len(v) + 4 for k, v in headers)
        if head > self.max_header:
            await _refuse(send, 431, f"The request's headers are too large ({head} bytes; the limit is "
                                     f"{self.max_header}, ASSISTANT_MAX_HEADER_BYTES).")
            return
        if scope["path"].startswith(self.refused) or (
                scope["path"].startswith(GRADIO_PREFIX) and _content_type(headers).startswith(b"multipart/")):
            # a form posted to any other Gradio route is a file upload too (Gradio's own client posts
            # JSON there; a form made its component server fail with a 500)
            await _refuse(send, 403, "This server accepts no file uploads.")
            return
        length = next((v for k, v in headers if k == b"content-length"), None)
        chunked = any(k == b"transfer-encoding" for k, _ in headers)
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _refuse(send, 400, "The Content-Length header is not a number.")
                return
            if declared > self.max_body:
                await _refuse(send, 413, self._too_large(declared))
                return
        if length is None and not chunked and scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        parts, size = [], 0
        with anyio.move_on_after(self.timeout) as timer:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await _refuse(send, 413, self._too_large(size))
                    return
                parts.append(chunk)
                if not message.get("more_body", False):
                    break
        if timer.cancelled_caught:
            await _refuse(send, 408, f"The request body did not arrive within {self.timeout:g} s "
                                     "(ASSISTANT_REQUEST_TIMEOUT); send as many bytes as Content-Length says.")
            return
        body, replayed = b"".join(parts), False

        async def replay():
            nonlocal replayed
            if not replayed:  # the body once, as read; then the real channel (a disconnect, later)
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self, size: int) -> str:
        return (f"The request body is too large ({size} bytes or more; the limit is {self.max_body}, "
                "ASSISTANT_MAX_BODY_BYTES).")


def guarded_protocol(timeout: float):
    """uvicorn's h11 protocol, closing a connection whose request head is not complete within
    ``timeout`` seconds of the connection opening or of the previous response ending."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch_head()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch_head()

        def _watch_head(self) -> None:
            waiting_since = self.cycle  # a complete head starts a new cycle

            def check() -> None:
                upgraded = self.transport.get_protocol() is not self  # a WebSocket took the connection over
                if self.cycle is waiting_since and not upgraded and not self.transport.is_closing():
                    self.transport.close()

            self.loop.call_later(timeout, check)

    return GuardedH11Protocol


def server_config(app, host: str, port: int, max_header_bytes: int, timeout: float, **kwargs):
    """The ``uvicorn.Config`` the app is served with (see the module docstring)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, http=guarded_protocol(timeout),
                          h11_max_incomplete_event_size=max_header_bytes, **{"log_level": "warning", **kwargs})
