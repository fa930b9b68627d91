"""The yearly statistics report (年度容错纠错工作情况统计表) of one
jurisdiction, computed directly from the case tables in a fixed number of
queries (``YEARLY_QUERIES``), whatever the number of cases.

Every figure is a set of cases (or, for time limits, of stage clocks), so
that the count shown, the Excel and PDF cells and the list of cases behind
it can never disagree: the list page recomputes the report and shows the
cases of one figure that the reader may see.

The whole computation lives in this module on purpose: maintained
aggregates (issue 19) can replace ``_collect`` without touching the page,
the API or the exports.

Counting rules (each shown on the page as the figure's definition):

- a year is the calendar year in China's time zone (``TIME_ZONE``);
- intake figures count what happened in the year: applications submitted,
  accepted, not accepted, withdrawn; proactive cases opened;
- rulings count the cases whose first ruling (认定) was made in the year,
  by the result in force now (a review that changed it counts as changed);
- the rates are defined over those rulings: 免责率 = exempt / rulings,
  容错率 = (exempt + mitigated) / rulings — a mitigated result is also
  予以容错 (the ruling letters say so);
- the records hold one result for 从轻 and 减轻 (``Result.MITIGATED``):
  the report does not split what was never recorded apart;
- stage times come from the stage clocks that ended in the year, in
  calendar days from the clock's start to its stop, paused days taken out
  (补正 pauses the intake and verification clocks);
- a stage is overdue when its clock's due date fell in the year and it
  ended after that date, or is still running past it at the cut-off (the
  end of the year, or today for the current year).
"""

import datetime as dt
import hashlib
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, Role, User
from accounts.selectors import user_memberships
from cases.models import Case, Origin, Outcome, Stage
from cases.selectors import case_list_for_user
from core.subjects import hook
from corrections.models import Clarification, Correction, Scope
from deadlines.models import Clock, ClockEntry
from policies.models import PolicyItem, TimeLimitStage
from reviews.models import Assessment, Result, ReviewRequest, Ruling, RulingUse

REPORT_ROLES = {Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN}
# Queries of ``yearly_report`` (pinned by the tests).
YEARLY_QUERIES = 11

NO_JURISDICTION = gettext_lazy("Choose a jurisdiction you handle cases of.")
UNKNOWN_FIGURE = gettext_lazy("This report has no such figure.")


@dataclass
class Figure:
    key: str
    label: str
    definition: str = ""
    cases: set = field(default_factory=set)
    # A rate or a count of rows other than cases: the value is given.
    value: object = None
    linked: bool = True
    indent: bool = False
    url: str = ""  # set by the page: the list of the cases behind it

    @property
    def count(self):
        return len(self.cases) if self.value is None else self.value


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure]
    note: str = ""


def report_jurisdictions(*, user: User) -> QuerySet[OrgUnit]:
    """The jurisdictions ``user`` may report on: those under an org unit
    where he holds a handling role (any, for a superuser)."""
    qs = OrgUnit.objects.filter(kind=OrgUnit.Kind.JURISDICTION).order_by("code")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    paths = {m.org_unit.path for m in user_memberships(user) if m.role in REPORT_ROLES}
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return qs.filter(q)


def report_may_view(*, user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or any(
        m.role in REPORT_ROLES for m in user_memberships(user))))


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz))


def _in_year(value, year: int) -> bool:
    if value is None:
        return False
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.year == year


def _key(prefix: str, label: str) -> str:
    # Policy items are per version: the same list item under two versions
    # is one row, keyed by its wording, not by its id.
    return f"{prefix}-{hashlib.sha1(label.encode()).hexdigest()[:10]}"  # noqa: S324 (a key, not security)


def _item_label(title: str, text: str) -> str:
    return title or text[:30]


def _net_days(start: dt.date, end: dt.date, entries: list[tuple[str, dt.date]]) -> int:
    """Calendar days from ``start`` to ``end`` without the paused days."""
    paused, since = 0, None
    for kind, on in entries:
        if kind == ClockEntry.Kind.PAUSE and since is None:
            since = on
        elif kind == ClockEntry.Kind.RESUME and since is not None:
            paused += (on - since).days
            since = None
    if since is not None:
        paused += (end - since).days
    return max((end - start).days - paused, 0)


