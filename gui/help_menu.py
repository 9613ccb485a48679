"""Help: the keyboard shortcuts (read from the window's own menus), the local documentation and
About (the versions of qftune, TensorFlow, Keras, LiteRT and Qt, read without importing TensorFlow)."""

from __future__ import annotations

import html
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMessageBox

ROOT = Path(__file__).resolve().parents[1]
DOCS = [("README.md", "Getting started, the commands and the window"),
        ("DEVELOPERS.md", "How qftune is built"),
        ("docs/greedy.md", "The greedy range chooser"),
        ("docs/int8-spec.md", "The int8 format and FakeQuant's nudging"),
        ("docs/data.md", "Dataset specs"),
        ("docs/weight-clips.md", "Weight clips"),
        ("docs/device.md", "Measuring on a phone"),
        ("docs/imagenet-models.md", "ImageNet models (keras.applications)")]


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def add_help_menu(window) -> None:
    menu = window.menuBar().addMenu("&Help")
    menu.addAction("&Keyboard Shortcuts", lambda: _show(window, "shortcutsBox", "Keyboard shortcuts",
                                                       shortcuts_html(window)))
    menu.addAction("&Documentation", lambda: _show(window, "docsBox", "Documentation", docs_html()))
    menu.addAction("&About qftune", lambda: _show(window, "aboutBox", "About qftune", about_html()))


def shortcuts_html(window) -> str:
    rows = []
    for top in window.menuBar().actions():
        if top.menu() is None:
            continue
        for act in top.menu().actions():
            keys = [k.toString(k.SequenceFormat.NativeText) for k in act.shortcuts()]
            if keys and act.text():
                rows.append(f"<tr><td><b>{html.escape(' / '.join(keys))}</b></td><td>"
                            f"{html.escape(top.text().replace('&', '') + ' › ' + act.text().replace('&', ''))}</td></tr>")
    rows += ["<tr><td><b>Enter</b> (in the table)</td><td>Accept the greedy range of the selected tensor</td></tr>",
             "<tr><td><b>Enter</b> (in min/max)</td><td>Set the typed range (1e-5 notation accepted)</td></tr>"]
    return "<table cellspacing=4>" + "".join(rows) + "</table>"


def docs_html() -> str:
    items = [f"<li><a href='{(ROOT / p).as_uri()}'>{html.escape(p)}</a> — {html.escape(what)}</li>"
             for p, what in DOCS if (ROOT / p).exists()]
    return "The documentation on this computer:<ul>" + "".join(items) + "</ul>"


def about_html() -> str:
    rows = [("qftune", _version("qftune")), ("TensorFlow", _version("tensorflow")), ("Keras", _version("keras")),
            ("LiteRT", _version("ai-edge-litert")), ("Qt", qVersion()), ("PySide6", _version("PySide6-Essentials")
                                                                        if _version("PySide6") == "not installed"
                                                                        else _version("PySide6"))]
    return ("<p>qftune: 8-bit MobileNets as accurate as their float originals.</p><table cellspacing=4>" +
            "".join(f"<tr><td>{k}</td><td><b>{html.escape(v)}</b></td></tr>" for k, v in rows) + "</table>")


def _show(window, name: str, title: str, text: str) -> QMessageBox:
    old = window.findChild(QMessageBox, name)
    if old is not None:
        old.close()
    box = QMessageBox(QMessageBox.Information, f"qftune — {title}", text, QMessageBox.Close, window)
    box.setObjectName(name)
    box.setTextFormat(Qt.RichText)
    box.setTextInteractionFlags(Qt.TextBrowserInteraction)
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()
    return box
