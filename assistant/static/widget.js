/*
 * <news-assistant>: a chat widget for any web page, answering from the ingested news articles.
 *
 *   <script src="http://127.0.0.1:7860/widget.js" defer></script>
 *   <news-assistant></news-assistant>
 *
 * Attributes (all optional): title="Ask the articles", api="http://127.0.0.1:7860" (default: where
 * this script came from), open (start with the panel open). Without an element on the page the
 * script adds one. Everything lives in a Shadow DOM: the page's CSS cannot reach in, and the
 * widget's CSS cannot leak out. Article text is only ever set as text (never parsed as HTML), so
 * a hostile article cannot run script or load images here. No build step, no outside requests.
 * The server must list the page's origin in ASSISTANT_ALLOWED_ORIGINS.
 */
(function () {
  "use strict";
  if (window.customElements && customElements.get("news-assistant")) return;

  var SCRIPT_ORIGIN = (function () {
    try { return new URL(document.currentScript.src).origin; } catch (e) { return window.location.origin; }
  })();
  var MAX_HISTORY = 20;

  var CSS = [
    ":host { all: initial; position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; }",
    /* The page's rules for the host element itself (e.g. "* { letter-spacing }") would be inherited
       inside; this wrapper starts again from the initial values. */
    ".root { all: initial; display: flex; flex-direction: column; align-items: flex-end;",
    "  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #0f172a; }",
    "* { box-sizing: border-box; }",
    ".launcher { all: unset; cursor: pointer; background: #1d4ed8; color: #fff; border-radius: 999px;",
    "  padding: 10px 16px; font-weight: 600; box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:focus-visible, button:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }",
    ".panel { display: none; flex-direction: column; width: min(400px, calc(100vw - 40px));",
    "  height: min(560px, calc(100vh - 90px)); background: #fff; border: 1px solid #cbd5e1;",
    "  border-radius: 12px; box-shadow: 0 10px 30px rgba(0,0,0,.25); overflow: hidden; margin-bottom: 10px; }",
    ":host([data-open]) .panel { display: flex; }",
    ".head { display: flex; align-items: center; justify-content: space-between; padding: 10px 12px;",
    "  background: #1d4ed8; color: #fff; font-weight: 600; }",
    ".close { all: unset; cursor: pointer; font-size: 18px; padding: 0 4px; }",
    ".log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px; }",
    ".hint { color: #64748b; }",
    ".q { align-self: flex-end; background: #dbeafe; border-radius: 10px 10px 2px 10px; padding: 6px 10px; max-width: 85%; }",
    ".a { align-self: flex-start; background: #f1f5f9; border-radius: 10px 10px 10px 2px; padding: 8px 10px; max-width: 100%; }",
    ".a.error { background: #fee2e2; color: #7f1d1d; }",
    ".searched { color: #64748b; font-size: 12px; margin-top: 4px; }",
    ".short { font-size: 16px; margin-bottom: 4px; }",
    ".cite { all: unset; cursor: pointer; color: #1d4ed8; font-weight: 600; font-size: 12px; vertical-align: super; padding: 0 1px; }",
    ".sources { margin: 8px 0 0; padding: 0; list-style: none; }",
    ".sources-label { font-weight: 600; font-size: 12px; margin-top: 8px; color: #334155; }",
    ".sources-label.closest { color: #9a3412; }",
    ".source { border-left: 3px solid #94a3b8; margin: 6px 0; padding-left: 8px; }",
    ".source.active { border-left-color: #1d4ed8; background: #eff6ff; }",
    ".source summary { cursor: pointer; font-size: 12px; color: #475569; }",
    ".source .title { font-weight: 600; color: #0f172a; }",
    ".source .link { display: inline-block; margin: 2px 0 4px; font-size: 12px; color: #1d4ed8; }",
    ".source .link + .link { margin-left: 10px; }",
    ".passage { margin: 4px 0 2px; font-size: 13px; }",
    "mark { background: #fef08a; color: inherit; }",
    ".date { background: #dbeafe; color: #1e3a8a; border-radius: 3px; font-size: 12px; white-space: nowrap; }",
    "form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e2e8f0; }",
    "input { flex: 1; font: inherit; padding: 8px 10px; border: 1px solid #cbd5e1; border-radius: 8px; }",
    "form button { all: unset; cursor: pointer; background: #1d4ed8; color: #fff; border-radius: 8px; padding: 8px 12px; font-weight: 600; }",
    "form button[disabled] { opacity: .5; cursor: default; }",
    ".rating { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 8px; font-size: 12px; color: #475569; }",
    ".rate { all: unset; cursor: pointer; border: 1px solid #cbd5e1; border-radius: 999px; padding: 1px 9px; background: #fff; color: #0f172a; }",
    ".rate[aria-pressed=true] { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }",
    ".note { display: none; width: 100%; gap: 6px; }",
    ".note.shown { display: flex; }",
    ".note input { padding: 4px 8px; font-size: 12px; }",
    ".chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }",
    ".chip { all: unset; cursor: pointer; border: 1px solid #93c5fd; background: #eff6ff; color: #1e3a8a; border-radius: 999px; padding: 3px 10px; font-size: 12px; }",
    ".note button { all: unset; cursor: pointer; background: #1d4ed8; color: #fff; border-radius: 6px; padding: 3px 10px; }"
  ].join("\n");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A link to an article's web page: http(s) addresses only, its text set as text.
  function webLink(source, label) {
    var url;
    try { url = new URL(source); } catch (e) { return null; }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    var a = el("a", "link", (label || "Read at ") + url.hostname);
    a.href = url.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    return a;
  }

  // The cited text, each relative date ("late Tuesday") followed by the day it means.
  function markWithDates(c) {
    var mark = el("mark"), pos = 0;
    (c.dates || []).filter(function (d) { return d.resolved && !/^date/.test(d.rule); })
      .sort(function (a, b) { return a.start - b.start; })
      .forEach(function (d) {
        var from = d.start - c.start, to = d.end - c.start;
        if (from < pos || to > c.text.length) return;
        mark.appendChild(document.createTextNode(c.text.slice(pos, to)));
        mark.appendChild(el("span", "date", " (" + d.resolved.label + ")"));
        pos = to;
      });
    mark.appendChild(document.createTextNode(c.text.slice(pos)));
    return mark;
  }

  class NewsAssistant extends HTMLElement {
    constructor() {
      super();
      this.history = [];
      this.conversation = null;  // the server's conversation id, sent back with follow-ups
      var root = this.attachShadow({ mode: "open" });
      var style = el("style"); style.textContent = CSS; root.appendChild(style);

      this.panel = el("section", "panel");
      this.panel.setAttribute("role", "dialog");
      this.panel.setAttribute("aria-label", this.getAttribute("title") || "Ask the articles");
      var head = el("div", "head", this.getAttribute("title") || "Ask the articles");
      var close = el("button", "close", "\u00d7");
      close.setAttribute("aria-label", "Close");
      close.addEventListener("click", () => this.toggle(false));
      head.appendChild(close);
      this.log = el("div", "log");
      this.log.setAttribute("aria-live", "polite");
      this.log.appendChild(el("div", "hint", "Ask a question about the news articles. Every answer cites the sentences it comes from."));
      this.suggested = el("div", "chips suggested");  // filled from /api/suggestions when the panel first opens
      this.form = el("form");
      this.input = el("input");
      this.input.name = "question";
      this.input.placeholder = "Ask about the articles\u2026";
      this.input.setAttribute("aria-label", "Question");
      this.input.maxLength = 2000;
      this.send = el("button", null, "Ask");
      this.send.type = "submit";
      this.form.append(this.input, this.send);
      this.form.addEventListener("submit", (e) => { e.preventDefault(); this.ask(this.input.value); });
      this.panel.append(head, this.log, this.form);

      this.launcher = el("button", "launcher", "Ask the articles");
      this.launcher.setAttribute("aria-expanded", "false");
      this.launcher.addEventListener("click", () => this.toggle());
      var wrapper = el("div", "root");
      wrapper.append(this.panel, this.launcher);
      root.appendChild(wrapper);
      this.panel.addEventListener("keydown", (e) => { if (e.key === "Escape") this.toggle(false); });
    }

    connectedCallback() { if (this.hasAttribute("open")) this.toggle(true); }

    // Questions to start with (checked by the server to be answered), shown until the first question.
    async loadSuggestions() {
      if (this.suggestionsLoaded) return;
      this.suggestionsLoaded = true;
      try {
        var res = await fetch(this.api + "/api/suggestions");
        if (!res.ok) return;
        var data = await res.json();
        (data.suggested || []).slice(0, 4).forEach((q) => this.suggested.appendChild(this.chip(q)));
        if (this.suggested.childNodes.length && !this.log.querySelector(".q")) this.log.appendChild(this.suggested);
      } catch (e) { /* no suggestions: the hint alone */ }
    }

    chip(question) {
      var b = el("button", "chip", question);
      b.type = "button";
      b.addEventListener("click", () => this.ask(question));
      return b;
    }

    get api() { return (this.getAttribute("api") || SCRIPT_ORIGIN).replace(/\/$/, ""); }

    toggle(open) {
      var show = open === undefined ? !this.hasAttribute("data-open") : open;
      this.toggleAttribute("data-open", show);
      this.launcher.setAttribute("aria-expanded", String(show));
      if (show) { this.input.focus(); this.loadSuggestions(); }
    }

    async ask(text) {
      var question = (text || "").trim();
      if (!question) { this.input.focus(); return; }
      if (this.suggested.parentNode) this.suggested.remove();
      this.log.appendChild(el("div", "q", question));
      var bubble = el("div", "a", "\u2026");
      this.log.appendChild(bubble);
      this.input.value = "";
      this.send.disabled = true;
      this.scroll(bubble);
      try {
        var res = await fetch(this.api + "/api/ask", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(Object.assign({ question: question, history: this.history.slice(-MAX_HISTORY) },
                                             this.conversation ? { conversation_id: this.conversation } : {}))
        });
        var data = await res.json().catch(() => ({ error: "The server sent a response that is not JSON (status " + res.status + ")." }));
        if (res.status === 429) {  // the server's rate limit: say when to ask again
          var wait = parseInt(res.headers.get("Retry-After") || data.retry_after, 10);
          throw new Error("Too many questions; try again in " + (wait > 0 ? wait : "a few") + " s.");
        }
        if (!res.ok) throw new Error(data.error || ("The server answered " + res.status + "."));
        this.render(bubble, data);
        if (data.conversation_id) this.conversation = data.conversation_id;
        this.history.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
      } catch (err) {
        bubble.className = "a error";
        bubble.textContent = err instanceof TypeError
          ? "Cannot reach the assistant at " + this.api + " (is it running, and does ASSISTANT_ALLOWED_ORIGINS list " + window.location.origin + "?)"
          : err.message;
      } finally {
        this.send.disabled = false;
        this.input.focus();
      }
    }

    render(bubble, data) {
      bubble.textContent = "";
      if (data.short_answer && !data.abstained) {
        // The few words that answer the question ("Taiwan"), then the cited sentences.
        var short = el("div", "short");
        short.appendChild(el("strong", null, data.short_answer.text));
        if (data.short_answer.day) short.appendChild(document.createTextNode(" (" + data.short_answer.day + ")"));
        bubble.appendChild(short);
      }
      var text = el("div", "text");
      var items = data.abstained ? (data.closest_matches || []) : (data.citations || []);
      var sources = {};
      var body = String(data.answer);
      if (data.short_answer && !data.abstained) {
        // The answer's text begins with the short answer's line ("Taiwan [1]"), shown above in bold.
        var day = data.short_answer.day ? " (" + data.short_answer.day + ")" : "";
        var lead = data.short_answer.text + day + " [" + data.short_answer.citation + "]\n\n";
        if (body.indexOf(lead) === 0) body = body.slice(lead.length);
      }
      // The answer's [n] markers become buttons that open source n.
      body.split(/(\[\d+\])/).forEach((part) => {
        var m = /^\[(\d+)\]$/.exec(part);
        if (!m) { text.appendChild(document.createTextNode(part)); return; }
        var b = el("button", "cite", part);
        b.setAttribute("aria-label", "Show source " + m[1]);
        b.addEventListener("click", () => this.open(sources[m[1]]));
        text.appendChild(b);
      });
      bubble.appendChild(text);
      if (data.searched) bubble.appendChild(el("div", "searched", "Searched for: " + data.searched));
      if (data.notice) bubble.appendChild(el("div", "searched", data.notice));
      if (data.dropped && data.dropped.length) {
        var dropped = el("details", "searched");
        dropped.appendChild(el("summary", null, "Not shown: " + data.dropped.length + " generated sentence(s) without support"));
        data.dropped.forEach(function (d) { dropped.appendChild(el("div", null, d.sentence + " (" + d.reason + ")")); });
        bubble.appendChild(dropped);
      }
      if (items.length) this.sourcesList(bubble, data, items, sources);
      if (data.follow_ups && data.follow_ups.length) {
        var more = el("div", "chips follow-ups");
        more.setAttribute("aria-label", "You could also ask");
        data.follow_ups.forEach((q) => more.appendChild(this.chip(q)));
        bubble.appendChild(more);
      }
      if (data.id) bubble.appendChild(this.rating(data.id));
      this.scroll(bubble);
    }

    // "Did this answer your question?" Yes / No, then an optional short comment; sent to /api/feedback.
    rating(id) {
      var row = el("div", "rating");
      row.appendChild(el("span", null, "Did this answer your question?"));
      var yes = el("button", "rate", "\ud83d\udc4d Yes"), no = el("button", "rate", "\ud83d\udc4e No");
      yes.setAttribute("aria-label", "Helpful");
      no.setAttribute("aria-label", "Not helpful");
      var status = el("span", "rate-status");
      status.setAttribute("role", "status");
      var note = el("div", "note"), input = el("input"), send = el("button", null, "Send");
      input.maxLength = 1000;
      input.placeholder = "What was missing or wrong? (optional)";
      input.setAttribute("aria-label", "Comment on this answer");
      note.append(input, send);
      var helpful = null;
      var choose = (value) => {
        helpful = value;
        yes.setAttribute("aria-pressed", String(value));
        no.setAttribute("aria-pressed", String(!value));
        this.sendFeedback({ answer_id: id, helpful: value }, status, "Thanks!");
        note.classList.add("shown");
      };
      var comment = () => {
        var text = input.value.trim();
        if (!text || helpful === null) return;
        this.sendFeedback({ answer_id: id, helpful: helpful, comment: text }, status, "Thanks, comment sent.");
        note.classList.remove("shown");
      };
      yes.addEventListener("click", () => choose(true));
      no.addEventListener("click", () => choose(false));
      send.addEventListener("click", comment);
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); comment(); } });
      row.append(yes, no, status, note);
      return row;
    }

    async sendFeedback(body, status, done) {
      status.textContent = "\u2026";
      try {
        var res = await fetch(this.api + "/api/feedback", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
        });
        var data = await res.json().catch(() => ({}));
        if (res.status === 429) {
          var wait = parseInt(res.headers.get("Retry-After") || data.retry_after, 10);
          throw new Error("Too many ratings; try again in " + (wait > 0 ? wait : "a few") + " s.");
        }
        if (!res.ok) throw new Error(data.error || ("The server answered " + res.status + "."));
        status.textContent = done;
      } catch (err) {
        status.textContent = err instanceof TypeError ? "Could not send the rating." : err.message;
      }
    }

    sourcesList(bubble, data, items, sources) {
      bubble.appendChild(el("div", data.abstained ? "sources-label closest" : "sources-label",
        data.abstained ? "Closest matches (not an answer)" : "Sources"));
      var list = el("ol", "sources");
      items.forEach((c) => {
        var li = el("li", "source");
        var details = el("details");
        var summary = el("summary");
        summary.appendChild(el("span", "n", "[" + c.n + "] "));
        summary.appendChild(el("span", "title", c.title || c.source));
        var meta = [c.outlet, c.published].filter(Boolean).join(" \u00b7 ");
        if (meta) summary.appendChild(el("span", "meta", " \u2014 " + meta));
        var passage = el("p", "passage");
        var ctx = c.context || {};
        passage.append(document.createTextNode(ctx.before || ""), markWithDates(c),
                       document.createTextNode(ctx.after || ""));
        details.append(summary, passage);
        var link = webLink(c.source);
        if (link) details.appendChild(link);
        // The same story at other addresses (stored once): links by the same check, else text.
        (c.also_at || []).forEach(function (other) {
          var more = webLink(other, "Also at ");
          details.appendChild(more || el("div", "link also", "Also in " + other));
        });
        li.appendChild(details);
        list.appendChild(li);
        sources[String(c.n)] = li;
      });
      bubble.appendChild(list);
    }

    open(li) {
      if (!li) return;
      this.log.querySelectorAll(".source.active").forEach((x) => x.classList.remove("active"));
      li.classList.add("active");
      li.querySelector("details").open = true;
      this.log.scrollTop = Math.max(0, li.offsetTop - this.log.offsetTop - 40);
    }

    scroll() { this.log.scrollTop = this.log.scrollHeight; }
  }

  customElements.define("news-assistant", NewsAssistant);

  function ensureOne() {
    if (!document.querySelector("news-assistant")) document.body.appendChild(document.createElement("news-assistant"));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ensureOne);
  else ensureOne();
})();