def _collect(jurisdiction: OrgUnit, year: int, today: dt.date) -> dict:
    """The raw sets: one query per table, each filtered in the database to
    the jurisdiction and the rows that touch the year."""
    lo, hi = _year_bounds(year)
    cases = list(
        Case.objects.filter(jurisdiction=jurisdiction).exclude(stage=Stage.DRAFT)
        .filter(Q(submitted_at__gte=lo, submitted_at__lt=hi) | Q(accepted_at__gte=lo, accepted_at__lt=hi)
                | Q(closed_at__gte=lo, closed_at__lt=hi))
        .values_list("pk", "origin", "outcome", "submitted_at", "accepted_at", "closed_at")
    )
    first_in_year = Ruling.objects.filter(case__jurisdiction=jurisdiction, kind=Ruling.Kind.FIRST,
                                          decided_on__year=year).values("case_id")
    rulings = list(
        Ruling.objects.filter(Q(case_id__in=first_in_year)
                              | Q(case__jurisdiction=jurisdiction, kind=Ruling.Kind.REVIEW, decided_on__year=year))
        .values_list("pk", "case_id", "kind", "result", "is_current", "decided_on", "review_decision")
    )
    rejected_now = Ruling.objects.filter(case_id__in=first_in_year, is_current=True,
                                         result=Result.REJECTED)
    ruling_negatives = list(
        Ruling.applied_items.through.objects.filter(ruling__in=rejected_now, policyitem__kind=PolicyItem.Kind.NEGATIVE)
        .values_list("ruling__case_id", "policyitem__title", "policyitem__text")
    )
    assessed_negatives = list(
        Assessment.negative_items.through.objects.filter(assessment__case_id__in=rejected_now.values("case_id"))
        .values_list("assessment__case_id", "policyitem__title", "policyitem__text")
    )
    uses = list(
        RulingUse.objects.filter(ruling__case_id__in=first_in_year, ruling__is_current=True)
        .values_list("ruling__case_id", "policy_item__title", "policy_item__text")
    )
    reviews = list(
        ReviewRequest.objects.filter(case__jurisdiction=jurisdiction, requested_on__year=year)
        .values_list("case_id", flat=True)
    )
    corrections = list(
        Correction.objects.filter(case__jurisdiction=jurisdiction)
        .filter(Q(started_on__year=year) | Q(completed_at__gte=lo, completed_at__lt=hi))
        .values_list("case_id", "status", "started_on", "completed_at")
    )
    clarifications = list(
        Clarification.objects.filter(case__jurisdiction=jurisdiction)
        .filter(Q(issued_at__gte=lo, issued_at__lt=hi) | Q(referred_on__year=year))
        .values_list("case_id", "status", "scope", "issued_at", "referred_on")
    )
    # Stand-alone clarification cases (澄清正名事项) count beside the
    # clarifications that follow a ruling (their app's hook: one query).
    clarifications += hook("case", "yearly_clarifications", lambda **kw: [])(
        jurisdiction=jurisdiction, lo=lo, hi=hi, year=year)
    clock_qs = Clock.objects.filter(case__jurisdiction=jurisdiction).filter(
        Q(stopped_at__gte=lo, stopped_at__lt=hi) | Q(due_date__year=year))
    clocks = list(clock_qs.values_list("pk", "case_id", "stage", "started_on", "stopped_at", "due_date", "status"))
    entries = defaultdict(list)
    for clock_id, kind, on in (
        ClockEntry.objects.filter(clock__in=clock_qs, kind__in=[ClockEntry.Kind.PAUSE, ClockEntry.Kind.RESUME])
        .order_by("clock_id", "created_at", "id").values_list("clock_id", "kind", "on")
    ):
        entries[clock_id].append((kind, on))
    return {
        "cases": cases, "rulings": rulings, "ruling_negatives": ruling_negatives,
        "assessed_negatives": assessed_negatives, "uses": uses, "reviews": reviews,
        "corrections": corrections, "clarifications": clarifications, "clocks": clocks, "entries": entries,
        "cutoff": min(today, dt.date(year, 12, 31)), "year": year,
    }


