"""Bar charts drawn on the server: the geometry of inline SVG bars, so pages load nothing from anywhere.

The templates (admin/dashboard_charts.html) turn a ``Chart`` into an ``<svg role="img">`` with a title and a
description; every chart sits beside a table of the same numbers, which is what screen readers use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    top: int  # the largest value: the full length of a bar
    first: str = ""  # the labels under a column chart's first and last columns
    last: str = ""


def _nice_top(value: int) -> int:
    """The axis maximum: at least 1, so an empty chart draws no bars rather than dividing by zero."""
    return max(value, 1)


def column_chart(points: Sequence[tuple[str, int]], *, width: int = 720, height: int = 180) -> Chart:
    """Vertical bars left to right (actions per day). The plot leaves 20 units under the bars for two labels."""
    top = _nice_top(max((value for _, value in points), default=0))
    plot = height - 20
    step = width / max(len(points), 1)
    gap = min(2.0, step / 4)
    bars = tuple(Bar(label, value, round(n * step + gap / 2, 2), round(plot - value / top * plot, 2),
                     round(step - gap, 2), round(value / top * plot, 2))
                 for n, (label, value) in enumerate(points))
    return Chart(width, height, bars, top, points[0][0] if points else "", points[-1][0] if points else "")


def row_chart(points: Sequence[tuple[str, int]], *, width: int = 720, row: int = 22,
              label_width: int = 260) -> Chart:
    """Horizontal bars top to bottom (by riding, by source): the label left of each bar, the value after it."""
    top = _nice_top(max((value for _, value in points), default=0))
    room = width - label_width - 70  # 70 units right of the longest bar for its value
    bars = tuple(Bar(label, value, label_width, n * row + 3, round(value / top * room, 2), row - 6)
                 for n, (label, value) in enumerate(points))
    return Chart(width, max(len(points), 1) * row, bars, top)
