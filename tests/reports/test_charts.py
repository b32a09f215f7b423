"""Server-side SVG charts: accessible, escaped, styled by classes only."""

import re
from datetime import date
from xml.etree import ElementTree

from defusedxml.ElementTree import fromstring

from reports.charts import BarGroup, Chart, Series, horizontal_bars, text_width, vertical_bars

SVG = "{http://www.w3.org/2000/svg}"


def chart(**overrides):
    fields = {
        "title": "各村贫困状态",
        "desc": "学田地村 3户",
        "series": [Series("未脱贫", "s-poor"), Series("已脱贫", "s-lifted")],
        "groups": [BarGroup("学田地村", [1, 2]), BarGroup("点力村", [0, 5], note="5户")],
        "unit": "户",
    }
    return Chart(**{**fields, **overrides})


def parse(svg) -> ElementTree.Element:
    return fromstring(str(svg))


def test_a_chart_has_a_title_and_a_description_it_is_labelled_by():
    for draw in (horizontal_bars, vertical_bars):
        root = parse(draw(chart()))
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert (title.text, desc.text) == ("各村贫困状态", "学田地村 3户")
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_values_and_labels_are_printed_as_text():
    texts = [t.text for t in parse(horizontal_bars(chart())).iter(f"{SVG}text")]
    assert "学田地村" in texts and "点力村" in texts
    assert "3户" in texts  # the total of a group without a note
    assert "5户" in texts  # the note given
    assert "未脱贫" in texts and "已脱贫" in texts  # the legend


def test_text_is_escaped():
    svg = horizontal_bars(
        chart(title="<script>alert(1)</script>", groups=[BarGroup('a"&<b>', [1, 1])])
    )
    assert "<script>" not in str(svg)
    root = parse(svg)  # well-formed despite the markup in the labels
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"
    assert 'a"&<b>' in [t.text for t in root.iter(f"{SVG}text")]


def test_colours_come_from_classes_never_style_attributes():
    for draw in (horizontal_bars, vertical_bars):
        svg = str(draw(chart()))
        assert "style=" not in svg and "fill=" not in svg
        classes = set(re.findall(r'class="([^"]+)"', svg))
        assert {"s-poor", "s-lifted"} <= classes


def test_bars_are_proportional_and_zero_values_draw_nothing():
    root = parse(horizontal_bars(chart()))
    rects = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    widths = {r.find(f"{SVG}title").text: float(r.get("width")) for r in rects}
    assert widths["学田地村 未脱贫:1户"] * 2 == widths["学田地村 已脱贫:2户"]
    assert widths["点力村 已脱贫:5户"] > widths["学田地村 已脱贫:2户"]
    assert not any("点力村 未脱贫" in key for key in widths)


def test_an_empty_chart_still_renders():
    root = parse(horizontal_bars(chart(groups=[])))
    assert root.find(f"{SVG}title").text == "各村贫困状态"


def test_chinese_labels_are_measured_wider_than_latin_ones():
    assert text_width("学田地村", 12) == 4 * 12
    assert text_width("学田地村") > 1.5 * text_width("abcd")


def test_the_village_chart_keeps_the_villages_with_most_poor_persons(monkeypatch):
    from types import SimpleNamespace

    from households.selectors import Tally
    from reports import charts

    monkeypatch.setattr(charts, "MAX_VILLAGE_BARS", 2)

    def row(name, poor):
        tally = Tally(poor, poor)
        return SimpleNamespace(
            village=SimpleNamespace(name=name),
            by_status={"0": tally, "3": Tally(), "1": Tally(), "4": Tally()},
            registered=tally,
            poor=tally,
        )

    dashboard = SimpleNamespace(
        on=date(2020, 5, 31),
        year=2020,
        rows=[row("甲村", 1), row("乙村", 5), row("丙村", 3)],
        towns=[],
        history=[],
        causes=[],
        measures=[],
    )
    drawn = charts.dashboard_charts(dashboard)["villages"]
    labels = [t.text for t in parse(drawn.svg).iter(f"{SVG}text")]
    assert "乙村" in labels and "丙村" in labels and "甲村" not in labels
    assert "未脱贫人口最多的2个村" in drawn.title
