"""The registry's per-village figures, kept as dated deltas and year-end sums.

A figure of the registry on a date d is a count of intervals covering d: a
household's status period (valid_from ≤ d < valid_to), a member's presence
(joined_on ≤ d < left_on) inside it, a 低保 member inside a registered period,
and so on. Such a count changes only on the days an interval starts or ends,
so a village keeps, per figure:

* :class:`FigureDelta`: the change of the figure on each day it changes
  (households and persons, summed over the village);
* :class:`FigureYearEnd`: the figure's value at the end of each year from the
  village's first change to its last (the deltas' prefix sums at 31 December),
  zeros left out, the village's last year marked ``is_last``.

The value on d is then the year-end of d's previous year plus the deltas of
d's own year up to d: one row per village and figure plus one year of deltas,
whatever the date and however long the history. (Daily snapshots would hold
a row per village, figure and day whether or not anything changed; deltas
alone would sum every change since 2014 for today's figure.) A year after the
village's last year reads the last year-end; a year before its first reads
nothing, and the deltas of d's year are then all there is.

:class:`VillageSummary` records when each village was last counted;
:class:`StaleVillage` rows are the villages a write changed since. A write
marks its villages stale in its transaction and recounts them right after it
commits; a reader recounts what it finds stale in its scope before reading,
so that a figure is never older than the last committed write; the nightly
rebuild (``manage.py rebuild_summaries``, task ``rebuild_summaries``) recounts
every village.
"""

from django.db import models

from households.models import Village


class VillageSummary(models.Model):
    """A village whose figures are counted: when, and the years they span."""

    village = models.OneToOneField(
        Village, models.CASCADE, primary_key=True, related_name="+", verbose_name="行政村"
    )
    counted_at = models.DateTimeField("统计时间")
    first_year = models.PositiveSmallIntegerField("最早变动年份", null=True)
    last_year = models.PositiveSmallIntegerField("最晚变动年份", null=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政村汇总状态"

    def __str__(self):
        return f"{self.village_id} @ {self.counted_at:%Y-%m-%d %H:%M}"


class FigureDelta(models.Model):
    """The change of one figure of a village on one day."""

    village = models.ForeignKey(Village, models.CASCADE, related_name="+", db_index=False)
    figure = models.CharField("指标", max_length=32)
    day = models.DateField("日期")
    households = models.IntegerField("户数变动", default=0)
    persons = models.IntegerField("人数变动", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "汇总变动"
        constraints = [
            models.UniqueConstraint(
                fields=["village", "figure", "day"], name="summaries_delta_village_figure_day"
            )
        ]
        indexes = [models.Index(fields=["day", "village"], name="summaries_delta_day")]

    def __str__(self):
        return f"{self.village_id} {self.figure} {self.day}: {self.households}/{self.persons}"


class FigureYearEnd(models.Model):
    """The value of one figure of a village at the end of one year (non-zero)."""

    village = models.ForeignKey(Village, models.CASCADE, related_name="+", db_index=False)
    figure = models.CharField("指标", max_length=32)
    year = models.PositiveSmallIntegerField("年份")
    is_last = models.BooleanField("最晚年份", default=False)
    households = models.IntegerField("户数", default=0)
    persons = models.IntegerField("人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "年末汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["village", "figure", "year"], name="summaries_yearend_village_figure_year"
            )
        ]
        indexes = [
            models.Index(fields=["year", "village"], name="summaries_yearend_year"),
            models.Index(
                fields=["village"],
                condition=models.Q(is_last=True),
                name="summaries_yearend_last",
            ),
        ]

    def __str__(self):
        return f"{self.village_id} {self.figure} {self.year}: {self.households}/{self.persons}"


class StaleVillage(models.Model):
    """A write changed a village's registry rows since its figures were counted."""

    id = models.BigAutoField(primary_key=True)
    village = models.ForeignKey(Village, models.CASCADE, related_name="+")
    marked_at = models.DateTimeField("标记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "待重算行政村"

    def __str__(self):
        return f"{self.village_id} @ {self.marked_at:%Y-%m-%d %H:%M}"


class MeasureTotals(models.Model):
    """A village's live measure applications of one year, by ``key``: over
    all programmes (``""``), per category (``c:<category>``), per programme
    (``p:<id>``), per kind of 危房改造 (``r:<kind>``). The definitions of
    ``measures.selectors``' ``village_coverage``, ``category_totals``,
    ``programme_totals`` and ``renovations_by_kind``."""

    village = models.ForeignKey(Village, models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField("年度")
    key = models.CharField("汇总项", max_length=40, blank=True)
    households = models.IntegerField("户数", default=0)
    persons = models.IntegerField("人数", default=0)
    applications = models.IntegerField("申请数", default=0)
    completed = models.IntegerField("已完成数", default=0)
    in_progress = models.IntegerField("实施中数", default=0)
    planned = models.IntegerField("计划数", default=0)
    funds = models.DecimalField("金额(元)", max_digits=16, decimal_places=2, default=0)
    added_income = models.DecimalField("增收(元)", max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = verbose_name_plural = "帮扶措施汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year", "key"], name="summaries_measures_village_year"
            )
        ]
        indexes = [models.Index(fields=["year", "village"], name="summaries_measures_year")]

    def __str__(self):
        return f"{self.village_id} {self.year} {self.key or '合计'}"
