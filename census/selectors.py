"""Reads of census preparation: progress per village, the organisation, the
worklists of the data-quality rules, one household's census page.

Households are those registered on the as-of date
(``households.selectors.registered_q``). A check's status is its current
status (the workflow is work in progress, its history is in the change
history); the rule violations are those of the registry as of the date.
Every function here runs a fixed number of queries, whatever the number of
villages or households.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, F, IntegerField, Q, Value, When

from assessment import rules as lifting
from assessment.queries import failure_counts_by_village
from assessment.selectors import lifting_check
from census import quality, rules
from census.models import CensusStaff, CheckStatus, GroupMember, HouseholdCheck, WorkingGroup
from census.rules import RuleCode
from households import scope
from households.choices import LIFTED_STATUSES, REGISTERED_STATUSES, Relation
from households.models import (
    BY_VILLAGE_ORDER,
    INCOME_MONEY_FIELDS,
    VILLAGE_ORDER,
    Household,
    Member,
    Village,
    head_subquery,
)
from households.selectors import (
    household_size_on,
    member_present_q,
    registered_q,
    status_on,
)

#: Statuses of a check the enumerator has submitted and not been sent back.
CHECKED_STATUSES = (CheckStatus.CHECKED, CheckStatus.APPROVED)


# --------------------------------------------------------------------------
# Progress per village (also read by the leaders' dashboard)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CensusProgressTotal:
    """Progress of the census preparation over some households, as of a date.

    * ``households``: registered poor households on the date;
    * ``checked``: checks submitted by the enumerator and not sent back
      (awaiting review or approved);
    * ``approved``: checks approved by a reviewer;
    * ``sent_back``: checks a reviewer sent back, waiting for the enumerator;
    * ``open_violations``: data-quality problems found, one per household and
      rule broken (``violations_by_rule`` splits them by rule code);
    * ``households_with_violations``: households breaking at least one rule.
    """

    households: int = 0
    checked: int = 0
    approved: int = 0
    sent_back: int = 0
    open_violations: int = 0
    households_with_violations: int = 0
    violations_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def awaiting_review(self) -> int:
        return self.checked - self.approved

    @property
    def not_checked(self) -> int:
        """Households without a submitted check (never submitted, or sent back)."""
        return self.households - self.checked

    @property
    def checked_percent(self) -> float | None:
        return 100 * self.checked / self.households if self.households else None

    @property
    def approved_percent(self) -> float | None:
        return 100 * self.approved / self.households if self.households else None


@dataclass(frozen=True)
class VillageCensusProgress(CensusProgressTotal):
    village: Village | None = None
    #: ``{criterion: failing registered households}`` of the lifting check on
    #: the date (``assessment.queries.failure_counts_by_village``; the town
    #: overview's), ``{}`` for a village without registered households.
    lifting_failures: dict = field(default_factory=dict)


def _progress_counts(households, on: date) -> dict[int, dict]:
    """Households, check statuses, violations and violating households per village.

    Two queries: the households and their checks, grouped by village; then
    the households breaking each SQL rule, one ``SELECT`` per rule joined by
    ``UNION ALL`` in a single statement. Each rule alone is a plain filter
    the database turns into semi-joins; all rules as columns (or OR-ed in one
    filter) would run every correlated subquery once per household, a
    hundred times slower on a county's registry.
    """
    registered = households.filter(registered_q(on))
    rows = (
        registered.order_by()
        .values("village_id")
        .annotate(
            n_households=Count("pk"),
            n_checked=Count("pk", filter=Q(census_check__status__in=CHECKED_STATUSES)),
            n_approved=Count("pk", filter=Q(census_check__status=CheckStatus.APPROVED)),
            n_sent_back=Count("pk", filter=Q(census_check__status=CheckStatus.SENT_BACK)),
        )
    )
    counts = {}
    for row in rows:
        counts[row["village_id"]] = {
            "households": row["n_households"],
            "checked": row["n_checked"],
            "approved": row["n_approved"],
            "sent_back": row["n_sent_back"],
            "violating_ids": set(),
            "by_rule": {code.value: 0 for code in RuleCode},
        }
    prepared = quality.annotate_for_rules(registered.order_by(), on=on)
    parts = [
        prepared.filter(quality.rule_q(code, on=on)).values_list(
            "pk", "village_id", Value(code.value)
        )
        for code in quality.SQL_RULES
    ]
    for pk, village_id, code in parts[0].union(*parts[1:], all=True):
        row = counts[village_id]
        row["by_rule"][code] += 1
        row["violating_ids"].add(pk)
    return counts


def census_progress(
    *, on: date, villages: Iterable[Village] | None = None
) -> list[VillageCensusProgress]:
    """Progress of the census preparation per village on ``on``, read from the
    villages' snapshots (``census.snapshots``: counted when a write changes the
    village, and nightly); a village without a snapshot of ``on`` is counted
    now (:func:`count_census_progress`) and its snapshot kept.

    One row per village of ``villages`` (every village, ordered by name, if
    not given), villages without households included (all zeros). Feed the
    rows to :func:`census_progress_total` for the town's figures. One query
    when every snapshot is there (two without ``villages``).
    """
    from census.models import VillageProgressSnapshot

    if villages is None:
        villages = Village.objects.order_by(*VILLAGE_ORDER)
    villages = list(villages)
    kept = {
        s.village_id: s
        for s in VillageProgressSnapshot.objects.filter(
            on=on, village_id__in=[v.pk for v in villages]
        )
    }
    missing = [v for v in villages if v.pk not in kept]
    counted = {}
    if missing:
        rows = count_census_progress(on=on, villages=missing)
        VillageProgressSnapshot.objects.bulk_create(
            [snapshot_of(row, on=on) for row in rows], ignore_conflicts=True
        )
        counted = {row.village.pk: row for row in rows}
    return [
        counted[v.pk] if v.pk in counted else progress_of(kept[v.pk], village=v) for v in villages
    ]


def snapshot_of(row: VillageCensusProgress, *, on: date):
    """The snapshot row of a counted village's progress."""
    from census.models import VillageProgressSnapshot

    return VillageProgressSnapshot(
        village_id=row.village.pk,
        on=on,
        households=row.households,
        checked=row.checked,
        approved=row.approved,
        sent_back=row.sent_back,
        open_violations=row.open_violations,
        households_with_violations=row.households_with_violations,
        violations_by_rule=row.violations_by_rule,
        lifting_failures={c.value: n for c, n in row.lifting_failures.items()},
    )


