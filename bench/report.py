"""The printed results: one table row per shape, the aims, and the load rates."""

from __future__ import annotations

from dataclasses import dataclass

from timing import Stats

#: The aims, from the issue.
MAX_MEDIAN_MS = 20.0
MAX_FLOOR_FACTOR = 3.0
MAX_DATASETTE_SHARE = 0.5


@dataclass(frozen=True)
class ShapeResult:
    name: str
    total: int
    secmon: Stats
    floor: Stats
    datasette: Stats | None
    #: Problems found when comparing the three answers (totals, first page).
    disagreements: tuple[str, ...] = ()

    def aims(self, rtt_ms: float) -> tuple[bool, bool, bool | None]:
        median = self.secmon.median
        under = median < MAX_MEDIAN_MS
        floor = median <= MAX_FLOOR_FACTOR * self.floor.median + rtt_ms
        versus = None if self.datasette is None else median <= MAX_DATASETTE_SHARE * self.datasette.median
        return under, floor, versus


@dataclass(frozen=True)
class Load:
    tool: str
    events: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def _verdict(ok: bool | None, limit: float | None) -> str:
    if ok is None or limit is None:
        return "-"
    return f"{'yes' if ok else 'NO'} ≤{limit:.2f}"


def table(results: list[ShapeResult], rtt: Stats) -> str:
    """One row per shape: latencies, ratios, and each aim as yes/NO with its limit (ms)."""
    head = (
        f"{'shape':<19} {'totalRows':>9} │ {'secmon p50':>10} {'p99':>6} │ {'floor p50':>9} "
        f"{'÷floor':>7} │ {'datasette':>9} {'÷datasette':>10} │ {'<20ms':>5} {'≤3×floor+rtt':>13} "
        f"{'≤½datasette':>12}"
    )
    lines = [head, "─" * len(head)]
    for r in results:
        under, floor, versus = r.aims(rtt.median)
        floor_limit = MAX_FLOOR_FACTOR * r.floor.median + rtt.median
        ds_limit = None if r.datasette is None else MAX_DATASETTE_SHARE * r.datasette.median
        ds = "-" if r.datasette is None else f"{r.datasette.median:9.2f}"
        ds_ratio = "-" if r.datasette is None else f"{r.secmon.median / r.datasette.median:9.2f}×"
        aims = f"{'yes' if under else 'NO':>5} {_verdict(floor, floor_limit):>13} "
        aims += f"{_verdict(versus, ds_limit):>12}"
        lines.append(
            f"{r.name:<19} {r.total:>9,} │ {r.secmon.median:10.2f} {r.secmon.p99:6.2f} │ "
            f"{r.floor.median:9.2f} {r.secmon.median / r.floor.median:6.2f}× │ {ds:>9} {ds_ratio:>10} │ "
            f"{aims}"
        )
    return "\n".join(lines)


def summary(results: list[ShapeResult], rtt: Stats) -> str:
    names = ("secmon median < 20 ms", "≤ 3 × floor + round trip", "≤ ½ datasette median")
    lines = []
    for i, name in enumerate(names):
        verdicts = [(r.name, r.aims(rtt.median)[i]) for r in results]
        judged = [(n, ok) for n, ok in verdicts if ok is not None]
        missed = [n for n, ok in judged if not ok]
        if not judged:
            lines.append(f"  {name:<26} not measured")
        elif missed:
            lines.append(f"  {name:<26} MISSED by {len(missed)} of {len(judged)}: {', '.join(missed)}")
        else:
            lines.append(f"  {name:<26} met by all {len(judged)} shapes")
    return "\n".join(lines)


def loads(items: list[Load]) -> str:
    lines = []
    for item in items:
        note = f"  ({item.note})" if item.note else ""
        lines.append(
            f"  {item.tool:<32} {item.events:>10,} events in {item.seconds:7.1f} s = "
            f"{item.rate:>9,.0f} events/s{note}"
        )
    return "\n".join(lines)
