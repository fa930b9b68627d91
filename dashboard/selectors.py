"""Dashboard figures. Every figure counts only the cases the user may see
(``cases.selectors.case_list_for_user``), in a fixed number of queries.

Time per stage is read from the case history (``CaseEvent`` rows whose
stage changed) and excludes paused time: the supplement stage (补正, the
clock stops while the applicant is asked for more material) is not counted,
and neither is any interval in which one of the case's clocks was paused
(``ClockEntry`` pause → resume). Only completed stays count: a case still
in a stage has no duration for it yet.
"""

import datetime as dt
import statistics
from collections import defaultdict

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import user_roles
from cases.models import Case, CaseEvent, Outcome, Stage
from cases.selectors import case_list_for_user
from policies.models import PolicyItem
from reviews.models import Ruling

STAFF_ROLES = {Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN}
DECIDED = (Outcome.EXEMPT, Outcome.MITIGATED, Outcome.REJECTED)
# Stages without a meaningful duration of work: the applicant's draft, the
# supplement (paused time) and the end.
UNTIMED_STAGES = {Stage.DRAFT, Stage.SUPPLEMENT, Stage.CLOSED}
STAGE_ORDER = [s.value for s in Stage]
TREND_MONTHS = 12
OVERDUE_LIST_LIMIT = 20


def dashboard_may_view(*, user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user_roles(user) & STAFF_ROLES))


def dashboard_cases(*, user: User, filters: dict | None = None) -> QuerySet[Case]:
    """The visible cases as a plain (joinless) queryset, for aggregation.
    ``filters``: jurisdiction (org unit id), year (of submission)."""
    filters = filters or {}
    qs = Case.objects.filter(pk__in=case_list_for_user(user=user).values("pk"))
    if jurisdiction := filters.get("jurisdiction"):
        qs = qs.filter(jurisdiction_id=jurisdiction)
    if year := filters.get("year"):
        qs = qs.filter(submitted_at__year=year)
    return qs


def _rate_rows(rows, key: str) -> list[dict]:
    grouped: dict[str, dict] = {}
    for row in rows:
        name = row[key]
        if name is None:
            continue
        g = grouped.setdefault(name, {"name": name, "decided": 0, "exempt": 0, "mitigated": 0, "rejected": 0})
        g[row["outcome"]] += row["n"]
        g["decided"] += row["n"]
    out = []
    for g in sorted(grouped.values(), key=lambda g: (-g["decided"], g["name"])):
        # 免责率 counts exempt rulings only; 容错率 also counts mitigated
        # ones, which the ruling letters call 予以容错 too.
        g["exempt_rate"] = round(100 * g["exempt"] / g["decided"], 1) if g["decided"] else 0.0
        g["tolerance_rate"] = (round(100 * (g["exempt"] + g["mitigated"]) / g["decided"], 1)
                               if g["decided"] else 0.0)
        out.append(g)
    return out


