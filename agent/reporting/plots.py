"""The report's plots as small inline SVG: topic weight by year, coarse categories, novelty
percentiles against the reference distribution, identity groups by year.

Hand-built SVG rather than a plotting library: four simple charts, no JavaScript, a file that
stands alone, and no heavy dependency in the first paint of the web page. Every text that comes
from a page passes through ``markupsafe.escape`` (the escaper Jinja itself uses)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from markupsafe import Markup, escape

from ..models import Report

PALETTE = ["#0b57d0", "#e8710a", "#188038", "#a142f4", "#d93025", "#12b5cb", "#9aa0a6"]
WIDTH = 560
MAX_SERIES = 6


def _svg(height: int, label: str, body: Iterable[str]) -> Markup:
    return Markup(
        f'<svg class="plot" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif" font-size="11">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _short(text: str, n: int = 34) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def topics_by_year(report: Report) -> Markup | None:
    """One line per theme: its share of each year's papers."""
    points = report.topics.timeline
    if not points:
        return None
    years = sorted({p.year for p in points})
    totals: dict[str, float] = defaultdict(float)
    for p in points:
        totals[p.topic] += p.weight
    topics = sorted(totals, key=lambda t: (-round(totals[t], 6), t))[:MAX_SERIES]
    left, right, top, plot_h = 40, 180, 12, 150
    span = max(1, years[-1] - years[0])

    def x(year: int) -> float:
        if len(years) == 1:
            return left + (WIDTH - left - right) / 2
        return left + (year - years[0]) / span * (WIDTH - left - right)

    def y(weight: float) -> float:
        return top + (1 - weight) * plot_h

    body = [_axes(left, top, plot_h, WIDTH - right)]
    for year in years:
        body.append(_text(x(year), top + plot_h + 14, str(year), "middle"))
    for i, topic in enumerate(topics):
        colour = PALETTE[i % len(PALETTE)]
        series = sorted((p for p in points if p.topic == topic), key=lambda p: p.year)
        coords = " ".join(f"{x(p.year):.1f},{y(p.weight):.1f}" for p in series)
        body.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for p in series:
            tip = f"{p.year}: {topic}, {p.weight:.0%} of the year's papers ({', '.join(p.papers)})"
            body.append(
                f'<circle cx="{x(p.year):.1f}" cy="{y(p.weight):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        ly = top + 10 + i * 16
        body.append(
            f'<rect x="{WIDTH - right + 10}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
        )
        body.append(_text(WIDTH - right + 24, ly + 1, _short(topic, 26)))
    return _svg(top + plot_h + 24, "Topic weight by year", body)


def _axes(left: int, top: int, plot_h: int, right_x: int) -> str:
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{right_x}" y2="{top + plot_h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        yy = top + (1 - frac) * plot_h
        parts.append(_text(left - 4, yy + 4, f"{frac:.0%}", "end"))
        if frac:
            parts.append(
                f'<line x1="{left}" y1="{yy:.1f}" x2="{right_x}" y2="{yy:.1f}" stroke="#eee"/>'
            )
    return "".join(parts)


def categories(report: Report) -> Markup | None:
    """Horizontal bars: the share of the papers in each coarse (arXiv) category."""
    tags = report.topics.coarse
    if not tags:
        return None
    left, bar_h, gap, top = 250, 16, 6, 6
    scale = WIDTH - left - 50
    body = []
    for i, t in enumerate(tags):
        yy = top + i * (bar_h + gap)
        tip = f"{t.code} {t.name}: {t.weight:.0%} of the papers ({t.source}; confidence {t.confidence:.2f}): {', '.join(t.papers)}"
        body.append(_text(left - 6, yy + 12, _short(f"{t.code} {t.name}", 38), "end"))
        body.append(
            f'<rect x="{left}" y="{yy}" width="{max(1.0, t.weight * scale):.1f}" height="{bar_h}" '
            f'fill="{PALETTE[0] if t.source != "predicted" else PALETTE[1]}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        body.append(_text(left + t.weight * scale + 4, yy + 12, f"{t.weight:.0%}"))
    height = top + len(tags) * (bar_h + gap) + 16
    body.append(
        _text(
            left,
            height - 2,
            "blue: category from the page; orange: predicted",
            extra=' fill="#666"',
        )
    )
    return _svg(height, "Coarse categories", body)


def novelty(report: Report) -> Markup | None:
    """The share of the profile's papers in each novelty decile against the reference corpus.
    By construction the reference papers fill every decile equally (the dashed line)."""
    pcts = report.novelty.percentiles
    if report.novelty.status != "scored" or not pcts:
        return None
    bins: list[list[str]] = [[] for _ in range(10)]
    for label, pct in sorted(pcts.items(), key=lambda kv: (kv[1], kv[0])):
        bins[min(9, int(pct // 10))].append(label)
    left, top, plot_h = 40, 12, 130
    width = (WIDTH - left - 20) / 10
    peak = max(0.1, max(len(b) for b in bins) / len(pcts))
    body = []
    for i, labels in enumerate(bins):
        share = len(labels) / len(pcts)
        h = share / peak * plot_h
        tip = f"percentile {i * 10}-{i * 10 + 10}: {len(labels)} paper(s) {', '.join(labels)}"
        body.append(
            f'<rect x="{left + i * width + 2:.1f}" y="{top + plot_h - h:.1f}" width="{width - 4:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[2]}"><title>{escape(tip)}</title></rect>'
        )
        body.append(_text(left + i * width + width / 2, top + plot_h + 14, f"{i * 10}", "middle"))
    ref_y = top + plot_h - 0.1 / peak * plot_h
    body.append(
        f'<line x1="{left}" y1="{ref_y:.1f}" x2="{WIDTH - 20}" y2="{ref_y:.1f}" stroke="#444" '
        'stroke-dasharray="5,4"><title>reference corpus: 10% of its papers per decile</title></line>'
    )
    body.append(_text(left + 4, ref_y - 4, "reference corpus", extra=' fill="#444"'))
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 20}" y2="{top + plot_h}" stroke="#888"/>'
    )
    body.append(_text(left - 4, top + 10, f"{peak:.0%}", "end"))
    body.append(
        _text(
            left,
            top + plot_h + 30,
            f"novelty percentile of the papers (score {report.novelty.score}/100)",
        )
    )
    return _svg(top + plot_h + 36, "Novelty percentiles against the reference corpus", body)


def identities(report: Report) -> Markup | None:
    """One row per identity, one dot per paper: at its year when the page gives years (undated
    papers at the right), else side by side, so a row's length is the group's size."""
    result = report.identities
    if result is None or not result.identities:
        return None
    years = {p.label: p.year for i in result.identities for p in i.papers}
    dated = sorted({y for y in years.values() if y is not None})
    left, right, row_h, top = 200, 60, 26, 8
    lo, hi = (dated[0], dated[-1]) if dated else (0, 1)
    span = max(1, hi - lo)
    step = min(14.0, (WIDTH - left - right) / max(len(i.papers) for i in result.identities))

    def x(year: int | None, index: int) -> float:
        if not dated:
            return left + 6 + index * step
        if year is None:
            return WIDTH - right + 30
        return left + (year - lo) / span * (WIDTH - left - right - 10)

    body = []
    for r, ident in enumerate(result.identities):
        colour = PALETTE[r % len(PALETTE)]
        yy = top + r * row_h + 12
        body.append(_text(left - 8, yy + 4, _short(f"{ident.id}: {ident.label}", 30), "end"))
        body.append(f'<line x1="{left}" y1="{yy}" x2="{WIDTH - right}" y2="{yy}" stroke="#eee"/>')
        seen: dict[float, int] = defaultdict(int)
        for index, p in enumerate(ident.papers):
            xx = x(years.get(p.label), index)
            dy = (seen[xx] % 3 - 1) * 5 if dated else 0
            seen[xx] += 1
            tip = f"{p.label} ({years.get(p.label) or 'undated'}): {p.title or ''}"
            body.append(
                f'<circle cx="{xx:.1f}" cy="{yy + dy}" r="4" fill="{colour}" fill-opacity="0.8">'
                f"<title>{escape(tip)}</title></circle>"
            )
    bottom = top + len(result.identities) * row_h + 6
    if dated:
        body.append(_text(left, bottom + 10, str(lo), "middle"))
        body.append(_text(WIDTH - right - 10, bottom + 10, str(hi), "middle"))
        if any(y is None for y in years.values()):
            body.append(_text(WIDTH - right + 30, bottom + 10, "n.d.", "middle"))
    else:
        body.append(_text(left, bottom + 10, "no years on the page: one dot per paper"))
    return _svg(bottom + 16, "Identity groups: papers by year", body)


def all_plots(report: Report) -> dict[str, Markup | None]:
    """Every plot by name, None where there is no data for it."""
    return {
        "topics_by_year": topics_by_year(report),
        "categories": categories(report),
        "novelty": novelty(report),
        "identities": identities(report),
    }
