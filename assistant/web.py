"""The web server: a FastAPI app with the JSON API, the embeddable widget and the Gradio chat.

Routes:
    POST /api/ask       ``{"question": str, "history": [{"role", "content"}, ...], "conversation_id"?}`` -> the
                        ``ask --json`` answer, with its ``id`` and the ``conversation_id``
    POST /api/feedback  ``{"answer_id": str, "helpful": bool, "comment"?: str}`` -> the feedback kept
    GET  /admin/gaps    the editors' page: unanswered and flagged questions (only with ASSISTANT_ADMIN_TOKEN)
    GET  /api/articles  the ingested articles (headline, outlet, date, chunk count)
    GET  /api/health    store and model status
    GET  /api/timeline  the dated events across the articles, in date order
    GET  /api/suggestions  3-4 questions about the newest articles, each checked to be answered (made at ingest)
    GET  /widget.js     the ``<news-assistant>`` web component (no build step, no CDN)
    GET  /openapi.json  the API's OpenAPI spec (``/docs``, the Swagger UI, only with ASSISTANT_API_DOCS)
    /                   the Gradio chat

The layer is thin: the chat and the API call the same ``Assistant`` as the CLI. This module puts
the parts together and turns errors into replies; the routes are in ``assistant/routes.py`` (one
router per concern, and ``WebState``, what they share), the requests and replies they read and
send in ``assistant/schemas.py``, and the chat in ``assistant/webchat.py``. Sharing the server fairly:

- Answers run in worker threads, at most ``Settings.workers`` at once (the API's own
  limiter; the chat's Gradio queue has the same concurrency); a question waiting for a worker
  holds no thread, so health, the widget script and the chat's static files are never queued
  behind answers. ``/api/health`` and ``/widget.js`` run on the event loop and take no lock.
- Each client address may ask ``ASSISTANT_RATE_LIMIT`` questions (API and chat together); beyond
  it the API answers 429 with ``Retry-After``, and the chat says when to try again.
- A client that goes away: an API question still waiting for a worker is dropped, one being
  answered stops at the next piece of the answer (an LLM stops writing); a chat answer stops
  at the next piece too (Gradio closes the stream). Work already inside one step (embedding,
  a Chroma query, an extractive answer, about 50 ms) is finished, not interrupted.

Every 4xx from the app's own routes is ``{"error": "..."}`` (wrong methods 405, unknown ``/api``
routes 404). Browsers on other origins may call the API only if they are listed in
``ASSISTANT_ALLOWED_ORIGINS`` (default: none but the server's own). Request limits (body, head,
timeouts, no uploads) are in ``assistant/httplimits.py``.
"""

from __future__ import annotations

import logging
import socket

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.answer import Assistant
from assistant.errors import USER_ERRORS, FeedbackError, QuestionError, UnknownAnswer
from assistant.feedback import new_id
from assistant.httplimits import RequestLimits, server_config
from assistant.routes import (
    TooManyQuestions,
    WebState,
    admin_router,
    answers_router,
    fallback_router,
    feedback_router,
    static_router,
)
from assistant.schemas import public
from assistant.settings import Settings
from assistant.webchat import CSS, Chat

log = logging.getLogger(__name__)
# The errors a reader can fix in the request, and their status; other user errors (an empty or
# unreachable store) are the server not being ready: 503.
REQUEST_ERRORS = {QuestionError: 422, FeedbackError: 422, UnknownAnswer: 404}


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """The whole web app (API, widget, chat) over ``assistant`` (built from ``settings`` if not given)."""
    web = WebState.build(settings, assistant or Assistant(settings))
    app = FastAPI(title="News assistant API",
                  description="Questions about news articles, answered with exact, verified citations.",
                  docs_url="/docs" if settings.api_docs else None, redoc_url=None)
    app.state.web = web
    app.state.assistant = web.assistant  # for serve() and the tests' servers
    # Added first, so it runs inside CORS: a refusal still carries the CORS headers the widget needs.
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes,
                       max_header_bytes=settings.max_header_bytes, timeout=settings.request_timeout)
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins or settings.own_origins,
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type"], expose_headers=["Retry-After"],
                       max_age=600)
    add_error_handlers(app)
    for router in (answers_router(), feedback_router(), admin_router(), static_router(settings.api_docs),
                   fallback_router()):  # the fallback last: it answers every /api path the others do not
        app.include_router(router)
    return mount_chat(app, web)