def _merge(intervals: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[list[dt.datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _overlap(a: dt.datetime, b: dt.datetime, intervals) -> float:
    total = 0.0
    for x, y in intervals:
        lo, hi = max(a, x), min(b, y)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


def pause_intervals(case_ids_qs, now: dt.datetime) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Per case, the merged intervals during which a clock was paused."""
    from deadlines.models import ClockEntry

    entries = list(
        ClockEntry.objects.filter(clock__case__in=case_ids_qs, kind__in=[ClockEntry.Kind.PAUSE, ClockEntry.Kind.RESUME])
        .order_by("clock_id", "created_at", "id")
        .values_list("clock__case_id", "clock_id", "kind", "created_at")
    )
    open_: dict[int, dt.datetime] = {}
    per_case: dict[int, list] = defaultdict(list)
    for case_id, clock_id, kind, at in entries:
        if kind == ClockEntry.Kind.PAUSE:
            open_.setdefault(clock_id, at)
        elif clock_id in open_:
            per_case[case_id].append((open_.pop(clock_id), at))
    # Still paused: until now. (The clock's case is needed: look it up from
    # the entries already read.)
    clock_case = {clock_id: case_id for case_id, clock_id, _k, _a in entries}
    for clock_id, start in open_.items():
        per_case[clock_case[clock_id]].append((start, now))
    return {case_id: _merge(iv) for case_id, iv in per_case.items()}


def time_per_stage(cases: QuerySet[Case], now: dt.datetime | None = None) -> list[dict]:
    """Per stage, the days each case spent in it (all its completed stays
    added up, paused time taken out), averaged over the cases."""
    now = now or timezone.now()
    ids = cases.values("pk")
    events = (
        CaseEvent.objects.filter(case__in=ids).exclude(from_stage=F("to_stage")).exclude(to_stage="")
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "from_stage", "to_stage", "created_at")
    )
    pauses = pause_intervals(ids, now)
    per_case: dict[tuple[int, str], float] = defaultdict(float)
    current: tuple[int, str, dt.datetime] | None = None
    for case_id, from_stage, to_stage, at in events:
        if current and current[0] == case_id and current[1] == from_stage:
            stage, start = current[1], current[2]
            if stage not in UNTIMED_STAGES:
                seconds = (at - start).total_seconds() - _overlap(start, at, pauses.get(case_id, ()))
                per_case[(case_id, stage)] += max(seconds, 0.0)
        current = (case_id, to_stage, at)
    durations: dict[str, list[float]] = defaultdict(list)
    for (_case_id, stage), seconds in per_case.items():
        durations[stage].append(seconds / 86400)
    rows = []
    for stage in STAGE_ORDER:
        values = durations.get(stage)
        if not values:
            continue
        rows.append({
            "stage": stage, "label": str(Stage(stage).label), "cases": len(values),
            "avg_days": round(sum(values) / len(values), 1),
            "median_days": round(statistics.median(values), 1),
            "max_days": round(max(values), 1),
        })
    return rows


def _months(today: dt.date, n: int) -> list[dt.date]:
    y, m = today.year, today.month
    out = []
    for _i in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(out))


def dashboard_stats(*, user: User, filters: dict | None = None) -> dict:
    """All figures of the dashboard (and of ``GET /api/v1/stats/``)."""
    from deadlines.models import Clock

    cases = dashboard_cases(user=user, filters=filters)
    now = timezone.now()
    today = timezone.localdate()

    by_stage_counts = dict(cases.values_list("stage").annotate(n=Count("id")).order_by())
    by_stage = [
        {"stage": s, "label": str(Stage(s).label), "count": by_stage_counts[s]}
        for s in STAGE_ORDER if by_stage_counts.get(s)
    ]
    by_result_counts = dict(
        cases.exclude(outcome="").values_list("outcome").annotate(n=Count("id")).order_by()
    )
    by_result = [
        {"result": o.value, "label": str(o.label), "count": by_result_counts[o.value]}
        for o in Outcome if o.value and by_result_counts.get(o.value)
    ]
    decided = cases.filter(outcome__in=DECIDED)
    by_jurisdiction = _rate_rows(
        decided.values("outcome", name=F("jurisdiction__name")).annotate(n=Count("id")).order_by(), "name"
    )
    # The scenario is the one the ruling relied on (issue 16: 免责率 by the
    # scenario ruled, not the one claimed); a ruling that relies on none (a
    # rejection) counts under the scenario the case was filed under, so that
    # the rate still counts it.

    ruled = Ruling.objects.filter(case=OuterRef("pk"), is_current=True,
                                  applied_items__kind=PolicyItem.Kind.POSITIVE).order_by("-id", "applied_items__number")
    claimed = Case.claimed_scenarios.through.objects.filter(case=OuterRef("pk")).order_by("policyitem__number")
    by_scenario = _rate_rows(
        decided.annotate(scenario=Coalesce(Subquery(ruled.values("applied_items__title")[:1]),
                                           Subquery(claimed.values("policyitem__title")[:1])))
        .values("outcome", name=F("scenario")).annotate(n=Count("id")).order_by(), "name"
    )

    overdue_qs = Clock.objects.filter(
        case__in=cases.values("pk"), status=Clock.Status.RUNNING, due_date__lt=today
    )
    overdue_count = overdue_qs.values("case_id").distinct().count()
    overdue_list = [
        {
            "case_id": c.case_id, "number": c.case.number, "title": c.case.title,
            "stage": c.stage, "stage_label": str(c.get_stage_display()), "due_date": c.due_date,
            "days_overdue": (today - c.due_date).days,
        }
        for c in overdue_qs.select_related("case").order_by("due_date", "id")[:OVERDUE_LIST_LIMIT]
    ]

    months = _months(today, TREND_MONTHS)
    start = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    submitted = {
        timezone.localtime(m).date().replace(day=1) if isinstance(m, dt.datetime) else m: n
        for m, n in cases.filter(submitted_at__gte=start)
        .annotate(m=TruncMonth("submitted_at")).values_list("m").annotate(n=Count("id")).order_by()
    }
    ruled = {
        m: n
        for m, n in Ruling.objects.filter(case__in=cases.values("pk"), kind=Ruling.Kind.FIRST,
                                          decided_on__gte=months[0])
        .annotate(m=TruncMonth("decided_on")).values_list("m").annotate(n=Count("id")).order_by()
    }
    trend = [
        {"month": m.strftime("%Y-%m"), "submitted": submitted.get(m, 0), "ruled": ruled.get(m, 0)} for m in months
    ]
    return {
        "total": sum(by_stage_counts.values()),
        "by_stage": by_stage,
        "by_result": by_result,
        "rate_by_jurisdiction": by_jurisdiction,
        "rate_by_scenario": by_scenario,
        "time_per_stage": time_per_stage(cases, now),
        "overdue": {"count": overdue_count, "cases": overdue_list},
        "trend": trend,
    }


def dashboard_tables(stats: dict) -> list[tuple[str, list[str], list[list]]]:
    """The dashboard's figures as (title, headers, rows), for the page's
    tables and the CSV / Excel exports."""
    rate_headers = [_("Decided"), _("Exempt"), _("Mitigated"), _("Rejected"), _("Exemption rate (%)"),
                    _("Tolerance rate (%)")]

    def rate(rows):
        return [[r["name"], r["decided"], r["exempt"], r["mitigated"], r["rejected"], r["exempt_rate"],
                 r["tolerance_rate"]] for r in rows]

    return [
        (_("Cases by stage"), [_("Stage"), _("Cases")], [[r["label"], r["count"]] for r in stats["by_stage"]]),
        (_("Cases by result"), [_("Result"), _("Cases")], [[r["label"], r["count"]] for r in stats["by_result"]]),
        (_("Exemption and tolerance rates by jurisdiction"), [_("Jurisdiction"), *rate_headers], rate(stats["rate_by_jurisdiction"])),
        (_("Exemption and tolerance rates by scenario"), [_("Scenario"), *rate_headers], rate(stats["rate_by_scenario"])),
        (_("Time per stage (days, paused time excluded)"),
         [_("Stage"), _("Cases"), _("Average days"), _("Median days"), _("Longest (days)")],
         [[r["label"], r["cases"], r["avg_days"], r["median_days"], r["max_days"]] for r in stats["time_per_stage"]]),
        (_("Overdue cases"), [_("Case number"), _("Title"), _("Stage"), _("Due date"), _("Days overdue")],
         [[r["number"], r["title"], r["stage_label"], r["due_date"].isoformat(), r["days_overdue"]]
          for r in stats["overdue"]["cases"]]),
        (_("Trend by month"), [_("Month"), _("Submitted"), _("Ruled")],
         [[r["month"], r["submitted"], r["ruled"]] for r in stats["trend"]]),
    ]

