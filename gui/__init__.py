"""The qftune desktop application (PySide6 + pyqtgraph).

One file per view or dialog; :mod:`gui.app` holds the small application object that
wires them. The engine lives in ``core`` and never imports Qt; nothing here
re-implements engine logic.
"""

from .pyside_workarounds import keep_none_alive

keep_none_alive()          # before any Qt object exists: see gui/pyside_workarounds.py