def _intake(raw: dict) -> Section:
    year = raw["year"]
    f = {k: Figure(k, label, definition) for k, label, definition in (
        ("received", _("Applications received"),
         _("Individual and unit applications submitted in the year.")),
        ("received_individual", _("of which: individual applications"), ""),
        ("received_unit", _("of which: unit applications"), ""),
        ("accepted", _("Applications accepted (受理)"), _("Applications accepted in the year.")),
        ("not_accepted", _("Applications not accepted (不予受理)"),
         _("Applications closed as not accepted in the year.")),
        ("withdrawn", _("Applications withdrawn"), _("Applications withdrawn by the applicant in the year.")),
        ("proactive", _("Proactive cases opened (主动容错)"),
         _("Cases an inspector opened during an accountability investigation in the year.")),
    )}
    f["received_individual"].indent = f["received_unit"].indent = True
    for pk, origin, outcome, submitted_at, accepted_at, closed_at in raw["cases"]:
        if origin == Origin.REPORT:
            continue  # a clarification case: counted under clarifications
        if origin == Origin.PROACTIVE:
            if _in_year(submitted_at, year):
                f["proactive"].cases.add(pk)
            continue
        if _in_year(submitted_at, year):
            f["received"].cases.add(pk)
            f["received_individual" if origin == Origin.INDIVIDUAL else "received_unit"].cases.add(pk)
        if _in_year(accepted_at, year):
            f["accepted"].cases.add(pk)
        if _in_year(closed_at, year) and outcome == Outcome.NOT_ACCEPTED:
            f["not_accepted"].cases.add(pk)
        if _in_year(closed_at, year) and outcome == Outcome.WITHDRAWN:
            f["withdrawn"].cases.add(pk)
    return Section("intake", _("Applications and proactive cases"), list(f.values()))


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _rulings(raw: dict) -> Section:
    year = raw["year"]
    current = {}
    first_cases = set()
    reviews_decided, reviews_changed = set(), set()
    for _pk, case_id, kind, result, is_current, decided_on, review_decision in raw["rulings"]:
        if kind == Ruling.Kind.FIRST and decided_on.year == year:
            first_cases.add(case_id)
        if is_current:
            current[case_id] = result
        if kind == Ruling.Kind.REVIEW and decided_on.year == year:
            reviews_decided.add(case_id)
            if review_decision == "changed":
                reviews_changed.add(case_id)
    by_result = {r: {c for c in first_cases if current.get(c) == r} for r in Result.values}
    ruled = Figure("ruled", _("Rulings made (认定)"),
                   _("Cases whose first ruling was made in the year; by the result in force now."), first_cases)
    exempt = Figure("exempt", _("Tolerated, no accountability (免予问责)"), "", by_result[Result.EXEMPT],
                    indent=True)
    mitigated = Figure(
        "mitigated", _("Tolerated, lighter or reduced handling (从轻或减轻处理)"),
        _("The records hold one result for 从轻 and 减轻; they are not counted apart."),
        by_result[Result.MITIGATED], indent=True)
    rejected = Figure("rejected", _("Not tolerated (不予容错)"), "", by_result[Result.REJECTED], indent=True)
    n = len(first_cases)
    exempt_rate = Figure("exempt_rate", _("Exemption rate (免责率)"),
                         _("Rulings of no accountability (免予问责) as a share of all rulings."),
                         value=_rate(len(exempt.cases), n), linked=False)
    tolerance_rate = Figure(
        "tolerance_rate", _("Tolerance rate (容错率)"),
        _("Rulings of tolerance — no accountability, or lighter or reduced handling — as a share of all rulings."),
        value=_rate(len(exempt.cases) + len(mitigated.cases), n), linked=False)
    review_requested = Figure("review_requested", _("Reviews requested (复核)"),
                              _("Requests for review made in the year."), set(raw["reviews"]))
    review_decided = Figure("review_decided", _("Reviews decided"), _("Review decisions made in the year."),
                            reviews_decided)
    review_changed = Figure("review_changed", _("of which: first ruling changed"), "", reviews_changed,
                            indent=True)
    return Section("rulings", _("Rulings"), [ruled, exempt, mitigated, rejected, exempt_rate, tolerance_rate,
                                             review_requested, review_decided, review_changed])


def _grouped(rows, prefix: str, *, definition: str = "") -> list[Figure]:
    figures: dict[str, Figure] = {}
    for case_id, title, text in rows:
        label = _item_label(title, text)
        figures.setdefault(label, Figure(_key(prefix, label), label, definition)).cases.add(case_id)
    return sorted(figures.values(), key=lambda f: (-len(f.cases), f.label))


def _negatives(raw: dict, rejected: set) -> Section:
    figures = _grouped(raw["ruling_negatives"] + raw["assessed_negatives"], "negative")
    with_item = set().union(*(f.cases for f in figures)) if figures else set()
    figures.append(Figure("negative_none", _("No negative-list item (conditions not met)"),
                          _("Refused rulings that rest on unmet conditions only."), rejected - with_item))
    return Section("negatives", _("Negative-list items that ruled out tolerance"), figures,
                   _("Cases refused tolerance, by the negative-list item (不予容错情形) found to apply; "
                     "a case with two items counts under each."))


def _uses(raw: dict) -> Section:
    figures = _grouped(raw["uses"], "use")
    return Section("uses", _("Result uses (结果运用)"), figures,
                   _("The uses of the rulings counted above, by kind; a case with two uses counts under each."))


