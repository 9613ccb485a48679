"""Work-arounds for bugs in the Qt bindings that would otherwise crash the app.

``None`` refcount leak (PySide6 6.12 on CPython < 3.12): every time a Python override
of a virtual returns an invalid ``QVariant`` through ``super()`` -- pyqtgraph's
``GraphicsObject.itemChange`` does on each item move, and ``QModelIndex.data()`` does
for an empty role -- shiboken hands back ``None`` without taking a reference for it;
the same happens to ``True``/``False`` on some bool round trips.
Measured here: ~900 references lost per plot widget created, shown and deleted, one per
region-edge move. After enough windows (a test run) or a long drag session the count
reaches zero and the interpreter aborts with "Fatal Python error: none_dealloc" (or
"bool_dealloc", seen at the exit of bench/bench_drag_update.py).
These are static singletons that are never freed (CPython 3.12+ makes them immortal for
this reason), as are the cached small ints, so giving them a large reserve of references
is harmless and makes the leak unreachable in practice (2**40 references at ~1 million
leaked per hour).
"""

from __future__ import annotations

import ctypes
import platform
import sys

NONE_RESERVE = 1 << 40


def _singletons() -> list:
    return [None, True, False, *range(-5, 257)]        # CPython's statically allocated objects


def keep_none_alive() -> bool:
    """Give ``None``, ``True``, ``False`` and the small ints a reserve of references
    (CPython < 3.12 only). Returns True if it did."""
    if platform.python_implementation() != "CPython" or sys.version_info >= (3, 12):
        return False
    for obj in _singletons():
        refcnt = ctypes.c_ssize_t.from_address(id(obj))    # ob_refcnt is PyObject's first field
        if refcnt.value < NONE_RESERVE // 2:
            refcnt.value += NONE_RESERVE
    return True
