"""A layered top-to-bottom layout of a :class:`~core.graph.model.ModelGraph` (Qt-free).

grandalf's Sugiyama layout (layers by longest path, crossings reduced by barycentre ordering,
long edges routed through dummy points): MobileNets are near-chains, so residual and
squeeze-excite edges bend around the blocks they skip. Coordinates are scene units, y down;
each weakly connected part is laid out on its own and placed to the right of the previous.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ModelGraph

NODE_W, NODE_H = 190.0, 30.0
GAP_X, GAP_Y = 24.0, 22.0


@dataclass
class Layout:
    positions: dict[str, tuple[float, float]]           # node centre
    edges: dict[tuple[str, str], list[tuple[float, float]]]   # (src, dst) -> polyline, src end to dst end
    width: float
    height: float
    node_size: tuple[float, float] = (NODE_W, NODE_H)


class _View:
    def __init__(self, w: float, h: float):
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)


class _EdgeView:
    def __init__(self):
        self.points: list = []

    def setpath(self, pts) -> None:
        self.points = [tuple(p) for p in pts]


def layout_graph(graph: ModelGraph) -> Layout:
    """Node centres and edge polylines for every node and edge of ``graph``."""
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    vertices = {}
    for n in graph.nodes:
        v = Vertex(n.name)
        v.view = _View(NODE_W, NODE_H)
        vertices[n.name] = v
    edges = []
    for src, dst in graph.edges:
        e = Edge(vertices[src], vertices[dst])
        e.view = _EdgeView()
        edges.append(e)
    g = Graph(list(vertices.values()), edges)
    positions: dict[str, tuple[float, float]] = {}
    routes: dict[tuple[str, str], list] = {}
    x_offset, height = 0.0, 0.0
    for part in g.C:
        sug = SugiyamaLayout(part)
        sug.xspace, sug.yspace = GAP_X, GAP_Y
        sug.init_all(roots=[v for v in part.sV if not v.e_in()])
        sug.draw()
        xs = [v.view.xy[0] for v in part.sV]
        left = min(xs) - NODE_W / 2
        for v in part.sV:
            positions[v.data] = (v.view.xy[0] - left + x_offset, v.view.xy[1] + NODE_H / 2)
        for e in part.sE:
            pts = e.view.points or [e.v[0].view.xy, e.v[1].view.xy]
            routes[(e.v[0].data, e.v[1].data)] = [(x - left + x_offset, y + NODE_H / 2) for x, y in pts]
        x_offset = max(p[0] for p in positions.values()) + NODE_W / 2 + 3 * GAP_X
        height = max(height, max(p[1] for p in positions.values()) + NODE_H / 2)
    return Layout(positions, routes, max(x_offset - 3 * GAP_X, NODE_W), height)
