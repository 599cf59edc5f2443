"""The Gradio web chat: the same ``Assistant.answer`` as the CLI, shown with its sources.

Every piece of article or answer text goes through ``escape``, which turns all ASCII
punctuation into numeric character references. The chat renders Markdown and HTML, so this
is what keeps an article containing ``<script>``, ``<img onerror=...>``, ``javascript:``
links or ``![x](http://elsewhere/x.png)`` inert: after escaping, no tag, link or image
syntax is left for either renderer to act on. Only the markup built here is live.

Sources are shown relative to the working folder (``citations.shown_path``), and an error the
reader did not cause is logged, never shown: the reply says only that something went wrong.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import gradio as gr

from assistant.citations import shown_path
from assistant.conversation import Turn
from assistant.errors import USER_ERRORS
from assistant.models import Answer, Citation

log = logging.getLogger(__name__)
FAILED = "Sorry: something went wrong answering this. The server log has the details; try again, or ask another way."
_ESCAPED = {ord(ch): f"&#{ord(ch)};" for ch in string.punctuation}
_SOURCES_MARK = '<div class="na-sources'
SEARCHED_TITLE = "Searched for"
STREAM_STEP_WORDS = 4

CSS = """
.na-sources { margin-top: .25em; font-size: .92em; }
.na-short { font-size: 1.15em; margin-bottom: .3em; }
.na-label { font-weight: 600; margin-bottom: .35em; }
.na-label.na-closest { color: #9a3412; }
.na-source { border-left: 3px solid #94a3b8; padding: .1em 0 .1em .6em; margin: .5em 0; }
.na-head { font-size: .92em; color: #475569; }
.na-n { font-weight: 600; color: #1d4ed8; }
.na-title { font-weight: 600; color: #0f172a; }
.na-para { margin: .25em 0 0 0; line-height: 1.45; }
.na-para mark { background: #fef08a; padding: 0 .1em; }
.na-articles td, .na-articles th { padding: .2em .6em; text-align: left; }
.na-date { background: #dbeafe; color: #1e3a8a; border-radius: 3px; padding: 0 .25em; font-size: .9em; white-space: nowrap; }
.na-timeline { list-style: none; padding: 0; margin: 0; }
.na-timeline li { display: grid; grid-template-columns: 12em 1fr; gap: .8em; padding: .35em 0; border-bottom: 1px solid #e2e8f0; }
.na-when { font-weight: 600; color: #1d4ed8; }
"""


def escape(text: str) -> str:
    """``text`` made inert for HTML and Markdown alike (line breaks become spaces)."""
    return " ".join(text.split("\n")).translate(_ESCAPED)


_WEB_ADDRESS = re.compile(r"https?://[^\s\x00-\x1f\x7f\"'<>`]+", re.I)


def source_html(source: str) -> str:
    """An article's source: a link when it is a web address (http or https only), else text; escaped."""
    if _WEB_ADDRESS.fullmatch(source or ""):
        return (f'<a href="{escape(source)}" target="_blank" rel="noopener noreferrer nofollow">'
                f"{escape(source)}</a>")
    return escape(shown_path(source or ""))


def _about(c: Citation) -> str:
    loc = c.location
    meta = " \u00b7 ".join([*(escape(x) for x in (loc.outlet, loc.published) if x), source_html(loc.source)])
    title = f'<span class="na-title">{escape(loc.title)}</span> ' if loc.title else ""
    return f'<span class="na-n">[{c.n}]</span> {title}<span class="na-meta">{meta}</span>'


def short_html(answer: Answer) -> str:
    """The short answer ("Taiwan"), shown first in bold, with the source it comes from; "" if none.
    The answer's text begins with it too (``Answer.body`` is the rest, shown under it)."""
    short = answer.short_answer
    if short is None or answer.abstained:
        return ""
    day = f' <span class="na-date">({escape(short.day)})</span>' if short.day else ""
    return (f'<div class="na-short"><strong>{escape(short.text)}</strong>{day} '
            f'<span class="na-n">[{short.n}]</span></div>')


def sources_html(answer: Answer) -> str:
    """The sources of an answer (or its closest matches), each cited sentence highlighted in its paragraph."""
    items = answer.closest if answer.abstained else answer.citations
    if not items:
        return ""
    label = ('<div class="na-label na-closest">Closest matches (not an answer)</div>' if answer.abstained
             else '<div class="na-label">Sources</div>')
    parts = [f'{_SOURCES_MARK}">', label]
    for c in items:
        also = "".join(f'<div class="na-head">also in {source_html(a.source)}</div>' for a in c.also_in)
        also += "".join(f'<div class="na-head">also at {source_html(s)}</div>' for s in c.also_at)
        parts.append(f'<div class="na-source"><div class="na-head">{_about(c)}</div>'
                     f'<p class="na-para">{escape(c.before)}<mark>{dated_html(c)}</mark>{escape(c.after)}</p>'
                     f'{also}</div>')
    parts.append("</div>")
    return "".join(parts)  # one line: a blank line would end Markdown's HTML block


def dated_html(c: Citation) -> str:
    """The cited text with each relative date followed by the day it means (the text itself unchanged)."""
    parts = []
    for piece, expression in c.segments():
        parts.append(escape(piece))
        if expression is not None and expression.relative:
            parts.append(f' <span class="na-date">({escape(expression.label)})</span>')
    return "".join(parts)


def timeline_html(events: list) -> str:
    """The timeline: each dated sentence under its day, with where it comes from."""
    if not events:
        return "<p>No dated events: nothing ingested yet, or no article has a publication date.</p>"
    rows = []
    for ev in events:
        loc = ev.sentence.location
        about = " \u00b7 ".join(escape(x) for x in (loc.title or shown_path(loc.source), loc.outlet, loc.published) if x)
        rows.append(f'<li><span class="na-when">{escape(ev.label)}</span><span>{escape(ev.sentence.text)}'
                    f'<br><span class="na-head">{escape(ev.phrase)} \u2014 {about}</span></span></li>')
    return f'<ol class="na-timeline">{"".join(rows)}</ol>'


def articles_html(articles: list[dict]) -> str:
    """A table of the ingested articles."""
    rows = "".join(
        f"<tr><td>{escape(a.get('title') or shown_path(a['source']))}</td><td>{escape(a.get('outlet') or '')}</td>"
        f"<td>{escape(a.get('published') or '')}</td><td>{a.get('chunks', '')}</td></tr>" for a in articles)
    return (f'<table class="na-articles"><tr><th>Headline</th><th>Outlet</th><th>Date</th><th>Chunks</th></tr>'
            f"{rows}</table>" if articles else "<p>No articles are ingested yet.</p>")


def respond(stream_fn: Callable[[str, list[Turn]], Iterator], message: str,
            turns: list[Turn], keep: Callable[[Answer], None] | None = None) -> Iterator[tuple[list, list[Turn]]]:
    """The chat function: stream the answer, then show the verified answer with its sources, what
    was searched, and what was dropped.

    Args:
        turns: the conversation so far (the chat's own state, oldest first).
        keep: called with the final answer before it is shown (the feedback log gives it its id).

    Yields:
        ``(messages for this question, the conversation's turns)``; the turns gain this question
        and its answer with the last item.
    """
    answer, generated = None, ""
    try:
        for item in stream_fn(message, turns):
            if isinstance(item, Answer):
                answer = item
            else:  # generated text, not yet verified: shown as it comes, replaced below
                generated += item
                yield [gr.ChatMessage(content=escape(generated), metadata={"title": "Writing (checked when done)",
                                                                            "status": "pending"})], turns
    except USER_ERRORS as exc:
        yield [gr.ChatMessage(content=escape(f"Sorry: {exc}"))], turns  # a question not answered is no turn
        return
    except Exception:
        log.exception("error answering in the chat")
        yield [gr.ChatMessage(content=escape(FAILED))], turns
        return
    searched = gr.ChatMessage(content=escape(answer.searched or answer.question),
                              metadata={"title": SEARCHED_TITLE, "status": "done"})
    short = short_html(answer)
    if not generated:  # an extractive answer comes whole: let it arrive a few words at a time
        words = answer.body.split(" ")
        for i in range(STREAM_STEP_WORDS, len(words), STREAM_STEP_WORDS):
            yield [searched, gr.ChatMessage(content=short + escape(" ".join(words[:i])))], turns
    if keep is not None:
        keep(answer)
    final = [searched, gr.ChatMessage(content=short + escape(answer.body))]
    sources = sources_html(answer)
    if sources:
        final.append(gr.ChatMessage(content=sources))
    if answer.notice:
        final.append(gr.ChatMessage(content=escape(answer.notice), metadata={"title": "Note", "status": "done"}))
    if answer.dropped:
        lines = "".join(f"<li>{escape(d.sentence)} <i>({escape(d.reason)})</i></li>" for d in answer.dropped)
        final.append(gr.ChatMessage(content=f"<ul>{lines}</ul>", metadata={
            "title": f"Not shown: {len(answer.dropped)} generated sentence(s) without support", "status": "done"}))
    if answer.follow_ups:  # checked questions about the cited articles, one click away (Gradio shows them as buttons)
        final.append(gr.ChatMessage(content="You could also ask:",
                                    options=[{"label": q, "value": q} for q in answer.follow_ups]))
    yield final, turns + [Turn(answer.question, answer.answer)]


FEEDBACK_OPTIONS = ("Like", "Dislike", "Wrong answer", "Incomplete", "Not what I asked")  # Gradio: thumbs, then a flag menu


def rated_answer(history: list, asked: list[str | None], index) -> str | None:
    """The id of the answer a chat message belongs to: the answer to the question before it
    (``asked`` holds one answer id, or None, per question sent, in order)."""
    index = index if isinstance(index, int) else index[0]
    role = [m.get("role") if isinstance(m, dict) else getattr(m, "role", None) for m in history[: index + 1]]
    k = role.count("user") - 1
    return asked[k] if 0 <= k < len(asked) else None


@dataclass
class Chat:
    """The Gradio chat: what it calls, its event handlers, and ``build()``, the Gradio app with the
    chat, example questions, the timeline and the list of ingested articles.

    Attributes:
        stream: ``(question, history turns) ->`` generated text pieces, then the ``Answer``
            (``Assistant.answer_stream``); user errors it raises are shown as a reply.
        list_articles: the ingested articles' metadata (for the articles list).
        examples: example questions, one click away.
        timeline: the dated events (``timeline.Event``), shown under "Timeline".
        title: the page's title and heading.
        admit: ``(client address) ->`` 0 to answer, or the seconds to wait (the rate limit).
        record: ``(answer, conversation id)``: keep the answer in the feedback log (sets its ``id``).
        rate: ``(client address, answer id, helpful, comment) ->`` 0, or the seconds to wait: a
            reader's thumbs up/down (or flag with a reason, kept as the comment) under an answer.
        new_id: a fresh conversation id.
    """

    stream: Callable[[str, list[Turn]], Iterator]
    list_articles: Callable[[], list[dict]]
    examples: list[str]
    timeline: Callable[[], list] | None = None
    title: str = "News assistant"
    admit: Callable[[str], int] | None = None
    record: Callable[[Answer, str], None] | None = None
    rate: Callable[[str, str, bool, str | None], int] | None = None
    new_id: Callable[[], str] | None = None

    # Gradio reads these handlers' type hints (gr.Request, gr.LikeData) and names their API after them.

    def chat(self, message: str, history: list[dict], turns: list[Turn] | None, asked: list | None, conversation: str,
             request: gr.Request) -> Iterator[tuple]:
        """The chat function: ``respond``, within the rate limit, with each answer kept under its id.

        Yields:
            ``(messages, turns, asked, conversation)``: ``asked`` gains this question's answer id (or None).
        """
        conversation = conversation or (self.new_id() if self.new_id else "")
        asked = list(asked or [])
        wait = self.admit(_address(request)) if self.admit and request else 0
        if wait:
            yield ([gr.ChatMessage(content=escape(f"Too many questions; try again in {wait} s."))], list(turns or []),
                   asked + [None], conversation)
            return
        kept: list[str] = []

        def keep(answer: Answer) -> None:
            if self.record is not None:
                self.record(answer, conversation)
                kept.extend([answer.id] if answer.id else [])

        for messages, now in respond(self.stream, message, list(turns or []), keep):  # Gradio streams a generator
            yield messages, now, asked + [kept[-1] if kept else None], conversation

    def feedback(self, history: list, asked: list | None, data: gr.LikeData, request: gr.Request) -> tuple:
        """A thumb or a flag: kept at once; the comment box below then adds a reader's own words to it."""
        answer_id = rated_answer(history or [], list(asked or []), data.index)
        if self.rate is None or answer_id is None or not isinstance(data.liked, bool | str) or data.liked == "":
            return gr.skip(), gr.skip()
        helpful = data.liked is True or data.liked == "Like"
        comment = data.liked if isinstance(data.liked, str) and data.liked not in ("Like", "Dislike") else None
        if not self._kept(request, answer_id, helpful, comment, "rating"):
            return gr.skip(), gr.skip()
        return [answer_id, helpful, comment], gr.update(visible=True)

    def send_comment(self, text: str, rated: list | None, request: gr.Request) -> tuple:
        """The reader's comment on the answer they rated last (it replaces a flag's reason, kept in front)."""
        text = (text or "").strip()
        if self.rate is None or not rated or not text:
            return gr.skip(), gr.skip()
        answer_id, helpful, reason = rated
        if not self._kept(request, answer_id, helpful, f"{reason}: {text}" if reason else text, "comment"):
            return gr.skip(), gr.skip()
        gr.Info("Thanks: your comment was kept with your rating.")
        return "", gr.update(visible=False)

    def _kept(self, request: gr.Request, answer_id: str, helpful: bool, comment: str | None, what: str) -> bool:
        """Keep a rating in the feedback log; a refusal or the rate limit is shown as a warning."""
        try:
            wait = self.rate(_address(request), answer_id, helpful, comment)
        except USER_ERRORS as exc:
            gr.Warning(f"The {what} was not kept: {exc}")
            return False
        if wait:
            gr.Warning(f"Too many ratings; try again in {wait} s.")
            return False
        return True

    def build(self) -> gr.Blocks:
        """The Gradio app (queue and mount it to serve it)."""
        with gr.Blocks(title=self.title, analytics_enabled=False) as demo:
            turns = gr.State([])  # the conversation as Turns, kept beside what the chat shows
            asked = gr.State([])  # one answer id (or None) per question sent, for the feedback buttons
            conversation = gr.State("")  # the conversation's id in the feedback log ("" until the first question)
            gr.Markdown(f"# {escape(self.title)}\n"
                        "Answers come only from the ingested news articles. Every sentence cites the article "
                        "sentence it comes from, shown highlighted in its paragraph; when the articles do not "
                        "say, the assistant says so. Follow-up questions use the conversation.")
            chatbot = gr.Chatbot(label="Conversation", height=560, sanitize_html=True, render_markdown=True,
                                 line_breaks=False, elem_id="na-chatbot",
                                 feedback_options=FEEDBACK_OPTIONS if self.rate else None, buttons=["copy", "copy_all"],
                                 placeholder="Ask a question about the articles, or pick an example below.")
            gr.ChatInterface(self.chat, chatbot=chatbot, examples=[[q] for q in self.examples] or None,
                             additional_inputs=[turns, asked, conversation],
                             additional_outputs=[turns, asked, conversation],
                             run_examples_on_click=True, cache_examples=False, analytics_enabled=False,
                             fill_height=False, autofocus=True, api_name="chat",
                             textbox=gr.Textbox(placeholder="Ask about the articles…", elem_id="na-question",
                                                submit_btn=True, show_label=False))
            chatbot.clear(lambda: ([], [], ""), outputs=[turns, asked, conversation], queue=False)
            # Retry and undo take the last question back out of the chat: out of the turns too.
            chatbot.retry(lambda t, a: (list(t or [])[:-1], list(a or [])[:-1]), inputs=[turns, asked],
                          outputs=[turns, asked], queue=False)
            chatbot.undo(lambda t, a: (list(t or [])[:-1], list(a or [])[:-1]), inputs=[turns, asked],
                         outputs=[turns, asked], queue=False)
            if self.rate is not None:
                self._rating(chatbot, asked)
            self._views(demo)
        return demo

    def _rating(self, chatbot: gr.Chatbot, asked: gr.State) -> None:
        """The thumbs and flags under answers, and the comment box a rating opens."""
        rated = gr.State(None)  # [answer id, helpful, flag reason] of the last rating, for its comment
        with gr.Row(visible=False, elem_id="na-comment-row") as comment_row:
            comment_box = gr.Textbox(placeholder="Add a comment to your rating (optional)", max_length=1000,
                                     show_label=False, elem_id="na-comment", scale=4)
            comment_send = gr.Button("Send comment", elem_id="na-comment-send", scale=1)
        chatbot.like(self.feedback, inputs=[chatbot, asked], outputs=[rated, comment_row], queue=False)
        comment_box.submit(self.send_comment, inputs=[comment_box, rated], outputs=[comment_box, comment_row],
                           queue=False)
        comment_send.click(self.send_comment, inputs=[comment_box, rated], outputs=[comment_box, comment_row],
                           queue=False)

    def _views(self, demo: gr.Blocks) -> None:
        """The timeline and the articles, each under its accordion, filled when the page loads."""
        with gr.Accordion("Timeline", open=False, elem_id="na-timeline"):
            events = gr.HTML()
        with gr.Accordion("Articles", open=False):
            table = gr.HTML()
        demo.load(lambda: articles_html(self.list_articles()), outputs=table)
        if self.timeline is not None:
            demo.load(lambda: timeline_html(self.timeline()), outputs=events)


def _address(request: gr.Request) -> str:
    """The client address a limit counts against."""
    return getattr(request.client, "host", None) or "unknown"
