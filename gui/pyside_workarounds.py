"""Work-arounds for bugs in the Qt bindings that would otherwise crash the app.

``None`` refcount leak (PySide6 6.12 on CPython < 3.12): every time a Python override
of a virtual returns an invalid ``QVariant`` through ``super()`` -- pyqtgraph's
``GraphicsObject.itemChange`` does on each item move, and ``QModelIndex.data()`` does
for an empty role -- shiboken hands back ``None`` without taking a reference for it.
Measured here: ~900 references lost per plot widget created, shown and deleted, one per
region-edge move. After enough windows (a test run) or a long drag session the count
reaches zero and the interpreter aborts with "Fatal Python error: none_dealloc".
``None`` is a static singleton that is never freed (CPython 3.12+ makes it immortal for
this reason), so giving it a large reserve of references is harmless and makes the
leak unreachable in practice (2**40 references at ~1 million leaked per hour).
"""

from __future__ import annotations

import ctypes
import platform
import sys

NONE_RESERVE = 1 << 40


def keep_none_alive() -> bool:
    """Give ``None`` a reserve of references (CPython < 3.12 only). Returns True if it did."""
    if platform.python_implementation() != "CPython" or sys.version_info >= (3, 12):
        return False
    refcnt = ctypes.c_ssize_t.from_address(id(None))     # ob_refcnt is PyObject's first field
    if refcnt.value < NONE_RESERVE // 2:
        refcnt.value += NONE_RESERVE
    return True
