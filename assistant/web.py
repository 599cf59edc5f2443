"""The web server: a FastAPI app with the JSON API, the embeddable widget and the Gradio chat.

Routes:
    POST /api/ask       ``{"question": str, "history": [{"role", "content"}, ...]}`` -> the ``ask --json`` answer
    GET  /api/articles  the ingested articles (headline, outlet, date, chunk count)
    GET  /api/health    store and model status
    GET  /api/timeline  the dated events across the articles, in date order
    GET  /widget.js     the ``<news-assistant>`` web component (no build step, no CDN)
    GET  /docs          OpenAPI docs
    /                   the Gradio chat

The layer is thin: the chat and the API call the same ``Assistant.answer`` as the CLI, one
question at a time. Browsers on other origins may call the API only if they are listed in
``ASSISTANT_ALLOWED_ORIGINS`` (default: none but the server's own).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Literal

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no outside calls

import gradio as gr  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.responses import FileResponse, JSONResponse  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field  # noqa: E402

from assistant.answer import Assistant  # noqa: E402
from assistant.conversation import turns_from_messages  # noqa: E402
from assistant.errors import USER_ERRORS, QuestionError  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.webchat import CSS, build_chat  # noqa: E402

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
MAX_HISTORY_MESSAGES = 200
MAX_MESSAGE_CHARS = 20_000


class Message(BaseModel):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_MESSAGE_CHARS)


class AskRequest(BaseModel):
    """A question, optionally following up on earlier messages (oldest first)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "Who arrived in Elwood and when?"},
        {"question": "And who ordered their deployment?", "history": [
            {"role": "user", "content": "Who arrived in Elwood and when?"},
            {"role": "assistant", "content": "The back-and-forth comes as Texas National Guard troops were seen "
                                             "assembling at the Army Reserve Training Center in Elwood... [1]"}]}]})
    question: str = Field(description="The question (1 to ASSISTANT_MAX_QUESTION_CHARS characters).")
    history: list[Message] = Field(default_factory=list, max_length=MAX_HISTORY_MESSAGES,
                                   description="Earlier messages, for follow-up questions.")
    as_of: dt.date | None = Field(None, description="The day the question is asked (YYYY-MM-DD; default today): "
                                                    "'this week' means that day's week, and later articles are not used.")


class ApiError(BaseModel):
    """What went wrong, in words."""

    error: str


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _describe(errors: list[dict]) -> str:
    parts = []
    for e in errors:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """The whole web app (API, widget, chat) over ``assistant`` (built from ``settings`` if not given)."""
    assistant = assistant or Assistant(settings)
    lock = threading.Lock()

    def answer(question, history=None, as_of=None):
        with lock:  # one question at a time: the store client and the models are shared
            assistant.refresh_if_changed()  # an ingest by another process shows up without a restart
            return assistant.answer(question, history, as_of)

    def answer_stream(question, history=None):
        with lock:
            assistant.refresh_if_changed()
            yield from assistant.answer_stream(question, history)

    def events():
        with lock:
            assistant.refresh_if_changed()
            return assistant.timeline()

    app = FastAPI(title="News assistant API",
                  description="Questions about news articles, answered with exact, verified citations.",
                  docs_url="/docs", redoc_url=None)
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins or settings.own_origins,
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=600)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, f"The request body is not valid JSON ({_describe(errors)}). Send "
                               '{"question": "..."} with Content-Type: application/json.')
        return _error(422, f"Invalid request: {_describe(errors)}.")

    @app.exception_handler(QuestionError)
    async def bad_question(request: Request, exc: QuestionError):
        return _error(422, str(exc))

    @app.exception_handler(Exception)
    async def failure(request: Request, exc: Exception):
        if isinstance(exc, USER_ERRORS):  # empty store, store unreachable: the server is not ready
            return _error(503, str(exc))
        log.exception("error answering %s", request.url.path)
        return _error(500, "Internal error; the server log has the details.")

    errors = {400: {"model": ApiError, "description": "Malformed JSON"},
              422: {"model": ApiError, "description": "Empty, too long or malformed question"},
              503: {"model": ApiError, "description": "Nothing ingested yet, or the store is unreachable"}}

    @app.post("/api/ask", tags=["api"], responses=errors, summary="Answer a question")
    def ask(request: AskRequest) -> JSONResponse:
        """The same JSON as ``python -m assistant ask --json``: ``answer`` with ``[n]`` markers,
        ``citations`` (exact article text at ``start:end``, with ``context`` for display),
        ``abstained`` and ``closest_matches`` when the articles do not say, ``searched`` when a
        follow-up was rewritten."""
        result = answer(request.question, turns_from_messages([m.model_dump() for m in request.history]),
                        request.as_of)
        return JSONResponse(result.to_dict())

    @app.get("/api/articles", tags=["api"], summary="List the ingested articles")
    def articles() -> list[dict]:
        return assistant.articles()

    @app.get("/api/health", tags=["api"], summary="Store and model status")
    def health() -> dict:
        return assistant.health()

    @app.get("/api/timeline", tags=["api"], summary="Dated events across the articles, in date order")
    def timeline() -> dict:
        """Every sentence that places an event on a day (or a range of at most a month), resolved
        against its article's date: ``date`` (``start``, ``end``, ``label``), the ``phrase``, and
        the ``citation`` (exact text at ``start:end`` with all its ``dates``)."""
        return {"events": [e.to_dict() for e in events()]}

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript",
                            headers={"Cache-Control": "no-cache"})

    app.state.assistant = assistant
    demo = build_chat(answer_stream, assistant.articles, settings.example_questions, timeline=events)
    theme = gr.themes.Default(primary_hue="blue")
    return gr.mount_gradio_app(app, demo, path="/", theme=theme, css=CSS, ssr_mode=False, footer_links=[],
                               mcp_server=False, server_name=settings.host, server_port=settings.port)


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
    print(f"Serving on http://{settings.host}:{settings.port}  (API docs: /docs, widget: /widget.js). "
          "Ctrl-C stops.", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
