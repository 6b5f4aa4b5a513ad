"""Run configuration. LangGraph Studio renders these fields as a form; Python callers pass one per run.

Each field's default comes from `PAPER_SUMMARIZER_<FIELD>` when that variable is set (how a
deployment configures the served graph), else from the value below. A value passed explicitly
always wins over the environment, including on resume: the default is only read for fields a
caller did not pass.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args

from paper_summarizer.errors import BadInputError
from paper_summarizer.state import DEFAULT_MAX_DOWNLOAD_MB

T = TypeVar("T")

Audience = Literal["undergraduate", "expert", "general"]  # what each means: prompts/audiences.json
DraftMode = Literal["auto", "outline", "whole"]
# The fields that spend money, time or memory. A deployment caps each with
# PAPER_SUMMARIZER_<FIELD>_CEILING; a served run may lower them and never raise them.
SPENDING = (
    "max_iterations", "max_output_tokens", "context_window", "max_download_mb",
    "max_paper_words", "max_condense_parts", "max_model_calls", "max_total_tokens", "max_figures",
)  # fmt: skip


def ceiling_variable(name: str) -> str:
    return f"PAPER_SUMMARIZER_{name.upper()}_CEILING"


def _env_default(name: str, default: T) -> Callable[[], T]:
    variable = f"PAPER_SUMMARIZER_{name.upper()}"

    def read() -> T:
        raw = os.environ.get(variable)
        if raw is None or isinstance(default, list):
            return copy.copy(default)  # a list default is never shared between runs
        value: Any
        if isinstance(default, bool):
            value = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int | float):
            value = type(default)(raw)
        else:
            value = raw
        return value  # type: ignore[no-any-return]

    return read


def setting(name: str, default: T, description: str) -> T:
    """A Context field whose default is read from the environment when the Context is built."""
    shown = f"{default!r}" if not isinstance(default, list) else "the built-in list"
    return field(
        default_factory=_env_default(name, default),
        metadata={"description": f"{description} Default: {shown}, or PAPER_SUMMARIZER_{name.upper()}."},
    )


@dataclass(kw_only=True)
class Context:
    """Who writes, who judges, and how strict the loop is."""

    model: str = setting(
        "model",
        "",
        "Model that writes the summary: 'provider:model' (e.g. 'deepseek:deepseek-reasoner', "
        "'openai:gpt-4o-mini') or 'local' for the embedded SmolLM2. Empty: DeepSeek or OpenAI when "
        "their API key is set, else 'local'.",
    )
    evaluator_model: str = setting("evaluator_model", "", "Model that judges the summary. Empty: the writer.")
    base_url: str = setting(
        "base_url",
        "",
        "Base URL of an OpenAI-compatible server (vLLM, Ollama, llama.cpp), e.g. "
        "http://127.0.0.1:8000/v1. Empty: the provider's own API.",
    )
    max_iterations: int = setting(
        "max_iterations",
        0,
        "Most write-and-judge rounds before the best attempt is kept. 0: 4, or 2 for the embedded "
        "'local' model, whose rounds take about a minute each on 2 cores.",
    )
    min_words: int = setting("min_words", 500, "Fewest words a passing summary may have.")
    min_sections: int = setting("min_sections", 3, "Fewest '##'/'###' section headings a passing summary may have.")
    language: str = setting(
        "language",
        "English",
        "The language of the summary, headings included. The judge checks grammar and spelling in it, and "
        "a gate checks that the summary is in it.",
    )
    audience: Audience = setting(
        "audience",
        "undergraduate",
        "Who the summary is for: 'undergraduate' (jargon explained), 'expert' (jargon may stay) or "
        "'general' (explains even 'model' and 'dataset').",
    )
    criteria: list[str] = setting(
        "criteria",
        [],
        "What the LLM judge checks, one criterion per entry, each saying what failing it means. Empty: the "
        "built-in criteria for the audience and language. Length and headings are checked in code.",
    )
    generate_instructions: str = setting(
        "generate_instructions", "", "Replaces the writer's instructions (prompts/generate.md)."
    )
    evaluate_instructions: str = setting(
        "evaluate_instructions", "", "Replaces the judge's instructions (prompts/evaluate.md)."
    )
    max_output_tokens: int = setting(
        "max_output_tokens", 0, "Longest reply, in tokens. 0: 1024 for 'local', else 8192."
    )
    context_window: int = setting(
        "context_window",
        0,
        "Tokens the model can read at once; longer papers are condensed or shortened to fit. "
        "0: a known default for the model (8192 for 'local').",
    )
    condense: bool = setting(
        "condense",
        True,
        "Condense a paper too long for the context part by part into notes first (one model call "
        "per part). Off: shorten it to fit instead.",
    )
    draft_mode: DraftMode = setting(
        "draft_mode",
        "auto",
        "How the writer drafts: 'whole' (one call writes the summary), 'outline' (code builds the "
        "outline from the paper and the model writes one short section at a time, for small models), "
        "or 'auto' (outline for 'local' and for models with 8k tokens of context or less).",
    )
    min_coverage: float = setting(
        "min_coverage",
        0.7,
        "Share of the paper's key facts (its contributions, main results and limitations, extracted once "
        "per paper) a passing summary must convey, as the judge marks them. 0: no key facts are extracted.",
    )
    sources: bool = setting(
        "sources",
        True,
        "End each paragraph of the summary with its sources in the paper, '(§3.2, p. 5)', written by code "
        "from the evidence of its supported sentences.",
    )
    max_figures: int = setting(
        "max_figures",
        2,
        "Most of the paper's own figures the writer may place in the summary (each by a marker such as "
        "[[Figure 3]] on its own line; code puts in the image, cropped from the paper, and the paper's caption). "
        "0: no figures, and none are looked for.",
    )
    human_review: bool = setting(
        "human_review", False, "Pause after each verdict for a person to approve or give feedback."
    )
    input_price: float = setting(
        "input_price", 0.0, "USD per million input tokens, for the cost estimate in the report (0: none)."
    )
    output_price: float = setting(
        "output_price", 0.0, "USD per million output tokens (reasoning included), for the cost estimate."
    )
    max_download_mb: float = setting(
        "max_download_mb", DEFAULT_MAX_DOWNLOAD_MB, "Largest paper download or upload, in megabytes."
    )
    max_paper_words: int = setting(
        "max_paper_words",
        200_000,
        "Longest paper, in words of converted text; a longer one is refused before any model reads it.",
    )
    max_condense_parts: int = setting(
        "max_condense_parts", 64, "Most parts a long paper may be condensed in (one model call each)."
    )
    max_model_calls: int = setting(
        "max_model_calls",
        200,
        "Most model calls a run may make (condensing, writing, judging). Past it the run stops, and can be "
        "resumed with a larger budget.",
    )
    max_total_tokens: int = setting(
        "max_total_tokens",
        3_000_000,
        "Most tokens (input and output) a run may spend. Past it the run stops, and can be resumed with a "
        "larger budget.",
    )

    def __post_init__(self) -> None:
        for name, kind in (("audience", Audience), ("draft_mode", DraftMode)):
            if getattr(self, name) not in get_args(kind):
                raise BadInputError(f"unknown {name} {getattr(self, name)!r}: use one of {', '.join(get_args(kind))}")
        if self.max_figures < 0:
            raise BadInputError(f"max_figures must be 0 or more, not {self.max_figures}")
        if not 0 <= self.min_coverage <= 1:
            raise BadInputError(f"min_coverage must be between 0 and 1, not {self.min_coverage}")
        for name in ("max_paper_words", "max_condense_parts", "max_model_calls", "max_total_tokens"):
            if getattr(self, name) < 1:
                raise BadInputError(f"{name} must be at least 1, not {getattr(self, name)}")

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def describe(cls, name: str) -> str:
        """What a field does, with its default and its environment variable: the one text that
        Studio's form, the CLI's --help and `paper-summarizer settings` all show."""
        return str(next(f for f in dataclasses.fields(cls) if f.name == name).metadata["description"])

    @classmethod
    def parse_settings(cls, pairs: list[str]) -> dict[str, Any]:
        """`FIELD=VALUE` pairs (the CLI's `--set`) as typed field values, checked by name and type."""
        import json
        import typing

        types = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for pair in pairs:
            name, sep, raw = pair.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in types:
                known = ", ".join(sorted(types))
                raise BadInputError(f"--set takes FIELD=VALUE with one of these fields: {known} (got {pair!r})")
            kind = types[name]
            try:
                if kind is bool:
                    if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                        raise ValueError(raw)
                    values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
                elif kind in (int, float):
                    values[name] = kind(raw)
                elif kind == list[str]:
                    values[name] = json.loads(raw) if raw.lstrip().startswith("[") else [raw]
                else:
                    values[name] = raw
            except ValueError:
                raise BadInputError(f"--set {name}: {raw!r} is not a valid {getattr(kind, '__name__', kind)}") from None
        return values

    @classmethod
    def restore(cls, values: dict[str, Any]) -> Context:
        """A stored run's settings, exactly: fields a later version dropped are ignored, and only
        fields it did not store come from the environment."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
