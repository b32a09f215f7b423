"""Charts as SVG, drawn on the server.

No JavaScript and no external asset: the markup is inline in the page, so it
works offline, in print and under a ``default-src 'self'`` policy (no
``style`` attributes: colours and fonts come from classes in
``static/reports/reports.css``). Every chart carries a ``<title>`` and a
``<desc>`` (``role="img"``, ``aria-labelledby``), prints its values as text
next to the bars, and the page shows the same figures as a table.

Every piece of text is XML-escaped here; the functions return a
``SafeString`` only once the whole document is built.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

FONT_SIZE = 12
MAX_VILLAGE_BARS = 40  # villages drawn in the status chart at most
LINE = 22  # height of one bar row
BAR = 14  # thickness of a bar
_ids = count(1)


@dataclass(frozen=True)
class Series:
    """One series of a chart: its label and a CSS class (``s-0`` … ``s-5``)."""

    label: str
    css: str


@dataclass
class BarGroup:
    """One bar (or one stacked bar): a label and one value per series."""

    label: str
    values: Sequence[float | int]
    note: str = ""  # printed after the bar, e.g. a total or a percentage


@dataclass
class Chart:
    title: str
    desc: str
    series: list[Series]
    groups: list[BarGroup] = field(default_factory=list)
    unit: str = ""


@dataclass(frozen=True)
class Drawn:
    """A chart drawn: its title (for the visible caption) and its SVG."""

    title: str
    svg: SafeString


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """Approximate rendered width: full-width characters count double."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return (wide + 0.58 * (len(text) - wide)) * size


def _fmt(value: float | int) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _attr(value) -> str:
    return quoteattr(str(value))


