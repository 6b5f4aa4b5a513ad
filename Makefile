.PHONY: test lint format

# The README's test command is the canonical one (CI runs it); these are shortcuts.
test:
	uv run pytest

lint:
	uv run ruff check . && uv run ruff format --check . && uv run mypy

format:
	uv run ruff format . && uv run ruff check --fix .
