# The two commands of the README's quick start. Each does its own set-up (Debian
# packages, .venv) and is a fast no-op when already set up.
.PHONY: run test demo setup

# The main job on the embedded default: the GUI with a display, else the headless demo.
run:
	@scripts/setup.sh
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		.venv/bin/qftune; \
	else \
		echo "make run: no display (DISPLAY/WAYLAND_DISPLAY unset), so running the headless demo: qftune demo"; \
		.venv/bin/qftune demo; \
	fi

# The whole test suite, headless.
test:
	@scripts/setup.sh --test
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest

demo:
	@scripts/setup.sh
	.venv/bin/qftune demo