def progress_of(snapshot, *, village: Village) -> VillageCensusProgress:
    return VillageCensusProgress(
        village=village,
        households=snapshot.households,
        checked=snapshot.checked,
        approved=snapshot.approved,
        sent_back=snapshot.sent_back,
        open_violations=snapshot.open_violations,
        households_with_violations=snapshot.households_with_violations,
        violations_by_rule=dict(snapshot.violations_by_rule),
        lifting_failures={lifting.Criterion(c): n for c, n in snapshot.lifting_failures.items()},
    )


def count_census_progress(*, on: date, villages: Iterable[Village]) -> list[VillageCensusProgress]:
    """Progress of the census preparation of ``villages`` on ``on``, counted
    from the registry and the checks (what the snapshots keep).

    Four queries (the households and their checks by village, the
    households breaking each SQL rule, the ID numbers of rule R05, the
    registered households failing each criterion of the lifting check):
    never more with more households.
    """
    villages = list(villages)
    households = Household.objects.filter(village__in=[v.pk for v in villages])
    counts = _progress_counts(households, on)
    failures = failure_counts_by_village(households.filter(registered_q(on)), on=on)
    # R05 is judged in Python over the ID numbers.
    invalid = quality.invalid_id_members(households, on=on)
    for village_id, household_id in {(i.village_id, i.household_id) for i in invalid}:
        row = counts[village_id]
        row["by_rule"][RuleCode.INVALID_ID.value] += 1
        row["violating_ids"].add(household_id)

    result = []
    for village in villages:
        row = counts.get(village.pk)
        if row is None:
            result.append(VillageCensusProgress(village=village, violations_by_rule={}))
            continue
        result.append(
            VillageCensusProgress(
                village=village,
                households=row["households"],
                checked=row["checked"],
                approved=row["approved"],
                sent_back=row["sent_back"],
                open_violations=sum(row["by_rule"].values()),
                households_with_violations=len(row["violating_ids"]),
                violations_by_rule=row["by_rule"],
                lifting_failures=failures.get(village.pk, {}),
            )
        )
    return result


