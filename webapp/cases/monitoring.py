"""Targets against the quarterly actual values (a target agreement, § 48b SGB II), as a table and a chart.

The chart is server-rendered SVG (no script, no third-party code): per indicator one bar per
quarter, the actual value as a share of the target value, with the target (100 %) as a line.
Its text alternative is a sentence per indicator; the table beside it holds every figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from casework.presentation import format_number

QUARTERS = 4
BAR, BAR_GAP, GROUP_GAP = 14, 3, 26
PLOT_TOP, PLOT_HEIGHT, AXIS_LEFT, LABEL_SPACE = 16, 160, 44, 34


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    quarter: int
    label: str  # what the bar shows, for its <title>
    width: int = BAR


@dataclass(frozen=True)
class IndicatorRow:
    goal: str
    indicator: str
    target: str
    actuals: tuple[str, ...]  # per quarter, "–" when not reported yet
    latest_share: str  # the latest actual value in % of the target
    bars: tuple[Bar, ...]
    label_x: float


@dataclass(frozen=True)
class Monitoring:
    rows: tuple[IndicatorRow, ...]
    quarters_reported: int
    width: float
    height: float
    scale_top: int  # the percentage at the top of the plot
    target_y: float  # the y of the 100 % line
    ticks: tuple[tuple[float, str], ...]
    summary: str  # the chart's text alternative
    axis_left: int = AXIS_LEFT
    quarter_y: int = PLOT_TOP + PLOT_HEIGHT + 11
    label_y: int = PLOT_TOP + PLOT_HEIGHT + 26


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _key(row: Mapping[str, Any]) -> tuple[str, str]:
    return str(row.get("goal") or "").strip().lower(), str(row.get("indicator") or "").strip().lower()


def _actuals_by_quarter(reports: Sequence[Any]) -> dict[int, dict[tuple[str, str], float | None]]:
    found: dict[int, dict[tuple[str, str], float | None]] = {}
    for report in reports:
        if isinstance(report, Mapping) and isinstance(report.get("quarter"), int):
            rows = report.get("actuals") or []
            found[report["quarter"]] = {_key(r): _number(r.get("actual_value")) for r in rows if isinstance(r, Mapping)}
    return found


def build_monitoring(variables: Mapping[str, Any], locale: str) -> Monitoring | None:
    """The monitoring of an agreement's targets, or None when the case has no targets table."""
    targets = [t for t in variables.get("targets") or [] if isinstance(t, Mapping)]
    if not targets:
        return None
    actuals = _actuals_by_quarter(variables.get("quarterly_reports") or [])
    shares = [[_share(actuals.get(q, {}).get(_key(t)), _number(t.get("target_value"))) for q in range(1, 5)]
              for t in targets]
    known = [s for row in shares for s in row if s is not None]
    scale_top = max(150, int((max(known, default=0) + 49) // 50 * 50))
    group = QUARTERS * (BAR + BAR_GAP) + GROUP_GAP
    rows = []
    for index, (target, row_shares) in enumerate(zip(targets, shares, strict=True)):
        left = AXIS_LEFT + 10 + index * group
        rows.append(_row(target, row_shares, actuals, left, scale_top, locale))
    return Monitoring(
        rows=tuple(rows),
        quarters_reported=len(actuals),
        width=AXIS_LEFT + 10 + len(targets) * group,
        height=PLOT_TOP + PLOT_HEIGHT + LABEL_SPACE,
        scale_top=scale_top,
        target_y=_y(100, scale_top),
        ticks=tuple((_y(p, scale_top), f"{p} %") for p in range(0, scale_top + 1, 50)),
        summary=_summary(rows, len(actuals)),
    )


def _share(actual: float | None, target: float | None) -> float | None:
    if actual is None or not target:
        return None
    return actual / target * 100


def _y(percent: float, scale_top: int) -> float:
    return round(PLOT_TOP + PLOT_HEIGHT * (1 - min(percent, scale_top) / scale_top), 1)


def _row(target: Mapping[str, Any], shares: list[float | None], actuals: Mapping[int, Any], left: float,
         scale_top: int, locale: str) -> IndicatorRow:
    key = _key(target)
    values = [actuals.get(q, {}).get(key) for q in range(1, QUARTERS + 1)]
    bars = []
    for quarter, (value, share) in enumerate(zip(values, shares, strict=True), 1):
        if share is None or value is None:
            continue
        top = _y(max(share, 0), scale_top)
        label = _("Quarter %(q)s: %(value)s (%(share)s of the target)", q=quarter,
                  value=format_number(value, "number", locale), share=_percent(share, locale))
        bars.append(Bar(left + (quarter - 1) * (BAR + BAR_GAP), top, round(PLOT_TOP + PLOT_HEIGHT - top, 1),
                        quarter, label))
    latest = next((s for s in reversed(shares) if s is not None), None)
    return IndicatorRow(
        goal=str(target.get("goal") or "–"),
        indicator=str(target.get("indicator") or "–"),
        target=format_number(target.get("target_value"), "number", locale)
        if _number(target.get("target_value")) is not None else "–",
        actuals=tuple("–" if v is None else format_number(v, "number", locale) for v in values),
        latest_share="–" if latest is None else _percent(latest, locale),
        bars=tuple(bars),
        label_x=left + (QUARTERS * (BAR + BAR_GAP)) / 2,
    )


def _percent(share: float, locale: str) -> str:
    return format_number(round(share, 1), "percent", locale)


def _summary(rows: Sequence[IndicatorRow], reported: int) -> str:
    if not reported:
        return _("No quarter has been reported yet.")
    parts = [_("%(indicator)s: %(share)s of the target", indicator=r.indicator, share=r.latest_share)
             for r in rows]
    return _("Latest reported quarter, actual value as a share of the target: %(parts)s.", parts="; ".join(parts))
