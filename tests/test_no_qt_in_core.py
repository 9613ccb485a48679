"""The engine stays free of Qt: `core` must run where no display or Qt exists."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
QT_MODULES = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "gui")


def test_no_core_module_imports_qt_statically():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            for name in names:
                if name.split(".")[0] in QT_MODULES:
                    offenders.append(f"{path.relative_to(CORE.parent)}:{node.lineno} imports {name}")
    # the one sanctioned door: `qftune gui` hands over to the gui package when run
    offenders = [o for o in offenders if not o.startswith("core/cli/commands/gui.py")]
    assert not offenders, "Qt imported in core:\n" + "\n".join(offenders)


def test_importing_every_core_module_loads_no_qt():
    code = (
        "import importlib, pkgutil, sys, core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    m.name.endswith('__main__') or importlib.import_module(m.name)\n"
        "from core.cli import build_parser; build_parser()\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "print('LOADED', len([m for m in sys.modules if m.startswith('core')]))\n"
        "assert not bad, bad\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=CORE.parent, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "LOADED" in out.stdout