def census_progress_total(rows: Iterable[CensusProgressTotal]) -> CensusProgressTotal:
    """The sum of progress rows (e.g. the town's total of :func:`census_progress`)."""
    rows = list(rows)
    by_rule = {code.value: 0 for code in RuleCode}
    for row in rows:
        for code, n in row.violations_by_rule.items():
            by_rule[code] = by_rule.get(code, 0) + n
    return CensusProgressTotal(
        households=sum(r.households for r in rows),
        checked=sum(r.checked for r in rows),
        approved=sum(r.approved for r in rows),
        sent_back=sum(r.sent_back for r in rows),
        open_violations=sum(r.open_violations for r in rows),
        households_with_violations=sum(r.households_with_violations for r in rows),
        violations_by_rule=by_rule,
    )


# --------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------


def census_villages(user):
    """The villages whose census work ``user`` sees: the whole town for a user
    who sees the whole registry, otherwise the villages of their profile (an
    enumerator's assigned villages): ``scope.own_villages``."""
    return scope.own_villages(user)


def census_households(user):
    """The households ``user`` may see in the census pages.

    Always within ``scope.households_visible_to(user)``; without the whole
    town, only the households of the user's own villages (a household they
    see as its responsible person in another village is no census work of
    theirs): ``scope.households_of_own_villages``.
    """
    return scope.households_of_own_villages(user)


# --------------------------------------------------------------------------
# The organisation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupNode:
    group: WorkingGroup
    members: list[GroupMember]
    children: list[GroupNode]


@dataclass(frozen=True)
class VillageStaff:
    village: Village
    enumerators: list[CensusStaff]


@dataclass(frozen=True)
class Organisation:
    groups: list[GroupNode]  # the leading groups (and any group without a parent), in order
    villages: list[VillageStaff]
    reviewers: list[CensusStaff]


#: Members of a group are listed by rank: 组长, 副组长, 成员, 联络员.
ROLE_RANK = {role: rank for rank, role in enumerate(GroupMember.Role.values)}


