"""Number formatting shared by the HTML, Markdown and terminal reports."""

from __future__ import annotations

import html as _html
from typing import Any


def fmt(x: float | None, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits; ``n/a`` for a missing number."""
    if x is None:
        return "n/a"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    return f"{x:.{digits}g}"


def fmt_pct(x: float | None, *, signed: bool = True) -> str:
    if x is None:
        return "n/a"
    if abs(x) < 0.05:  # rounds to zero: no "-0.0%"
        return "0.0%"
    return f"{x:+.1f}%" if signed else f"{x:.1f}%"


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s < 120:
        return f"{s:.1f} s"
    minutes, seconds = divmod(round(s), 60)
    if minutes < 120:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def param_value(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def gain_phrase(gain_pct: float | None, other: str, *, html: bool = False) -> str:
    """``12.3% better than <other>`` (or worse), coloured in HTML."""
    other_text = _html.escape(other) if html else other
    if gain_pct is None:
        return f"vs {other_text}"
    if abs(gain_pct) < 0.05:  # rounds to 0.0%: neither better nor worse
        return f"the same as {other_text}"
    word = "better" if gain_pct >= 0 else "worse"
    text = f"{abs(gain_pct):.1f}% {word} than {other_text}"
    if html:
        return f"<span class='{'good' if gain_pct >= 0 else 'bad'}'>{abs(gain_pct):.1f}% {word}</span> than {other_text}"
    return text


def counts_phrase(counts: dict[str, int]) -> str:
    """``3 complete, 1 pruned, 0 failed`` (and ``, 1 running`` while trials run or were left running)."""
    text = f"{counts.get('complete', 0)} complete, {counts.get('pruned', 0)} pruned, {counts.get('fail', 0)} failed"
    return text + (f", {counts['running']} running" if counts.get("running") else "")
