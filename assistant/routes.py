"""The web API's routes, one router per concern, and the state they share.

- ``answers_router``: POST /api/ask
- ``feedback_router``: POST /api/feedback
- ``admin_router``: GET /admin/gaps, /api/suggestions, /api/articles, /api/health, /api/timeline
- ``static_router``: GET /widget.js, and /docs while the Swagger UI is off
- ``fallback_router``: every other /api path (404, or 405 with ``Allow``); included last

Routes reach what they share (``WebState``: the Assistant, the settings, the feedback log, the
rate limits, the answer workers) through the ``Web`` dependency. They raise errors and leave
the reply to the handlers ``web.py`` registers once: every 4xx is ``{"error": "..."}``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

import anyio
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts

from assistant.answer import Assistant
from assistant.conversation import Turn, turns_from_messages
from assistant.feedback import FeedbackStore, new_id
from assistant.gaps import find_gaps, gaps_html
from assistant.models import Answer
from assistant.ratelimit import RateLimiter
from assistant.schemas import AnswerReply, ApiError, AskRequest, FeedbackReply, FeedbackRequest, public
from assistant.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
T = TypeVar("T")

ASK_ERRORS = {400: {"model": ApiError, "description": "Malformed JSON"},
              415: {"model": ApiError, "description": "The body is not sent as application/json"},
              413: {"model": ApiError, "description": "Request body larger than ASSISTANT_MAX_BODY_BYTES"},
              422: {"model": ApiError, "description": "Empty, too long or malformed question, or a control "
                                                      "character in any text field"},
              429: {"model": ApiError,
                    "description": "More questions than ASSISTANT_RATE_LIMIT allows; see Retry-After"},
              503: {"model": ApiError, "description": "Nothing ingested yet, or the store is unreachable"}}
FEEDBACK_ERRORS = {**{k: v for k, v in ASK_ERRORS.items() if k != 503},
                   404: {"model": ApiError, "description": "No answer has this id"},
                   422: {"model": ApiError, "description": "helpful not true/false, comment too long or not text, "
                                                           "or a control character in any text field"}}


class TooManyQuestions(Exception):
    """A client asked more than ``ASSISTANT_RATE_LIMIT`` allows; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many questions; try again in {retry_after} s.")
        self.retry_after = retry_after


class ClientGone(Exception):
    """The client of an API question disconnected; the answer is abandoned."""


