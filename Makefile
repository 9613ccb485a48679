# The two commands of the README's quick start. Each does its own set-up (Debian
# packages, .venv) and is a fast no-op when already set up.
.PHONY: run test test-fast lint demo setup

# The main job on the embedded default: the GUI with a display Qt can open (gui/display.py), else the headless demo.
run:
	@scripts/setup.sh
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ] && problem=$$(.venv/bin/python -c \
			"from gui.display import display_problem as p; print(p() or '')") && [ -z "$$problem" ]; then \
		.venv/bin/qftune; \
	else \
		echo "make run: no usable display, so running the headless demo: qftune demo"; \
		.venv/bin/qftune demo; \
	fi

# The tree's rules (pyproject.toml): ruff's checks, and import-linter's contracts
# (core never imports gui or Qt; core's and gui's layers import only downwards; no Qt in the engine side of gui).
lint:
	@scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/lint-imports

# The whole test suite, headless, after the lint.
test: lint
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest

# The suite without the tests marked slow (training runs, multi-worker clusters, full-size models).
test-fast: lint
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -m "not slow"

demo:
	@scripts/setup.sh
	.venv/bin/qftune demo
