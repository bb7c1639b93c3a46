"""A timeline picture (SVG) of train / gap / validation / holdout rows for every window."""

from __future__ import annotations

from html import escape

import numpy as np

from .windows import Window

_COLORS = {"train": "#4C78A8", "gap": "#BBBBBB", "validation": "#F58518", "holdout": "#54A24B"}


def timeline_svg(windows: list[Window], n_dev: int, n_rows: int, *, width: int = 900, row_height: int = 14) -> str:
    """One bar per window over the row axis ``[0, n_rows)``; the last bar is the held-out part."""
    left, top = 90, 24
    plot = width - left - 10
    height = top + row_height * (len(windows) + 2) + 10
    n = max(n_rows, 1)

    def x(row: int) -> float:
        return left + plot * row / n

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="10">', f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, (name, color) in enumerate(_COLORS.items()):
        parts.append(f'<rect x="{left + i * 110}" y="6" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + i * 110 + 14}" y="15">{name}</text>')
    for i, w in enumerate(windows):
        y = top + i * row_height
        parts.append(f'<text x="4" y="{y + 10}">{escape(w.id)}</text>')
        spans = _index_spans(w, n_dev, plot) if w.indexed else (
            (w.train_start, w.train_stop, "train"), (w.train_stop, w.valid_start, "gap"),
            (w.valid_start, w.valid_stop, "validation"))
        for start, stop, kind in spans:
            if stop > start:
                parts.append(f'<rect x="{x(start):.2f}" y="{y}" width="{max(x(stop) - x(start), 0.5):.2f}" '
                             f'height="{row_height - 3}" fill="{_COLORS[kind]}"/>')
    y = top + len(windows) * row_height
    parts.append(f'<text x="4" y="{y + 10}">holdout</text>')
    if n_rows > n_dev:
        parts.append(f'<rect x="{x(n_dev):.2f}" y="{y}" width="{x(n_rows) - x(n_dev):.2f}" height="{row_height - 3}" '
                     f'fill="{_COLORS["holdout"]}"/>')
    parts.append(f'<text x="{left}" y="{y + row_height + 10}">row 0</text>'
                 f'<text x="{width - 10}" y="{y + row_height + 10}" text-anchor="end">row {n_rows}</text></svg>')
    return "\n".join(parts) + "\n"


def _index_spans(w: Window, n_dev: int, bins: int) -> list[tuple[int, int, str]]:
    """Spans of an index-array window (i.i.d. folds), one colour per pixel column: what most of its
    development rows are (``gap``: neither train nor validation, e.g. purged rows)."""
    kind = np.zeros(n_dev, dtype=np.int64)  # 0 gap, 1 train, 2 validation
    kind[w.train_index()] = 1
    kind[w.valid_index()] = 2
    edges = np.linspace(0, n_dev, min(bins, n_dev) + 1).astype(np.int64)
    counts = np.zeros((len(edges) - 1, 3), dtype=np.int64)
    np.add.at(counts, (np.searchsorted(edges, np.arange(n_dev), side="right") - 1, kind), 1)
    major = counts.argmax(axis=1)
    names = ("gap", "train", "validation")
    out = []
    start = 0
    for b in range(1, len(major) + 1):
        if b == len(major) or major[b] != major[start]:
            out.append((int(edges[start]), int(edges[b]), names[major[start]]))
            start = b
    return out