def client_address(request) -> str:
    """The address a rate limit counts against (``request.client.host``; one bucket behind a proxy)."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "unknown"


@dataclass
class WebState:
    """What the routes and the chat share, one per app (``app.state.web``).

    Attributes:
        settings: the server's settings.
        assistant: the same ``Assistant`` the CLI uses.
        feedback: the feedback log (answers with their ids, and readers' ratings).
        workers: how many answers run at once; the rest wait without holding a thread.
        questions: ASSISTANT_RATE_LIMIT per client address for questions (API and chat together); None: no limit.
        ratings: the same limit, counted apart from questions, for ratings.
    """

    settings: Settings
    assistant: Assistant
    feedback: FeedbackStore
    workers: anyio.CapacityLimiter
    questions: RateLimiter | None = None
    ratings: RateLimiter | None = None

    @classmethod
    def build(cls, settings: Settings, assistant: Assistant) -> WebState:
        """The state for an app over ``assistant``, with the limits ``settings`` ask for."""
        rule = settings.rate_limit_rule
        return cls(settings, assistant, FeedbackStore(settings.feedback_path), anyio.CapacityLimiter(settings.workers),
                   RateLimiter(*rule) if rule else None, RateLimiter(*rule) if rule else None)

    def admit(self, client: str) -> int:
        """0 if ``client`` may ask a question now, else the seconds to wait."""
        return self.questions.check(client) if self.questions else 0

    def admit_rating(self, client: str) -> int:
        """0 if ``client`` may rate an answer now, else the seconds to wait."""
        return self.ratings.check(client) if self.ratings else 0

    def keep(self, answer: Answer, conversation_id: str) -> None:
        """Keep ``answer`` in the feedback log (it gets its ``id``); a failure is logged, not raised."""
        try:
            self.feedback.record(answer, conversation_id)
        except (sqlite3.Error, OSError):  # a full disk must not cost the reader the answer
            log.exception("could not keep the answer in the feedback log %s", self.feedback.path)

    def rate(self, client: str, answer_id: str, helpful: bool, comment: str | None) -> int:
        """Keep a rating from the chat unless ``client`` is over the limit: 0, or the seconds to wait."""
        wait = self.admit_rating(client)
        if not wait:
            self.feedback.give(answer_id, helpful, comment)
        return wait

    def ask(self, question: str, history: list[Turn], as_of: dt.date | None, conversation_id: str,
            gone: threading.Event) -> AnswerReply:
        """Answer (in this worker thread), keep the answer, and return the API's reply.

        Raises:
            ClientGone: ``gone`` was set; the answer stops at its next piece.
        """
        self.assistant.refresh_if_changed()  # an ingest by another process shows up without a restart
        result = None
        with closing(self.assistant.answer_stream(question, history, as_of)) as pieces:
            for item in pieces:  # the same chain as Assistant.answer, read piece by piece to stop early
                if gone.is_set():
                    raise ClientGone
                if isinstance(item, Answer):
                    result = item
        self.keep(result, conversation_id)
        return AnswerReply.of(result, conversation_id)

    def answer_stream(self, question: str, history: list[Turn] | None = None) -> Iterator:
        """``Assistant.answer_stream`` over the store as another process may have left it (for the chat)."""
        self.assistant.refresh_if_changed()
        yield from self.assistant.answer_stream(question, history)

    def events(self) -> list:
        """The timeline's events over the store as another process may have left it."""
        self.assistant.refresh_if_changed()
        return self.assistant.timeline()

    def examples(self) -> list[str]:
        """The chat's examples: the operator's own (ASSISTANT_EXAMPLE_QUESTIONS), else the checked
        suggestions of the last ingest, else the defaults."""
        if "example_questions" not in self.settings.model_fields_set and self.assistant.suggestions().suggested:
            return self.assistant.suggestions().suggested
        return self.settings.example_questions


# -- dependencies --------------------------------------------------------------------------------
# Async, so they run on the event loop: health and the widget never wait for a thread.

async def web_state(request: Request) -> WebState:
    """The app's ``WebState``."""
    return request.app.state.web


Web = Annotated[WebState, Depends(web_state)]


async def question_allowed(request: Request, web: Web) -> None:
    """Refuse (429) a client past its questions under ASSISTANT_RATE_LIMIT."""
    wait = web.admit(client_address(request))
    if wait:
        raise TooManyQuestions(wait)


async def rating_allowed(request: Request, web: Web) -> None:
    """Refuse (429) a client past its ratings under ASSISTANT_RATE_LIMIT."""
    wait = web.admit_rating(client_address(request))
    if wait:
        raise TooManyQuestions(wait)


async def unless_gone(request: Request, workers: anyio.CapacityLimiter,
                      work: Callable[[threading.Event], T]) -> T | None:
    """``work(gone)`` in a worker thread (``workers`` at most at once), or None if the client leaves.

    A question still waiting for a worker when its client leaves is never answered; one being
    answered sees ``gone`` set and stops at its next piece (raising ``ClientGone``). Other errors
    of ``work`` are raised here, for the app's error handlers.
    """
    gone = threading.Event()
    outcome: dict = {}

    async with anyio.create_task_group() as tasks:
        async def watch() -> None:  # the next message after the body is the client leaving
            while (await request.receive())["type"] != "http.disconnect":
                pass
            gone.set()
            tasks.cancel_scope.cancel()  # still waiting for a worker: never answered

        async def run() -> None:
            try:
                outcome["result"] = await anyio.to_thread.run_sync(work, gone, limiter=workers)
            except ClientGone:
                pass
            except Exception as exc:  # out of the task group as it is, not wrapped in an ExceptionGroup
                outcome["error"] = exc
            finally:
                tasks.cancel_scope.cancel()

        tasks.start_soon(watch)
        tasks.start_soon(run)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


# -- routers -------------------------------------------------------------------------------------

def answers_router() -> APIRouter:
    """POST /api/ask."""
    router = APIRouter(tags=["api"])

    # JSONResponse (json.dumps) as before: pydantic's own JSON writes some floats otherwise (3e-06 as 3e-6).
    @router.post("/api/ask", responses=ASK_ERRORS, summary="Answer a question",
                 dependencies=[Depends(question_allowed)], response_model=AnswerReply,
                 response_model_exclude_unset=True, response_class=JSONResponse)
    async def ask(body: AskRequest, request: Request, web: Web) -> AnswerReply | Response:
        """The same JSON as ``python -m assistant ask --json``: ``answer`` with ``[n]`` markers,
        ``citations`` (exact article text at ``start:end``, with ``context`` for display),
        ``abstained`` and ``closest_matches`` when the articles do not say, ``searched`` when a
        follow-up was rewritten."""
        history = turns_from_messages([m.model_dump() for m in body.history])
        work = functools.partial(web.ask, body.question, history, body.as_of, body.conversation_id or new_id())
        reply = await unless_gone(request, web.workers, work)
        if reply is None:
            return Response(status_code=499)  # the client went away; nobody reads this
        return reply

    return router


def feedback_router() -> APIRouter:
    """POST /api/feedback."""
    router = APIRouter(tags=["api"])

    @router.post("/api/feedback", responses=FEEDBACK_ERRORS, summary="Rate an answer",
                 dependencies=[Depends(rating_allowed)], response_class=JSONResponse)
    def give_feedback(body: FeedbackRequest, web: Web) -> FeedbackReply:
        """A reader's rating of the answer with this ``id`` (helpful or not, and an optional comment),
        kept in the feedback log with the answer; a second rating of the same answer replaces the first."""
        entry = web.feedback.give(body.answer_id, body.helpful, body.comment)
        return FeedbackReply(answer_id=entry.id, helpful=entry.helpful, comment=entry.comment)

    return router


def has_admin_token(request: Request, settings: Settings) -> bool:
    """Whether the request carries the admin token (``Authorization: Bearer`` or ``?token=``)."""
    token = settings.admin_token.get_secret_value().encode() if settings.admin_token else b""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else request.query_params.get("token", "")
    return hmac.compare_digest(given.encode(), token)


def admin_router() -> APIRouter:
    """The editors' page and the API's reads: GET /admin/gaps, /api/suggestions, /api/articles,
    /api/health, /api/timeline."""
    router = APIRouter()

    @router.get("/admin/gaps", include_in_schema=False)
    def admin_gaps(request: Request, web: Web, since: dt.date | None = None) -> Response:
        """The editors' page: what ``python -m assistant gaps`` lists. Off (404) without ASSISTANT_ADMIN_TOKEN."""
        if web.settings.admin_token is None:
            raise HTTPException(404, "Not found.")
        if not request.headers.get("authorization") and "token" not in request.query_params:
            raise HTTPException(401, "This page needs the admin token: 'Authorization: Bearer TOKEN' or ?token=TOKEN.",
                                {"WWW-Authenticate": "Bearer"})
        if not has_admin_token(request, web.settings):
            raise HTTPException(403, "Wrong admin token.")
        page = gaps_html(find_gaps(web.feedback.entries(since)))
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                           "X-Robots-Tag": "noindex"})

    @router.get("/api/suggestions", tags=["api"], summary="Suggested questions about the newest articles")
    def suggestions(web: Web) -> dict:
        """Questions about the newest articles, made at the last ingest by rules from their sentences and
        each checked through the answer pipeline: the assistant answers them (never "the articles do not
        say"). ``made`` is when (UTC); empty before an ingest made any."""
        made = web.assistant.suggestions()
        return {"suggested": made.suggested, "made": made.made or None}

    @router.get("/api/articles", tags=["api"], summary="List the ingested articles")
    def articles(web: Web) -> list[dict]:
        return public(web.assistant.articles())

    @router.get("/api/health", tags=["api"], summary="Store and model status")
    async def health(background: BackgroundTasks, web: Web) -> dict:
        """What answers are given from now (counts as of the last refresh); never waits for answers.
        When another process has ingested (``store.stale``), the refresh starts after this reply."""
        status = web.assistant.health()
        if status["store"]["stale"]:
            background.add_task(web.assistant.refresh_if_changed)  # sync: runs in a thread, after the reply
        return status

    @router.get("/api/timeline", tags=["api"], summary="Dated events across the articles, in date order")
    def timeline(web: Web) -> dict:
        """Every sentence that places an event on a day (or a range of at most a month), resolved
        against its article's date: ``date`` (``start``, ``end``, ``label``), the ``phrase``, and
        the ``citation`` (exact text at ``start:end`` with all its ``dates``)."""
        return public({"events": [e.to_dict() for e in web.events()]})

    return router


