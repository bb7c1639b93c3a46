"""Time spans such as ``"90D"`` or ``"12h"``, and calendar arithmetic on timestamps.

A span is ``<count><unit>``. Units: ``s`` seconds, ``min`` minutes, ``h``
hours (fixed durations, exact elapsed time), and ``D`` days, ``W`` weeks,
``M`` months, ``Y`` years (calendar units, counted on the wall clock). On
time-zone-aware data a calendar unit follows the local calendar: ``"1D"``
after 2024-03-09 00:00 in America/New_York is 2024-03-10 00:00, 23 hours
later, because that day is short. A wall-clock time that does not exist
(inside a spring-forward gap) is read with the offset before the change,
which lands just after the gap. Months keep the day of the month, clamped to
the month's last day (Jan 31 + 1M = Feb 29 in a leap year).

Timestamps here are integers ("ticks") in the unit of the Arrow column
(``s``, ``ms``, ``us`` or ``ns``) since 1970-01-01 UTC.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TICKS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_FIXED_SECONDS = {"s": 1, "min": 60, "h": 3600}
_UNIT_NAMES = {
    "s": "s", "sec": "s", "second": "s", "seconds": "s",
    "min": "min", "minute": "min", "minutes": "min",
    "h": "h", "hour": "h", "hours": "h",
    "d": "D", "day": "D", "days": "D",
    "w": "W", "week": "W", "weeks": "W",
    "mo": "M", "month": "M", "months": "M",
    "y": "Y", "year": "Y", "years": "Y",
}
_SPAN = re.compile(r"^\s*(\d+)\s*([A-Za-z]+)\s*$")
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Span:
    """A length of time: ``n`` of ``unit`` (one of s, min, h, D, W, M, Y)."""

    n: int
    unit: str

    def __str__(self) -> str:
        return f"{self.n}{self.unit}"

    @property
    def calendar(self) -> bool:
        """True for D, W, M, Y (wall-clock arithmetic), False for s, min, h."""
        return self.unit not in _FIXED_SECONDS

    @property
    def min_seconds(self) -> float:
        """A lower bound on the elapsed seconds of this span (DST shortens a day by up to 1 h)."""
        if not self.calendar:
            return self.n * _FIXED_SECONDS[self.unit]
        day = 86400 - 3600
        return self.n * {"D": day, "W": 7 * day, "M": 28 * day, "Y": 365 * day}[self.unit]


def parse_span(text: str) -> Span:
    """Parse ``"90D"``, ``"12h"``, ``"30min"``, ``"3M"``, ``"1Y"``.

    Raises:
        ValueError: the text is not a positive count followed by a known unit.
    """
    match = _SPAN.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a time span; write a count and a unit such as '90D', '12h' or '30min'")
    n, raw_unit = int(match.group(1)), match.group(2)
    if raw_unit == "M":
        unit = "M"
    elif raw_unit == "m":
        raise ValueError(f"{text!r} is ambiguous; write 'min' for minutes or 'M' for months")
    else:
        unit = _UNIT_NAMES.get(raw_unit.lower(), "")
    if not unit:
        raise ValueError(f"{text!r} has an unknown unit {raw_unit!r}; use s, min, h, D, W, M or Y")
    if n < 1:
        raise ValueError(f"{text!r} must be at least 1 {unit}")
    return Span(n, unit)


@lru_cache(maxsize=64)
def zone(name: str) -> dt.tzinfo:
    """The time zone called ``name`` (IANA name such as ``Europe/Berlin``, or ``UTC``/``+01:00``)."""
    if name in ("UTC", "utc", "Z"):
        return dt.timezone.utc
    fixed = re.match(r"^([+-])(\d\d):?(\d\d)$", name)
    if fixed:
        sign = 1 if fixed.group(1) == "+" else -1
        return dt.timezone(sign * dt.timedelta(hours=int(fixed.group(2)), minutes=int(fixed.group(3))))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'") from None


def to_wall(ticks: int, unit: str, tz: str | None) -> tuple[dt.datetime, int]:
    """Naive wall-clock time (whole seconds) and the sub-second rest in ticks."""
    per = TICKS_PER_SECOND[unit]
    seconds, rest = divmod(int(ticks), per)
    if tz is None:
        return _EPOCH + dt.timedelta(seconds=seconds), rest
    local = (_EPOCH_UTC + dt.timedelta(seconds=seconds)).astimezone(zone(tz))
    return local.replace(tzinfo=None), rest


def from_wall(wall: dt.datetime, rest: int, unit: str, tz: str | None) -> int:
    """Inverse of :func:`to_wall` (a non-existent local time uses the offset before the change)."""
    if tz is None:
        seconds = (wall - _EPOCH) // dt.timedelta(seconds=1)
    else:
        seconds = (wall.replace(tzinfo=zone(tz), fold=0) - _EPOCH_UTC) // dt.timedelta(seconds=1)
    return seconds * TICKS_PER_SECOND[unit] + rest


def shift(ticks: int, span: Span, times: int, unit: str, tz: str | None) -> int:
    """``ticks`` moved by ``times`` × ``span`` (negative moves back); calendar units on the wall clock."""
    if times == 0:
        return int(ticks)
    if not span.calendar:
        return int(ticks) + times * span.n * _FIXED_SECONDS[span.unit] * TICKS_PER_SECOND[unit]
    wall, rest = to_wall(ticks, unit, tz)
    k = times * span.n
    if span.unit == "D":
        wall = wall + dt.timedelta(days=k)
    elif span.unit == "W":
        wall = wall + dt.timedelta(weeks=k)
    else:
        months = k * (12 if span.unit == "Y" else 1)
        index = wall.year * 12 + wall.month - 1 + months
        year, month = divmod(index, 12)
        if not 1 <= year <= 9999:
            raise ValueError(f"{span} × {times} leaves the calendar (year {year})")
        day = min(wall.day, calendar.monthrange(year, month + 1)[1])
        wall = wall.replace(year=year, month=month + 1, day=day)
    return from_wall(wall, rest, unit, tz)


def floor(ticks: int, span: Span, unit: str, tz: str | None) -> int:
    """The start of the period of length ``span`` that holds ``ticks``, on the wall clock.

    Years start on Jan 1, months on the 1st (``3M`` periods on Jan/Apr/Jul/Oct 1),
    weeks on Monday, days at midnight; ``n`` h/min/s periods on multiples of
    their length since midnight.
    """
    wall, _ = to_wall(ticks, unit, tz)
    if span.unit == "Y":
        wall = wall.replace(year=wall.year - (wall.year % span.n) if span.n > 1 else wall.year,
                            month=1, day=1, hour=0, minute=0, second=0)
    elif span.unit == "M":
        month0 = (wall.month - 1) // span.n * span.n
        wall = wall.replace(month=month0 + 1, day=1, hour=0, minute=0, second=0)
    elif span.unit == "W":
        wall = (wall - dt.timedelta(days=wall.weekday())).replace(hour=0, minute=0, second=0)
    elif span.unit == "D":
        wall = wall.replace(hour=0, minute=0, second=0)
    else:
        length = span.n * _FIXED_SECONDS[span.unit]
        midnight = wall.replace(hour=0, minute=0, second=0)
        into = (wall - midnight) // dt.timedelta(seconds=1)
        wall = midnight + dt.timedelta(seconds=into - into % length)
    return from_wall(wall, 0, unit, tz)


def format_ticks(ticks: int, unit: str, tz: str | None) -> str:
    """ISO 8601 text of a timestamp (local time with offset when ``tz`` is set)."""
    seconds, rest = divmod(int(ticks), TICKS_PER_SECOND[unit])
    if tz is None:
        text = (_EPOCH + dt.timedelta(seconds=seconds)).isoformat()
    else:
        text = (_EPOCH_UTC + dt.timedelta(seconds=seconds)).astimezone(zone(tz)).isoformat()
    return text if not rest else f"{text}+{rest}{unit}"