def organisation(*, villages: Iterable[Village] | None = None) -> Organisation:
    """The leading group, its office and working groups with their members and
    duties; the enumerators of each village and the town's reviewers.

    Four queries (groups, their members, staff, villages if not given).
    """
    groups = list(
        WorkingGroup.objects.prefetch_related("members").order_by("town", "order", "name")
    )
    children: dict[int | None, list[WorkingGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)

    def node(group, seen):
        # ``seen`` guards against a cycle an admin could enter (A → B → A).
        kids = [node(c, seen | {c.pk}) for c in children.get(group.pk, []) if c.pk not in seen]
        members = sorted(group.members.all(), key=lambda m: (ROLE_RANK.get(m.role, 99), m.pk))
        return GroupNode(group=group, members=members, children=kids)

    known = {g.pk for g in groups}
    roots = [g for g in groups if g.parent_id is None or g.parent_id not in known]
    if villages is None:
        villages = Village.objects.order_by(*VILLAGE_ORDER)
    villages = list(villages)
    staff = list(CensusStaff.objects.select_related("village", "user").order_by("name"))
    by_village: dict[int, list[CensusStaff]] = {}
    for person in staff:
        if person.role == CensusStaff.Role.ENUMERATOR:
            by_village.setdefault(person.village_id, []).append(person)
    return Organisation(
        groups=[node(g, {g.pk}) for g in roots],
        villages=[VillageStaff(v, by_village.get(v.pk, [])) for v in villages],
        reviewers=[p for p in staff if p.role == CensusStaff.Role.REVIEWER],
    )


# --------------------------------------------------------------------------
# A village's households: the enumerator's list, the quality worklist
# --------------------------------------------------------------------------


def status_filter_q(status: str) -> Q:
    """Households whose check is in ``status`` (``pending``: no check submitted yet)."""
    if status == CheckStatus.PENDING:
        return Q(census_check__isnull=True) | Q(census_check__status=CheckStatus.PENDING)
    return Q(census_check__status=status)


def village_households(*, households, on: date, status: str = "", rule: str = ""):
    """The registered households of ``households`` on ``on`` for the village list:
    check (with its accounts) joined, head's name, members present, a
    ``breaks_<code>`` flag per SQL rule. Filters: the check's ``status``, a
    rule ``code`` (R05 cannot be filtered here: see :func:`invalid_id_household_ids`).
    """
    queryset = (
        quality.annotate_rules(households.filter(registered_q(on)), on=on)
        .select_related("group", "census_check__submitted_by", "census_check__reviewed_by")
        .with_head()
    )
    if status:
        queryset = queryset.filter(status_filter_q(status))
    if rule and rule != RuleCode.INVALID_ID:
        queryset = queryset.filter(quality.rule_q(rule, on=on))
    return queryset.order_by("number")


def rule_codes_of(household, invalid_ids: set[int]) -> list[str]:
    """The rule codes a row of :func:`village_households` breaks."""
    codes = [c.value for c in quality.SQL_RULES if getattr(household, f"breaks_{c.value}")]
    if household.pk in invalid_ids:
        codes.append(RuleCode.INVALID_ID.value)
    return quality.codes_in_order(codes)


@dataclass(frozen=True)
class WorklistEntry:
    household: Household
    head_name: str
    codes: list[str]


@dataclass(frozen=True)
class WorklistGroup:
    rule: rules.QualityRule
    entries: list[WorklistEntry]


def worklist(*, households, on: date) -> list[WorklistGroup]:
    """The data-quality worklist of ``households`` on ``on``: for every rule
    broken, the households breaking it (each with all the codes it breaks).

    Two queries whatever the number of households (R05's ID numbers, then the
    households breaking any rule with their flags).
    """
    invalid = {i.household_id for i in quality.invalid_id_members(households, on=on)}
    rows = list(
        village_households(households=households, on=on).filter(
            quality.any_rule_q(on=on) | Q(pk__in=invalid)
        )
    )
    entries = [WorklistEntry(h, h.head_name or "", rule_codes_of(h, invalid)) for h in rows]
    groups = []
    for code in RuleCode:
        matching = [entry for entry in entries if code.value in entry.codes]
        if matching:
            groups.append(WorklistGroup(rule=rules.RULES[code.value], entries=matching))
    return groups


# --------------------------------------------------------------------------
# One household's census page
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CensusHouseholdPage:
    on: date
    status: str | None
    result: object  # assessment.selectors.LiftingCheckResult
    members: list[Member]  # present on ``on``
    findings: tuple[rules.Finding, ...]
    check: HouseholdCheck | None
    checklist: dict[str, rules.ItemResult]
    history: list


def census_facts(*, household: Household, on: date):
    """The facts of :class:`census.rules.CensusFacts` of one household on ``on``,
    with the lifting check result and the members they were read from."""
    result = lifting_check(household=household, on=on)
    status = status_on(household, on)
    members = list(household.members.filter(member_present_q(on)).order_by("joined_on", "pk"))
    income = result.income
    recorded = income is not None and any(getattr(income, f) for f in INCOME_MONEY_FIELDS)
    numbers = {m.id_number for m in members}
    holders = (
        Member.objects.filter(member_present_q(on), id_number__in=numbers)
        .order_by()
        .values("id_number")
        .annotate(n=Count("pk"))
    )
    shared = {row["id_number"]: row["n"] - 1 for row in holders if row["n"] > 1}
    facts = rules.CensusFacts(
        on=on,
        registered=status in REGISTERED_STATUSES,
        lifted=status in LIFTED_STATUSES,
        dibao_class=household.dibao_class,
        lifting=result.check,
        income_recorded=recorded,
        poverty_line_set=result.poverty_line is not None,
        income_size=household_size_on(household, income.assessed_on) if income else None,
        members=tuple(
            rules.CensusMember(
                pk=m.pk,
                name=m.name,
                id_number=m.id_number,
                deceased_on=m.deceased_on,
                on_dibao=m.on_dibao,
            )
            for m in members
        ),
        shared_id_numbers=shared,
    )
    return facts, result, status, members


def household_findings(*, household: Household, on: date) -> tuple[rules.Finding, ...]:
    """The data-quality rules one household breaks on ``on`` (the pure rules)."""
    facts, *_rest = census_facts(household=household, on=on)
    return rules.find_problems(facts)


@dataclass(frozen=True)
class CheckHistoryEntry:
    when: object
    who: str
    status: str
    note: str


def check_history(check: HouseholdCheck | None) -> list[CheckHistoryEntry]:
    """The workflow of a check, newest first: each status it went through,
    who moved it there and the reviewer's note (one query)."""
    if check is None:
        return []
    records = list(check.history.select_related("history_user").order_by("history_date", "pk"))
    entries, previous = [], None
    for record in records:
        if previous is not None and (record.status, record.review_note, record.checklist) == (
            previous.status,
            previous.review_note,
            previous.checklist,
        ):
            previous = record
            continue
        user = record.history_user
        entries.append(
            CheckHistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else "系统",
                status=CheckStatus(record.status).label
                if record.status in CheckStatus.values
                else record.status,
                note=record.review_note,
            )
        )
        previous = record
    entries.reverse()
    return entries


