# The two commands of the README's quick start. Each does its own set-up (Debian
# packages, .venv) and is a fast no-op when already set up.
.PHONY: run test test-fast test-slow lint demo setup

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

# The test suite, headless, after the lint: every test not marked slow, on two pytest-xdist workers
# (one per core; a test file stays on one worker, so its module fixtures are built once).
test: lint
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -m "not slow" -n 2 --dist loadfile

# The same as make test (kept for old habits).
test-fast: test

# The tests marked slow (training runs, multi-worker clusters, bundled/full-size models); CI runs them
# after make test. pytest's exit 5 ("no tests collected", e.g. all deselected by -k) is not a failure.
test-slow:
	@scripts/setup.sh --test
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -m slow; rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

demo:
	@scripts/setup.sh
	.venv/bin/qftune demo
