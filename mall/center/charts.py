"""Charts for the center's pages, drawn server-side as SVG by pygal.

Each chart is returned as a ``data:image/svg+xml`` URI for an ``<img>``: the page loads no
script and no stylesheet from anywhere else (its Content-Security-Policy stays
``'self'``), and an SVG shown as an image never runs script. pygal's own inline
``<script>`` (its tooltip configuration) is stripped anyway, and no tooltip JavaScript is
referenced (``js=[]``), so nothing is fetched from a CDN.
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pygal
from pygal.style import Style

# pygal puts an import hook for its optional ``pygal.maps`` plugins (unused here) on
# sys.meta_path; it has no ``find_spec``, and tools that ask every finder (pytest's conftest
# import) fail on it.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "pygal"]

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)

STYLE = Style(background="white", plot_background="white", foreground="#333",
              foreground_strong="#111", foreground_subtle="#888",
              colors=("#1f5fa8", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085"),
              font_family="sans-serif")
OPTIONS = {"js": [], "disable_xml_declaration": True, "style": STYLE, "width": 720,
           "height": 300, "x_label_rotation": 30, "truncate_label": 24,
           "print_values": False, "show_legend": True, "legend_at_bottom": True}


def _uri(chart: pygal.graph.graph.Graph) -> str:
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _numbers(values: Sequence[Decimal | float | int | None]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


Series = Mapping[str, Sequence[Decimal | float | int | None]]


def _chart(kind: type[pygal.graph.graph.Graph], title: str, labels: Sequence[str],
           series: Series, **options: Any) -> str:
    chart = kind(title=title, **{**OPTIONS, **options})
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, _numbers(values))
    return _uri(chart)


def line(title: str, labels: Sequence[str], series: Series) -> str:
    return _chart(pygal.Line, title, labels, series)


def bar(title: str, labels: Sequence[str], series: Series) -> str:
    return _chart(pygal.Bar, title, labels, series)


def horizontal_bar(title: str, labels: Sequence[str], series: Series) -> str:
    # The labels stand beside the bars, where a slant would only make them harder to read.
    return _chart(pygal.HorizontalBar, title, labels, series, x_label_rotation=0)