def census_household_page(*, household: Household, on: date) -> CensusHouseholdPage:
    """Everything the household's census page shows, in a fixed number of queries."""
    facts, result, status, members = census_facts(household=household, on=on)
    check = (
        HouseholdCheck.objects.select_related(
            "submitted_by", "reviewed_by", "enumerator", "reviewer"
        )
        .filter(household=household)
        .first()
    )
    return CensusHouseholdPage(
        on=on,
        status=status,
        result=result,
        members=members,
        findings=rules.find_problems(facts),
        check=check,
        checklist=rules.checklist_from_json(check.checklist) if check else {},
        history=check_history(check),
    )


# --------------------------------------------------------------------------
# The reviewers' queue
# --------------------------------------------------------------------------


def review_queue(*, households, village: Village | None = None):
    """The checks waiting for review (已核查待审核) among ``households``, oldest
    submission first: what a reviewer works through, first come first served.

    One query with the household, its village and group, the head's name and
    the submitting account (for a page of the queue).
    """
    if village is not None:
        households = households.filter(village=village)
    return (
        HouseholdCheck.objects.filter(
            status=CheckStatus.CHECKED, household__in=households.values("pk")
        )
        .select_related("household__village", "household__group", "submitted_by", "enumerator")
        .annotate(head_name=head_subquery(household="household"))
        .order_by(F("submitted_at").asc(nulls_first=True), "checked_on", "pk")
    )


# --------------------------------------------------------------------------
# The census base table (export)
# --------------------------------------------------------------------------


def base_table_households(*, households, on: date):
    """The registered households of the export on ``on``, ordered by village and
    number, with everything a household's columns show (one query)."""
    queryset = (
        quality.annotate_rules(households.filter(registered_q(on)), on=on)
        .with_status_on(on)
        .select_related(
            "village",
            "group",
            "census_check__submitted_by",
            "census_check__reviewed_by",
            "census_check__enumerator",
            "census_check__reviewer",
        )
        .with_head()
    )
    return queryset.order_by(*BY_VILLAGE_ORDER, "number")


def base_table_members(*, households, on: date) -> dict[int, list[Member]]:
    """Members present on ``on`` of the registered households, head first (one query)."""
    members = (
        Member.objects.filter(member_present_q(on))
        .filter(household__in=households.filter(registered_q(on)).values("pk"))
        .annotate(
            head_first=Case(
                When(relation=Relation.HEAD, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("household_id", "head_first", "joined_on", "pk")
    )
    grouped: dict[int, list[Member]] = {}
    for member in members.iterator(chunk_size=5000):
        grouped.setdefault(member.household_id, []).append(member)
    return grouped
