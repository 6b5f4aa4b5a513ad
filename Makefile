.PHONY: test test-all lint format

# The README's test command is the canonical one (CI runs it); these are shortcuts.
test:  # the unit tests: seconds, no servers, no PDFs from ../shared
	uv run pytest tests/unit_tests

test-all:  # everything CI runs after the lint
	uv run pytest

lint:
	uv run ruff check . && uv run ruff format --check . && uv run mypy

format:
	uv run ruff format . && uv run ruff check --fix .
