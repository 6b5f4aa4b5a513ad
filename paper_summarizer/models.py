"""Which model to use, and how to build it: `provider:model` strings through init_chat_model,
any OpenAI-compatible server through a base URL, or the embedded local model."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paper_summarizer import local_model
from paper_summarizer.errors import ModelConfigError, UnreadableVerdictError, first_line

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# The model clients (langchain, openai: 3 s of imports on a small machine) are imported where a
# model is built or an error classified, not when the CLI starts or a bad source is reported.

LOCAL = "local"
DEFAULT_DEEPSEEK = "deepseek:deepseek-reasoner"
DEFAULT_OPENAI = "openai:gpt-4o-mini"

# The variable each provider's client reads its key from, for a one-line "set X" message.
API_KEY_VARIABLES = {
    "openai": "OPENAI_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "together": "TOGETHER_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "xai": "XAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "perplexity": "PPLX_API_KEY",
}
PROVIDERS = set(API_KEY_VARIABLES) | {
    "azure_openai", "azure_ai", "bedrock", "bedrock_converse", "cohere", "google_vertexai",
    "huggingface", "ibm", "nvidia", "ollama", "upstage",
}  # fmt: skip

# Tokens a model reads at once, by name fragment; unknown models get a safe 32k.
CONTEXT_WINDOWS = {"deepseek": 64_000, "gpt-4o": 128_000, "gpt-4.1": 1_000_000, "gpt-5": 400_000}
DEFAULT_CONTEXT_WINDOW = 32_000


@dataclass(frozen=True)
class ModelChoice:
    name: str
    reason: str  # why this model: shown to the user when it was not named explicitly


def choose(explicit: str = "") -> ModelChoice:
    """The model a run uses when neither the caller nor PAPER_SUMMARIZER_MODEL named one."""
    if explicit:
        return ModelChoice(explicit, "")
    if os.environ.get("DEEPSEEK_API_KEY"):
        return ModelChoice(DEFAULT_DEEPSEEK, "DEEPSEEK_API_KEY is set")
    if os.environ.get("OPENAI_API_KEY"):
        return ModelChoice(DEFAULT_OPENAI, "OPENAI_API_KEY is set")
    return ModelChoice(
        LOCAL,
        "no model named and no API key set: using the embedded SmolLM2-135M (weak); "
        "set DEEPSEEK_API_KEY or OPENAI_API_KEY, or pass --model provider:model",
    )


def display_name(name: str) -> str:
    """The model as a reader should see it credited."""
    return local_model.DISPLAY_NAME if name == LOCAL else name


def split(name: str, base_url: str = "") -> tuple[str, str]:
    """'provider:model' -> (provider, model). Model names may hold colons ('llama3:8b')."""
    provider, sep, model = name.partition(":")
    if sep and provider in PROVIDERS:
        return provider, model
    if base_url or name == LOCAL:
        return "openai", name
    raise ModelConfigError(
        f"unknown model {name!r}: use 'provider:model' (e.g. {DEFAULT_OPENAI}), "
        "'local', or pass --base-url for an OpenAI-compatible server"
    )


def provider_of(name: str, base_url: str = "") -> str:
    """'openai', 'deepseek', ... for a model name; '' for one no provider claims."""
    if name == LOCAL:
        return "openai"  # the embedded model is served through an OpenAI-compatible endpoint
    try:
        return split(name, base_url)[0]
    except ModelConfigError:
        return ""


def context_window(name: str, configured: int = 0) -> int:
    if configured:
        return configured
    if name == LOCAL:
        return local_model.CONTEXT_WINDOW
    return next((n for k, n in CONTEXT_WINDOWS.items() if k in name), DEFAULT_CONTEXT_WINDOW)


# Reasoning models refuse a temperature (OpenAI's o-series and GPT-5) or ignore it (DeepSeek's).
_REASONING = ("reasoner", ":o1", ":o3", ":o4", "gpt-5", "r1")


def is_reasoning(name: str) -> bool:
    return any(part in name.lower() for part in _REASONING)


def max_output_tokens(name: str, configured: int = 0) -> int:
    return configured or (1024 if name == LOCAL else 8192)


# Providers whose LangChain models are built on the OpenAI SDK. Each model gets its own HTTP
# client: langchain-openai otherwise shares one per base URL for the whole process, and its
# pooled connections belong to the event loop that opened them, so a script's second
# `summarize()` (a new loop) died with "Event loop is closed".
OPENAI_CLIENTS = {"openai", "deepseek"}


@functools.lru_cache(maxsize=16)
def load(name: str, base_url: str = "", max_tokens: int = 0) -> BaseChatModel:
    """A chat model, built once per (name, base URL, output limit) in this process.

    Clients do not retry on their own (max_retries=0): the graph's RetryPolicy owns retries,
    so a transient fault is retried once per policy, not multiplied by client retries.
    """
    import openai
    from langchain.chat_models import init_chat_model

    tokens = max_output_tokens(name, max_tokens)
    if name == LOCAL:
        return init_chat_model(
            "smollm2-135m",
            model_provider="openai",
            base_url=local_model.base_url(),
            api_key="local",
            max_tokens=tokens,
            temperature=0.2,
            frequency_penalty=0.5,  # measured: a 135M model otherwise loops on one sentence
            max_retries=0,
            # No client timeout: the server is ours, in this process, and serves one request at a
            # time, so a slow call on a busy machine is queued work, not a dead peer. A timeout
            # there only made the retry start the same long call from scratch.
            timeout=None,
            http_async_client=openai.DefaultAsyncHttpxClient(timeout=None),
        )
    provider, model = split(name, base_url)
    key_variable = API_KEY_VARIABLES.get(provider, "")
    kwargs: dict[str, Any] = {"max_retries": 0, "timeout": 300, "max_tokens": tokens}
    if base_url:
        kwargs["base_url"] = base_url
        # Self-hosted servers rarely check keys, but the client insists on one.
        kwargs["api_key"] = os.environ.get(key_variable, "") or "not-needed"
    elif key_variable and not os.environ.get(key_variable):
        raise ModelConfigError(f"{name} needs an API key: set {key_variable}")
    if provider in OPENAI_CLIENTS:
        kwargs["http_async_client"] = openai.DefaultAsyncHttpxClient(timeout=300)
    try:
        chat: BaseChatModel = init_chat_model(model, model_provider=provider, **kwargs)
        return chat
    except ImportError as exc:
        raise ModelConfigError(f"{name}: {exc}") from exc
    except (ValueError, openai.OpenAIError) as exc:
        raise ModelConfigError(f"cannot set up {name}: {first_line(str(exc)) or type(exc).__name__}") from exc


_CLIENTS = load  # the cache itself, even where a test has put a fake in `load`'s place


def forget_clients() -> None:
    """Drop the model clients made so far: their connections belong to the event loop that
    opened them, and a blocking call's loop has ended (see runner.blocking)."""
    _CLIENTS.cache_clear()


def is_transient(exc: BaseException) -> bool:
    """Faults worth retrying with backoff: rate limits, server errors, timeouts, dropped links,
    and a judge whose replies could not be read."""
    import httpx
    import openai

    if isinstance(exc, UnreadableVerdictError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError, httpx.TransportError))


def shutdown() -> None:
    """Stop the embedded model's server and forget clients that point at it."""
    forget_clients()
    local_model.stop()