def _corrections(raw: dict) -> Section:
    year = raw["year"]
    started = {c for c, status, on, _done in raw["corrections"]
               if status != Correction.Status.SKIPPED and on and on.year == year}
    done = {c for c, _s, _on, completed in raw["corrections"] if _in_year(completed, year)}
    return Section("corrections", _("Corrections (纠错)"), [
        Figure("correction_started", _("Corrections started"), _("Corrections started in the year."), started),
        Figure("correction_completed", _("Corrections completed"),
               _("Corrections whose last step (完善制度) was recorded in the year."), done),
    ])


def _clarifications(raw: dict) -> Section:
    year = raw["year"]
    scopes = {s: set() for s in Scope.values}
    referrals = set()
    for case_id, _status, scope, issued_at, referred_on in raw["clarifications"]:
        if _in_year(issued_at, year) and scope in scopes:
            scopes[scope].add(case_id)
        if _in_year(referred_on, year):
            referrals.add(case_id)
    issued = set().union(*scopes.values())
    figures = [Figure("clarified", _("Clarification statements issued (澄清正名)"),
                      _("Clarification statements (澄清说明) issued in the year, by scope: after a ruling, and in "
                        "clarification cases opened from a report (澄清正名事项)."), issued)]
    figures += [Figure(f"clarified_{s}", str(Scope(s).label), "", scopes[s], indent=True) for s in Scope.values]
    figures.append(Figure("referral", _("False accusations referred (诬告陷害)"),
                          _("Referrals of a malicious false accusation recorded in the year."), referrals))
    return Section("clarifications", _("Clarification (澄清正名)"), figures)


def _stages(raw: dict) -> list[dict]:
    year, cutoff = raw["year"], raw["cutoff"]
    days: dict[str, list[int]] = defaultdict(list)
    ended: dict[str, set] = defaultdict(set)
    overdue: dict[str, set] = defaultdict(set)
    overdue_clocks: dict[str, int] = defaultdict(int)
    for pk, case_id, stage, started_on, stopped_at, due_date, status in raw["clocks"]:
        stop = timezone.localtime(stopped_at).date() if stopped_at else None
        if stop and stop.year == year:
            days[stage].append(_net_days(started_on, stop, raw["entries"].get(pk, [])))
            ended[stage].add(case_id)
        if due_date and due_date.year == year and status != Clock.Status.PAUSED:
            late = (stop > due_date) if stop else (due_date < cutoff)
            if late:
                overdue[stage].add(case_id)
                overdue_clocks[stage] += 1
    rows = []
    for stage in TimeLimitStage.values:
        if not days.get(stage) and not overdue.get(stage):
            continue
        values = days.get(stage, [])
        rows.append({
            "stage": stage, "label": str(TimeLimitStage(stage).label),
            "ended": len(values), "cases": ended.get(stage, set()),
            "median_days": statistics.median(values) if values else None,
            "max_days": max(values) if values else None,
            "overdue": overdue_clocks.get(stage, 0), "overdue_cases": overdue.get(stage, set()),
        })
    return rows


def yearly_report(*, jurisdiction: OrgUnit, year: int, today: dt.date | None = None) -> dict:
    """All figures of the yearly report. The caller checks that the reader
    may report on ``jurisdiction`` (``report_jurisdictions``)."""
    raw = _collect(jurisdiction, year, today or timezone.localdate())
    rulings = _rulings(raw)
    rejected = next(f for f in rulings.figures if f.key == "rejected").cases
    sections = [_intake(raw), rulings, _negatives(raw, rejected), _uses(raw), _corrections(raw),
                _clarifications(raw)]
    stages = _stages(raw)
    return {
        "jurisdiction": jurisdiction, "year": year, "cutoff": raw["cutoff"], "sections": sections,
        "stages": stages,
        "overdue_total": sum(r["overdue"] for r in stages),
    }


def yearly_figure_cases(report: dict, key: str) -> set:
    """The cases behind one figure (``stage-<name>`` and
    ``overdue-<name>`` for the time-limit table)."""
    for section in report["sections"]:
        for figure in section.figures:
            if figure.key == key and figure.linked:
                return figure.cases
    for row in report["stages"]:
        if key == f"stage-{row['stage']}":
            return row["cases"]
        if key == f"overdue-{row['stage']}":
            return row["overdue_cases"]
    raise KeyError(key)


def yearly_case_list(*, user: User, case_ids: set) -> QuerySet[Case]:
    """The cases of a figure that ``user`` may see, for the linked list."""
    return case_list_for_user(user=user).filter(pk__in=case_ids).order_by("number", "id")