def mount_chat(app: FastAPI, web: WebState) -> FastAPI:
    """``app`` with the Gradio chat at ``/``, over the same state as the API."""
    settings = web.settings
    chat = Chat(web.answer_stream, lambda: public(web.assistant.articles()), web.examples(), timeline=web.events,
                admit=web.admit if web.questions else None, record=web.keep, rate=web.rate, new_id=new_id)
    demo = chat.build()
    demo.queue(default_concurrency_limit=settings.workers)
    theme = gr.themes.Default(primary_hue="blue")
    return gr.mount_gradio_app(app, demo, path="/", theme=theme, css=CSS, ssr_mode=False, footer_links=[],
                               mcp_server=False, server_name=settings.host, server_port=settings.port,
                               show_error=False, max_file_size=settings.max_body_bytes)


# -- errors: every reply is {"error": "..."}, from these handlers alone ---------------------------

def add_error_handlers(app: FastAPI) -> None:
    """Register the app's error handlers, once for all its routes.

    Malformed requests are 400, 415 or 422 (``bad_request``); HTTP errors keep their status
    (``http_error``); ``REQUEST_ERRORS`` their status; too many questions 429 with ``Retry-After``;
    any other user error (``USER_ERRORS``) 503, anything else a logged 500 (``failure``).
    """
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    for kind in REQUEST_ERRORS:
        app.add_exception_handler(kind, request_error)
    app.add_exception_handler(TooManyQuestions, too_many)
    # Starlette gives the handler of Exception to its outermost middleware: a 503 or 500 passes no
    # other middleware, so it carries no CORS headers (the other handlers' replies do).
    app.add_exception_handler(Exception, failure)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _describe(errors: list[dict]) -> str:
    parts = []
    for e in errors:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A body that is not JSON (415), not valid JSON (400), or not a valid request (422)."""
    errors = exc.errors()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json") and await request.body():
        return _error(415, "Send the question as JSON with Content-Type: application/json "
                           f"(this request said: {kind or 'no Content-Type'}).")
    if any(e.get("type") == "json_invalid" for e in errors):
        return _error(400, f"The request body is not valid JSON ({_describe(errors)}). Send "
                           '{"question": "..."} with Content-Type: application/json.')
    return _error(422, f"Invalid request: {_describe(errors)}.")


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTP error raised by a route or by FastAPI, with its status and headers."""
    message = str(exc.detail)
    if exc.status_code == 400 and request.url.path == "/api/ask":  # a body FastAPI could not read at all
        message = ('The request body is not valid JSON (not UTF-8 text, or not readable). Send '
                   '{"question": "..."} with Content-Type: application/json.')
    return _error(exc.status_code, message, getattr(exc, "headers", None))


async def request_error(request: Request, exc: Exception) -> JSONResponse:
    """A question or feedback the reader can fix, or an unknown answer id."""
    status = next(code for kind, code in REQUEST_ERRORS.items() if isinstance(exc, kind))
    return _error(status, str(exc))


async def too_many(request: Request, exc: TooManyQuestions) -> JSONResponse:
    """Past the rate limit: 429, with when to try again."""
    return JSONResponse({"error": str(exc), "retry_after": exc.retry_after}, status_code=429,
                        headers={"Retry-After": str(exc.retry_after)})


async def failure(request: Request, exc: Exception) -> JSONResponse:
    """Any other error: 503 if it is a user error (the server is not ready), else a logged 500."""
    if isinstance(exc, USER_ERRORS):  # empty store, store unreachable: the server is not ready
        return _error(503, str(exc))
    log.exception("error answering %s", request.url.path)
    return _error(500, "Internal error; the server log has the details.")


def check_port_free(host: str, port: int) -> None:
    """Raise ``OSError`` with advice if ``host:port`` cannot be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port} ({exc.strerror}): stop what uses it, or set "
                          "ASSISTANT_PORT / --port (and ASSISTANT_HOST / --host)") from exc


def serve(settings: Settings, assistant: Assistant | None = None) -> None:
    """Serve the app on ``settings.host:settings.port`` until interrupted."""
    import uvicorn

    check_port_free(settings.host, settings.port)
    app = create_app(settings, assistant)
    app.state.assistant.warm_up()  # load the model now, not at the first question
    docs = "/docs" if settings.api_docs else "/openapi.json"
    print(f"Serving on http://{settings.host}:{settings.port}  (API spec: {docs}, widget: /widget.js). "
          "Ctrl-C stops.", flush=True)
    uvicorn.Server(config(app, settings)).run()


def config(app, settings: Settings, host: str | None = None, port: int | None = None):
    """How ``app`` is served (``serve`` and the tests alike): ``httplimits.server_config`` with the settings' limits."""
    return server_config(app, host or settings.host, port or settings.port, settings.max_header_bytes,
                         settings.request_timeout)
