"""Compare mode's Graph tab: each side's graph coloured by the difference A - B (left - right) of a
metric per tensor (core.graph.diff), on a diverging scale whose centre (equal) is neutral; a tensor
in one model only is hatched. The two panels share the metric; a range edit on either side recolours
both; clicking a node selects its tensor on this side and compare mode follows on the other.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from core.graph import METRICS
from core.graph.diff import DIVERGING, Difference, difference
from core.graph.metrics import NO_VALUE, available

from .graph_view import GraphPanel
from .swatch import swatches

ONE_MODEL = QColor(120, 120, 120)


class DiffGraphPanel(GraphPanel):
    """A :class:`GraphPanel` whose colours are the difference between its session (``side`` "A" or "B")
    and its :attr:`partner`'s."""

    def __init__(self, state, side: str, parent=None):
        self.side = side
        self.partner: DiffGraphPanel | None = None
        self.diff: Difference | None = None
        super().__init__(state, parent, compact=True)
        self.setObjectName(f"compareGraph{side}")
        self.metric_box.currentIndexChanged.connect(lambda _i: self._share_metric())

    def pair_with(self, partner: DiffGraphPanel) -> None:
        self.partner = partner
        self._fill_metrics()

    # ---- the pair --------------------------------------------------------------------------
    def _states(self):
        if self.partner is None:
            return None
        return (self.state, self.partner.state) if self.side == "A" else (self.partner.state, self.state)

    def _share_metric(self) -> None:
        """The partner shows the same metric, painted from this side's difference (computed once)."""
        p = self.partner
        if p is not None and p.metric_key != self.metric_key:
            i = p.metric_box.findData(self.metric_key)
            if i >= 0:
                p.metric_box.blockSignals(True)
                p.metric_box.setCurrentIndex(i)
                p.metric_box.blockSignals(False)
                p._apply(self.diff)

    def _metric_choices(self) -> list[tuple[str, str]]:
        """The metrics both sides' results have (no weight metrics: kernels are not graph nodes), as A − B."""
        states = self._states() or (self.state,)
        return [(k, f"{m.label}, A − B ({m.unit})") for k, m in METRICS.items()
                if m.needs != "weights" and all(available(k, s.results, None) for s in states)]

    # ---- colouring -------------------------------------------------------------------------
    def recolour(self, names=None) -> None:
        states = self._states()
        if not self.items or states is None or any(s.plan is None for s in states):
            self.diff = None
            for name in self.items:
                self.items[name].setBrush(QBrush(QColor(NO_VALUE)))
            self.legend.setText("")
            return
        a, b = states
        diff = difference(self.metric_key, a.plan, b.plan, a.results, b.results)
        self._apply(diff)
        if self.partner.metric_key == self.metric_key:       # one difference paints both sides
            self.partner._apply(diff)

    def _apply(self, diff: Difference | None) -> None:
        self.diff = diff
        if diff is None or not self.items:
            return
        self.values = diff.a if self.side == "A" else diff.b
        for name in self.items:
            self._paint(name)
        self._legend()

    def _ranges_changed(self, names: list) -> None:
        if METRICS[self.metric_key].needs == "plan":
            self.recolour()

    def node_colour(self, name: str) -> str | None:
        """The node's CSS colour; None for a tensor in this model only (drawn hatched)."""
        if self.diff is None:
            return NO_VALUE
        if name not in self.diff.diff:
            return None
        return self.diff.colour(name) or NO_VALUE

    def _paint(self, name: str) -> None:
        item = self.items[name]
        c = self.node_colour(name)
        item.setBrush(QBrush(ONE_MODEL, Qt.BDiagPattern) if c is None else QBrush(QColor(c)))
        if self.diff is None:
            return
        m = METRICS[self.metric_key]

        def shown(v):
            return "–" if v is None else f"{v:.3g} {m.unit}"

        d = self.diff
        if name in d.diff:
            text = (f"A (left): {shown(d.a[name])}<br>B (right): {shown(d.b[name])}<br>"
                    f"<b>A − B: {shown(d.diff[name])}</b>")
        else:
            text = f"{shown(self.values.get(name))}<br>only in {'A (left)' if self.side == 'A' else 'B (right)'}"
        e = self.state.plan[name]
        item.setToolTip(f"<b>{name}</b> · {e.tensor.op}<br>{m.label}<br>{text}<br>"
                        f"range [{e.min:.4g}, {e.max:.4g}] ({e.method})")

    def _legend(self) -> None:
        m = METRICS[self.metric_key]
        span = self.diff.span if self.diff else 1.0
        stops = swatches(c for _f, c in DIVERGING)
        only = len(self.diff.only_a if self.side == "A" else self.diff.only_b) if self.diff else 0
        self.legend.setText(f"{m.label}, A − B (left − right): B higher −{span:.3g} {stops} +{span:.3g} A higher "
                            f"{m.unit} · white = equal · hatched = in this model only ({only}) · grey = no value")