def static_router(api_docs: bool) -> APIRouter:
    """GET /widget.js (from memory, with an ETag), and /docs as a 404 that says why unless ``api_docs``."""
    router = APIRouter(include_in_schema=False)
    widget_js = (STATIC / "widget.js").read_bytes()  # read once: served from memory, never from a thread
    widget_tag = '"' + hashlib.sha256(widget_js).hexdigest()[:16] + '"'

    @router.get("/widget.js")
    async def widget(request: Request) -> Response:
        headers = {"Cache-Control": "no-cache", "ETag": widget_tag}
        if request.headers.get("if-none-match") == widget_tag:
            return Response(status_code=304, headers=headers)
        return Response(widget_js, media_type="text/javascript", headers=headers)

    if not api_docs:
        @router.get("/docs")
        async def no_docs() -> None:
            raise HTTPException(404, "The Swagger UI is off (it loads its script from a CDN): the spec is at "
                                     "/openapi.json, or set ASSISTANT_API_DOCS=true.")

    return router


def fallback_router() -> APIRouter:
    """Every /api path no other route serves: 404, or 405 with ``Allow`` when only the method is wrong.
    Include it after the other routers."""
    router = APIRouter(include_in_schema=False)

    @router.api_route("/api/{rest:path}", methods=ALL_METHODS)
    async def not_here(request: Request, rest: str) -> None:
        """An ``/api`` path no route serves (404), or a route asked with the wrong method (405)."""
        # The app's routes, those of its included routers too (FastAPI keeps those apart from app.routes).
        routes = [r for r in iter_route_contexts(request.app.routes) if isinstance(r.original_route, APIRoute)]
        allowed = sorted({m for r in routes if r.endpoint is not not_here and r.path_regex.match(request.url.path)
                          for m in r.methods})
        if allowed:
            raise HTTPException(405, f"{request.method} is not allowed on {request.url.path}: "
                                     f"use {', '.join(allowed)}.", {"Allow": ", ".join(allowed)})
        raise HTTPException(404, f"No such route: {request.url.path}. The API has POST /api/ask, POST /api/feedback, "
                                 "GET /api/articles, GET /api/health, GET /api/suggestions and GET /api/timeline.")

    return router
