"""Run configuration. LangGraph Studio renders these fields as a form; Python callers pass one per run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

DEFAULT_CRITERIA = [
    "Understandable by an undergraduate student: jargon is explained, ideas build on each other.",
    "Correct grammar and spelling.",
    "Faithful to the paper: every claim, number and name comes from the paper.",
    "A clear structure: a title, then sections that each cover one aspect (problem, method, results, limitations).",
]


@dataclass(kw_only=True)
class Context:
    """Who writes, who judges, and how strict the loop is."""

    model: str = field(
        default="",
        metadata={
            "description": "Model that writes the summary: 'provider:model' (e.g. "
            "'deepseek:deepseek-reasoner', 'openai:gpt-4o-mini') or 'local' for the embedded "
            "SmolLM2. Empty: PAPER_SUMMARIZER_MODEL, then DeepSeek or OpenAI when their API key "
            "is set, else 'local'."
        },
    )
    evaluator_model: str = field(
        default="",
        metadata={"description": "Model that judges the summary. Empty: the same as `model`."},
    )
    base_url: str = field(
        default="",
        metadata={
            "description": "Base URL of an OpenAI-compatible server (vLLM, Ollama, llama.cpp), "
            "e.g. http://127.0.0.1:8000/v1. Empty: the provider's own API."
        },
    )
    max_iterations: int = field(
        default=4,
        metadata={"description": "Most write-and-judge rounds before the best attempt is kept."},
    )
    min_words: int = field(default=500, metadata={"description": "Fewest words a passing summary may have."})
    min_sections: int = field(
        default=3,
        metadata={"description": "Fewest '##'/'###' section headings a passing summary may have."},
    )
    criteria: list[str] = field(
        default_factory=lambda: list(DEFAULT_CRITERIA),
        metadata={
            "description": "What the LLM judge checks, one criterion per entry. Word count and "
            "headings are checked in code."
        },
    )
    generate_instructions: str = field(
        default="",
        metadata={"description": "Replaces the writer's instructions (prompts/generate.md)."},
    )
    evaluate_instructions: str = field(
        default="",
        metadata={"description": "Replaces the judge's instructions (prompts/evaluate.md)."},
    )
    max_output_tokens: int = field(
        default=0,
        metadata={"description": "Longest reply, in tokens. 0: 1024 for 'local', else 8192."},
    )
    context_window: int = field(
        default=0,
        metadata={
            "description": "Tokens the model can read at once; longer papers are shortened to "
            "fit. 0: a known default for the model (8192 for 'local')."
        },
    )
    condense: bool = field(
        default=True,
        metadata={
            "description": "Condense a paper too long for the context part by part into notes "
            "first (one model call per part). Off: shorten it to fit instead."
        },
    )
    allow_local_files: bool = field(
        default=False,
        metadata={
            "description": "Let the source be a path on this machine. Off by default so a "
            "served graph cannot read the server's files; the CLI and Python API turn it on."
        },
    )
    human_review: bool = field(
        default=False,
        metadata={"description": "Pause after each verdict for a person to approve or give feedback."},
    )
    input_price: float = field(
        default=0.0,
        metadata={"description": "USD per million input tokens, for the cost estimate in the report (0: none)."},
    )
    output_price: float = field(
        default=0.0,
        metadata={"description": "USD per million output tokens (reasoning included), for the cost estimate."},
    )
    max_download_mb: float = field(default=50.0, metadata={"description": "Largest paper download, in megabytes."})

    def __post_init__(self) -> None:
        # Deployments configure the served graph through PAPER_SUMMARIZER_* variables.
        for f in fields(self):
            value = os.environ.get(f"PAPER_SUMMARIZER_{f.name.upper()}")
            if value is None or getattr(self, f.name) != f.default:
                continue
            if f.type in ("bool", bool):
                setattr(self, f.name, value.strip().lower() in ("1", "true", "yes", "on"))
            elif f.type in ("int", int):
                setattr(self, f.name, int(value))
            elif f.type in ("float", float):
                setattr(self, f.name, float(value))
            elif f.type in ("str", str):
                setattr(self, f.name, value)