def _svg(chart: Chart, width: float, height: float, body: list[str]) -> SafeString:
    n = next(_ids)
    title_id, desc_id = f"chart-{n}-title", f"chart-{n}-desc"
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(chart.desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (every text escaped above)


def _legend(series: list[Series], x: float, y: float) -> tuple[list[str], float]:
    """A one-line legend; returns the markup and its height."""
    parts = []
    for s in series:
        parts.append(
            f'<rect class="{escape(s.css)}" x="{x:.1f}" y="{y:.1f}" width="12" height="12"/>'
            f'<text class="legend" x="{x + 16:.1f}" y="{y + 10.5:.1f}">{escape(s.label)}</text>'
        )
        x += 16 + text_width(s.label) + 18
    return parts, 22


def horizontal_bars(chart: Chart, *, width: int = 760) -> SafeString:
    """Horizontal bars, stacked when the chart has several series.

    One row per group: its label on the left, the bar, then its total (or
    ``note``) as text. Segments wide enough carry their value inside.
    """
    label_width = max((text_width(g.label) for g in chart.groups), default=0) + 12
    note_width = (
        max((text_width(g.note or _fmt(sum(g.values))) for g in chart.groups), default=0) + 12
    )
    top = 8
    body, legend_height = ([], 0)
    if len(chart.series) > 1:
        body, legend_height = _legend(chart.series, label_width, top)
    top += legend_height + 4
    plot = max(width - label_width - note_width - 8, 120)
    largest = max((sum(g.values) for g in chart.groups), default=0) or 1
    y = top
    for group in chart.groups:
        total = sum(group.values)
        body.append(
            f'<text class="label" x="{label_width - 8:.1f}" y="{y + BAR - 2:.1f}" '
            f'text-anchor="end">{escape(group.label)}</text>'
        )
        x = label_width
        for value, s in zip(group.values, chart.series, strict=True):
            w = plot * value / largest
            if w <= 0:
                continue
            body.append(
                f'<rect class="{escape(s.css)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{w:.1f}" height="{BAR}"><title>'
                f"{escape(f'{group.label} {s.label}:{_fmt(value)}{chart.unit}')}</title></rect>"
            )
            if len(chart.series) > 1 and w > text_width(_fmt(value), 10) + 6:
                body.append(
                    f'<text class="inside" x="{x + w / 2:.1f}" y="{y + BAR - 3:.1f}" '
                    f'text-anchor="middle">{escape(_fmt(value))}</text>'
                )
            x += w
        note = group.note or f"{_fmt(total)}{chart.unit}"
        body.append(
            f'<text class="value" x="{x + 6:.1f}" y="{y + BAR - 2:.1f}">{escape(note)}</text>'
        )
        y += LINE
    return _svg(chart, width, y + 6, body)


def vertical_bars(chart: Chart, *, width: int = 760, height: int = 260) -> SafeString:
    """Vertical (stacked) bars, one per group, with the note above each bar."""
    top = 8
    body, legend_height = ([], 0)
    if len(chart.series) > 1:
        body, legend_height = _legend(chart.series, 8, top)
    top += legend_height + 20  # room for the notes above the tallest bar
    bottom = height - 24
    plot_height = bottom - top
    n = max(len(chart.groups), 1)
    slot = (width - 16) / n
    bar_width = min(56, slot * 0.6)
    largest = max((sum(g.values) for g in chart.groups), default=0) or 1
    body.append(
        f'<line class="axis" x1="8" y1="{bottom:.1f}" x2="{width - 8:.1f}" y2="{bottom:.1f}"/>'
    )
    for i, group in enumerate(chart.groups):
        cx = 8 + slot * (i + 0.5)
        x = cx - bar_width / 2
        y = bottom
        for value, s in zip(group.values, chart.series, strict=True):
            h = plot_height * value / largest
            if h <= 0:
                continue
            y -= h
            body.append(
                f'<rect class="{escape(s.css)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_width:.1f}" height="{h:.1f}"><title>'
                f"{escape(f'{group.label} {s.label}:{_fmt(value)}{chart.unit}')}</title></rect>"
            )
        note = group.note or f"{_fmt(sum(group.values))}{chart.unit}"
        body.append(
            f'<text class="value" x="{cx:.1f}" y="{y - 5:.1f}" '
            f'text-anchor="middle">{escape(note)}</text>'
        )
        body.append(
            f'<text class="label" x="{cx:.1f}" y="{bottom + 16:.1f}" '
            f'text-anchor="middle">{escape(group.label)}</text>'
        )
    return _svg(chart, width, height, body)


# --------------------------------------------------------------------------
# The dashboard's charts
# --------------------------------------------------------------------------

STATUS_CSS = {"0": "s-poor", "3": "s-returned", "1": "s-lifted", "4": "s-stable"}


def dashboard_charts(d) -> dict:
    """The dashboard's four charts (three for a village's version), as SVG."""
    from households.choices import PovertyStatus

    def households(row, status) -> int:
        tally = row.by_status.get(status.value)
        return tally.households if tally else 0

    statuses = [PovertyStatus.NOT_LIFTED, PovertyStatus.RETURNED, PovertyStatus.LIFTED]
    statuses.append(PovertyStatus.STABLE)
    series = [Series(str(s.label), STATUS_CSS[s.value]) for s in statuses]
    date_label = f"{d.on.year}年{d.on.month}月{d.on.day}日"
    rows, title = d.rows, _("各村建档立卡户贫困状态(截至%(date)s)") % {"date": date_label}

    def name(row):
        return row.village.name

    if d.towns:
        # A county's version: a bar per town (its villages are a town's drill-down).
        rows, title = d.towns, _("各镇建档立卡户贫困状态(截至%(date)s)") % {"date": date_label}

        def name(row):
            return row.town.name

    elif len(rows) > MAX_VILLAGE_BARS:
        # A bar per village stops being readable: the villages with the most
        # poor persons (then the most households); the table has them all.
        rows = sorted(rows, key=lambda r: (-r.poor.persons, -r.registered.households))
        rows = rows[:MAX_VILLAGE_BARS]
        title = _("未脱贫人口最多的%(n)s个村的建档立卡户贫困状态(截至%(date)s)") % {
            "n": MAX_VILLAGE_BARS,
            "date": date_label,
        }
    by_village = Chart(
        title=title,
        desc=(
            _("每镇一条横条,按贫困状态分段,数字为户数:")
            if d.towns
            else _("每村一条横条,按贫困状态分段,数字为户数:")
        )
        + ";".join(
            f"{name(r)}{r.registered.households}户"
            + "".join(f",{s.label}{households(r, s)}户" for s in statuses if households(r, s))
            for r in rows
        ),
        series=series,
        groups=[
            BarGroup(
                name(r),
                [households(r, s) for s in statuses],
                note=f"{r.registered.households}户",
            )
            for r in rows
        ],
        unit="户",
    )
    history = Chart(
        title=_("历年年末建档立卡户与贫困发生率"),
        desc=_("每年年末(当年为查询日)的在册户数,按未脱贫、已脱贫分段;柱上为贫困发生率:")
        + ";".join(
            f"{y.year}年在册{y.registered.households}户,未脱贫{y.poor.households}户"
            f"{y.poor.persons}人,贫困发生率{y.incidence.display}"
            for y in d.history
        ),
        series=[
            Series(_("未脱贫(含返贫)"), "s-poor"),
            Series(_("已脱贫"), "s-lifted"),
        ],
        groups=[
            BarGroup(
                f"{y.year}" if y.on.month == 12 and y.on.day == 31 else f"{y.year}*",
                [y.poor.households, y.lifted.households],
                note=y.incidence.display
                if y.incidence.percent is not None
                else f"{y.poor.persons}人",
            )
            for y in d.history
        ],
        unit="户",
    )
    causes = Chart(
        title=_("在册户主要致贫原因"),
        desc=_("按主要致贫原因统计的在册户数:")
        + ";".join(f"{cause.label}{n}户" for cause, n in d.causes),
        series=[Series(_("户数"), "s-0")],
        groups=[BarGroup(str(cause.label), [n]) for cause, n in d.causes],
        unit="户",
    )
    result = {
        "villages": Drawn(by_village.title, horizontal_bars(by_village)),
        "history": Drawn(history.title, vertical_bars(history)),
        "causes": Drawn(causes.title, horizontal_bars(causes)),
    }
    if d.measures:
        measures = Chart(
            title=_("%(year)s年帮扶措施分类别受益户数") % {"year": d.year},
            desc=_("每类帮扶措施的受益户数和资金:")
            + ";".join(f"{t.label}{t.households}户,资金{t.funds:,.2f}元" for t in d.measures),
            series=[Series(_("受益户数"), "s-1")],
            groups=[
                BarGroup(t.label, [t.households], note=f"{t.households}户") for t in d.measures
            ],
            unit="户",
        )
        result["measures"] = Drawn(measures.title, horizontal_bars(measures))
    return result
