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

The layer is thin: the chat and the API call the same ``Assistant`` as the CLI. Sharing the
server fairly:

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

import datetime as dt
import functools
import hashlib
import hmac
import logging
import os
import socket
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no outside calls

import anyio  # noqa: E402
import gradio as gr  # noqa: E402
from fastapi import BackgroundTasks, Depends, FastAPI, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.responses import HTMLResponse, JSONResponse, Response  # noqa: E402
from fastapi.routing import APIRoute  # noqa: E402
from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: E402

from assistant.answer import Assistant  # noqa: E402
from assistant.conversation import turns_from_messages  # noqa: E402
from assistant.errors import USER_ERRORS, FeedbackError, QuestionError, UnknownAnswer  # noqa: E402
from assistant.feedback import FeedbackStore, new_id  # noqa: E402
from assistant.gaps import find_gaps, gaps_html  # noqa: E402
from assistant.httplimits import RequestLimits, server_config  # noqa: E402
from assistant.models import Answer  # noqa: E402
from assistant.ratelimit import RateLimiter  # noqa: E402
from assistant.schemas import AnswerReply, ApiError, AskRequest, FeedbackReply, FeedbackRequest, public  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.webchat import CSS, Chat  # noqa: E402

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class TooManyQuestions(Exception):
    """A client asked more than ``ASSISTANT_RATE_LIMIT`` allows; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many questions; try again in {retry_after} s.")
        self.retry_after = retry_after


class _ClientGone(Exception):
    """The client of an API question disconnected; the answer is abandoned."""


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _describe(errors: list[dict]) -> str:
    parts = []
    for e in errors:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


def client_address(request) -> str:
    """The address a rate limit counts against (``request.client.host``; one bucket behind a proxy)."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "unknown"


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """The whole web app (API, widget, chat) over ``assistant`` (built from ``settings`` if not given)."""
    assistant = assistant or Assistant(settings)
    rule = settings.rate_limit_rule
    limiter = RateLimiter(*rule) if rule else None
    rating_limiter = RateLimiter(*rule) if rule else None  # the same limit, counted apart from questions
    feedback = FeedbackStore(settings.feedback_path)
    workers = anyio.CapacityLimiter(settings.workers)  # answers at once; the rest wait without a thread

    def admit(client: str) -> int:
        return limiter.check(client) if limiter else 0

    def keep(answer: Answer, conversation_id: str) -> None:
        try:
            feedback.record(answer, conversation_id)
        except (sqlite3.Error, OSError):  # a full disk must not cost the reader the answer
            log.exception("could not keep the answer in the feedback log %s", feedback.path)

    def answer(question, history, as_of, conversation_id, gone: threading.Event) -> AnswerReply:
        assistant.refresh_if_changed()  # an ingest by another process shows up without a restart
        result = None
        with closing(assistant.answer_stream(question, history, as_of)) as pieces:
            for item in pieces:  # the same chain as Assistant.answer, read piece by piece to stop early
                if gone.is_set():
                    raise _ClientGone
                if isinstance(item, Answer):
                    result = item
        keep(result, conversation_id)
        return AnswerReply.of(result, conversation_id)

    def answer_stream(question, history=None):
        assistant.refresh_if_changed()
        yield from assistant.answer_stream(question, history)

    def events():
        assistant.refresh_if_changed()
        return assistant.timeline()

    app = FastAPI(title="News assistant API",
                  description="Questions about news articles, answered with exact, verified citations.",
                  docs_url="/docs" if settings.api_docs else None, redoc_url=None)
    # Added first, so it runs inside CORS: a refusal still carries the CORS headers the widget needs.
    app.add_middleware(RequestLimits, max_body_bytes=settings.max_body_bytes,
                       max_header_bytes=settings.max_header_bytes, timeout=settings.request_timeout)
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins or settings.own_origins,
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type"], expose_headers=["Retry-After"],
                       max_age=600)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json" and not kind.endswith("+json") and await request.body():
            return _error(415, "Send the question as JSON with Content-Type: application/json "
                               f"(this request said: {kind or 'no Content-Type'}).")
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, f"The request body is not valid JSON ({_describe(errors)}). Send "
                               '{"question": "..."} with Content-Type: application/json.')
        return _error(422, f"Invalid request: {_describe(errors)}.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = str(exc.detail)
        if exc.status_code == 400 and request.url.path == "/api/ask":  # a body FastAPI could not read at all
            message = ('The request body is not valid JSON (not UTF-8 text, or not readable). Send '
                       '{"question": "..."} with Content-Type: application/json.')
        return _error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(QuestionError)
    async def bad_question(request: Request, exc: QuestionError):
        return _error(422, str(exc))

    @app.exception_handler(FeedbackError)
    async def bad_feedback(request: Request, exc: FeedbackError):
        return _error(422, str(exc))

    @app.exception_handler(UnknownAnswer)
    async def unknown_answer(request: Request, exc: UnknownAnswer):
        return _error(404, str(exc))

    @app.exception_handler(TooManyQuestions)
    async def too_many(request: Request, exc: TooManyQuestions):
        return JSONResponse({"error": str(exc), "retry_after": exc.retry_after}, status_code=429,
                            headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(Exception)
    async def failure(request: Request, exc: Exception):
        if isinstance(exc, USER_ERRORS):  # empty store, store unreachable: the server is not ready
            return _error(503, str(exc))
        log.exception("error answering %s", request.url.path)
        return _error(500, "Internal error; the server log has the details.")

    async def rate_limited(request: Request) -> None:
        wait = admit(client_address(request))
        if wait:
            raise TooManyQuestions(wait)

    async def rating_limited(request: Request) -> None:
        wait = rating_limiter.check(client_address(request)) if rating_limiter else 0
        if wait:
            raise TooManyQuestions(wait)

    errors = {400: {"model": ApiError, "description": "Malformed JSON"},
              415: {"model": ApiError, "description": "The body is not sent as application/json"},
              413: {"model": ApiError, "description": "Request body larger than ASSISTANT_MAX_BODY_BYTES"},
              422: {"model": ApiError, "description": "Empty, too long or malformed question"},
              429: {"model": ApiError, "description": "More questions than ASSISTANT_RATE_LIMIT allows; see Retry-After"},
              503: {"model": ApiError, "description": "Nothing ingested yet, or the store is unreachable"}}

    # JSONResponse (json.dumps) as before: pydantic's own JSON writes some floats otherwise (3e-06 as 3e-6).
    @app.post("/api/ask", tags=["api"], responses=errors, summary="Answer a question",
              dependencies=[Depends(rate_limited)], response_model=AnswerReply, response_model_exclude_unset=True,
              response_class=JSONResponse)
    async def ask(body: AskRequest, request: Request) -> AnswerReply | Response:
        """The same JSON as ``python -m assistant ask --json``: ``answer`` with ``[n]`` markers,
        ``citations`` (exact article text at ``start:end``, with ``context`` for display),
        ``abstained`` and ``closest_matches`` when the articles do not say, ``searched`` when a
        follow-up was rewritten."""
        gone = threading.Event()
        history = turns_from_messages([m.model_dump() for m in body.history])
        work = functools.partial(answer, body.question, history, body.as_of, body.conversation_id or new_id(), gone)
        outcome: dict = {}  # "answer": the AnswerReply, or "error"

        async with anyio.create_task_group() as tasks:
            async def watch() -> None:  # the next message after the body is the client leaving
                while (await request.receive())["type"] != "http.disconnect":
                    pass
                gone.set()
                tasks.cancel_scope.cancel()  # still waiting for a worker: never answered

            async def run() -> None:
                try:
                    outcome["answer"] = await anyio.to_thread.run_sync(work, limiter=workers)
                except _ClientGone:
                    pass
                except Exception as exc:  # raised again below, outside the task group
                    outcome["error"] = exc
                finally:
                    tasks.cancel_scope.cancel()

            tasks.start_soon(watch)
            tasks.start_soon(run)
        if "error" in outcome:
            raise outcome["error"]
        if "answer" not in outcome:
            return Response(status_code=499)  # the client went away; nobody reads this
        return outcome["answer"]

    feedback_errors = {**errors, 404: {"model": ApiError, "description": "No answer has this id"},
                       422: {"model": ApiError, "description": "helpful not true/false, comment too long or not text"}}
    del feedback_errors[503]

    @app.post("/api/feedback", tags=["api"], responses=feedback_errors, summary="Rate an answer",
              dependencies=[Depends(rating_limited)], response_class=JSONResponse)
    def give_feedback(body: FeedbackRequest) -> FeedbackReply:
        """A reader's rating of the answer with this ``id`` (helpful or not, and an optional comment),
        kept in the feedback log with the answer; a second rating of the same answer replaces the first."""
        entry = feedback.give(body.answer_id, body.helpful, body.comment)
        return FeedbackReply(answer_id=entry.id, helpful=entry.helpful, comment=entry.comment)

    def admitted(request: Request) -> bool:
        token = settings.admin_token.get_secret_value().encode() if settings.admin_token else b""
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        given = given.strip() if scheme.lower() == "bearer" else request.query_params.get("token", "")
        return hmac.compare_digest(given.encode(), token)

    @app.get("/admin/gaps", include_in_schema=False)
    def admin_gaps(request: Request, since: dt.date | None = None) -> Response:
        """The editors' page: what ``python -m assistant gaps`` lists. Off (404) without ASSISTANT_ADMIN_TOKEN."""
        if settings.admin_token is None:
            return _error(404, "Not found.")
        if not request.headers.get("authorization") and "token" not in request.query_params:
            return _error(401, "This page needs the admin token: 'Authorization: Bearer TOKEN' or ?token=TOKEN.",
                          {"WWW-Authenticate": "Bearer"})
        if not admitted(request):
            return _error(403, "Wrong admin token.")
        page = gaps_html(find_gaps(feedback.entries(since)))
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                           "X-Robots-Tag": "noindex"})

    @app.get("/api/suggestions", tags=["api"], summary="Suggested questions about the newest articles")
    def suggestions() -> dict:
        """Questions about the newest articles, made at the last ingest by rules from their sentences and
        each checked through the answer pipeline: the assistant answers them (never "the articles do not
        say"). ``made`` is when (UTC); empty before an ingest made any."""
        made = assistant.suggestions()
        return {"suggested": made.suggested, "made": made.made or None}

    @app.get("/api/articles", tags=["api"], summary="List the ingested articles")
    def articles() -> list[dict]:
        return public(assistant.articles())

    @app.get("/api/health", tags=["api"], summary="Store and model status")
    async def health(background: BackgroundTasks) -> dict:
        """What answers are given from now (counts as of the last refresh); never waits for answers.
        When another process has ingested (``store.stale``), the refresh starts after this reply."""
        status = assistant.health()
        if status["store"]["stale"]:
            background.add_task(assistant.refresh_if_changed)  # sync: runs in a thread, after the reply
        return status

    @app.get("/api/timeline", tags=["api"], summary="Dated events across the articles, in date order")
    def timeline() -> dict:
        """Every sentence that places an event on a day (or a range of at most a month), resolved
        against its article's date: ``date`` (``start``, ``end``, ``label``), the ``phrase``, and
        the ``citation`` (exact text at ``start:end`` with all its ``dates``)."""
        return public({"events": [e.to_dict() for e in events()]})

    widget_js = (STATIC / "widget.js").read_bytes()  # read once: served from memory, never from a thread
    widget_tag = '"' + hashlib.sha256(widget_js).hexdigest()[:16] + '"'

    @app.get("/widget.js", include_in_schema=False)
    async def widget(request: Request) -> Response:
        headers = {"Cache-Control": "no-cache", "ETag": widget_tag}
        if request.headers.get("if-none-match") == widget_tag:
            return Response(status_code=304, headers=headers)
        return Response(widget_js, media_type="text/javascript", headers=headers)

    if not settings.api_docs:
        @app.get("/docs", include_in_schema=False)
        async def no_docs() -> JSONResponse:
            return _error(404, "The Swagger UI is off (it loads its script from a CDN): the spec is at /openapi.json, "
                               "or set ASSISTANT_API_DOCS=true.")

    @app.api_route("/api/{rest:path}", methods=ALL_METHODS, include_in_schema=False)
    async def not_here(request: Request, rest: str) -> JSONResponse:
        """An ``/api`` path no route serves (404), or a route asked with the wrong method (405)."""
        allowed = sorted({m for r in app.routes if isinstance(r, APIRoute) and r.endpoint is not not_here
                          and r.path_regex.match(request.url.path) for m in r.methods})
        if allowed:
            return _error(405, f"{request.method} is not allowed on {request.url.path}: use {', '.join(allowed)}.",
                          {"Allow": ", ".join(allowed)})
        return _error(404, f"No such route: {request.url.path}. The API has POST /api/ask, POST /api/feedback, "
                           "GET /api/articles, GET /api/health, GET /api/suggestions and GET /api/timeline.")

    app.state.assistant = assistant

    def rate(client: str, answer_id: str, helpful: bool, comment: str | None) -> int:
        wait = rating_limiter.check(client) if rating_limiter else 0
        if not wait:
            feedback.give(answer_id, helpful, comment)
        return wait

    # The examples: the operator's own (ASSISTANT_EXAMPLE_QUESTIONS), else the checked suggestions of the last
    # ingest, else the defaults.
    examples = settings.example_questions
    if "example_questions" not in settings.model_fields_set and assistant.suggestions().suggested:
        examples = assistant.suggestions().suggested
    demo = Chat(answer_stream, lambda: public(assistant.articles()), examples, timeline=events,
                admit=admit if limiter else None, record=keep, rate=rate, new_id=new_id).build()
    demo.queue(default_concurrency_limit=settings.workers)
    theme = gr.themes.Default(primary_hue="blue")
    return gr.mount_gradio_app(app, demo, path="/", theme=theme, css=CSS, ssr_mode=False, footer_links=[],
                               mcp_server=False, server_name=settings.host, server_port=settings.port,
                               show_error=False, max_file_size=settings.max_body_bytes)


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
