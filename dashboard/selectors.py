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

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, Role, User
from accounts.selectors import role_paths, user_roles
from cases.models import Case, CaseEvent, Outcome, Stage
from cases.selectors import case_visibility_q
from core.pagination import COUNT_ESTIMATE_SECONDS, count_estimate
from deadlines.models import Clock, ClockEntry
from policies.models import PolicyItem
from reviews.models import Recusal, Result, Ruling

from .models import STAY, STAY_KINDS, STAY_LEVELS, CaseFigure, FigureCell, FigureDirty

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
    """The visible cases as a plain queryset (one filter on the case table,
    no join that repeats a case). ``filters``: jurisdiction (org unit id),
    year (of submission)."""
    filters = filters or {}
    qs = Case.objects.filter(case_visibility_q(user))
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


def _overlap(a: dt.datetime, b: dt.datetime, intervals) -> dt.timedelta:
    total = dt.timedelta(0)
    for x, y in intervals:
        lo, hi = max(a, x), min(b, y)
        if hi > lo:
            total += hi - lo
    return total


def pause_intervals(case_ids_qs, now: dt.datetime) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Per case, the merged intervals during which a clock was paused."""
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


def stage_seconds(ids, now: dt.datetime) -> dict[tuple[int, str], dt.timedelta]:
    """Per (case, stage), the time the case spent in it: all its completed
    stays added up, paused time taken out, exact to the microsecond (the
    set-based recount, dashboard.recount, computes the same in SQL). A
    completed stay ends at a history event, and a pause recorded later
    cannot overlap it, so the figure never changes once the stay is over
    (the maintained cells rely on it)."""
    events = (
        CaseEvent.objects.filter(case__in=ids).exclude(from_stage=F("to_stage")).exclude(to_stage="")
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "from_stage", "to_stage", "created_at")
    )
    pauses = pause_intervals(ids, now)
    zero = dt.timedelta(0)
    per_case: dict[tuple[int, str], dt.timedelta] = defaultdict(dt.timedelta)
    current: tuple[int, str, dt.datetime] | None = None
    for case_id, from_stage, to_stage, at in events.iterator(chunk_size=5000):
        if current and current[0] == case_id and current[1] == from_stage:
            stage, start = current[1], current[2]
            if stage not in UNTIMED_STAGES:
                per_case[(case_id, stage)] += max(at - start - _overlap(start, at, pauses.get(case_id, ())), zero)
        current = (case_id, to_stage, at)
    return per_case


# A tenth of a day in microseconds: a stay's days to 0.1, rounded half up in
# whole microseconds (integers, so that SQL rounds alike: dashboard.recount).
TENTH_US = 8_640_000_000


def stay_tenths(spent: dt.timedelta) -> int:
    return (spent // dt.timedelta(microseconds=1) + TENTH_US // 2) // TENTH_US


# Time per stage in radix cells (issue 19): a case's stay is one cell of
# 0.1 day ("stay", stage, "D.D", what it contributes: case_figures), and
# the maintained cells also keep it at 1, 10 and 100 days ("stay1",
# "stay10", "stay100", stage, the whole number of such spans), so that the
# median and the longest are found from the coarse cells down, reading ten
# cells a level, not every tenth of a day (stay_summaries). The kinds:
# models.STAY_LEVELS.


def stay_cell_tenths(b: str) -> int:
    days, tenth = b.split(".")
    return int(days) * 10 + int(tenth)


def cells_with_levels(cells: list) -> list:
    """A case's cells (case_figures) and, for each stay, its coarse cells:
    what it adds to the maintained cells."""
    out = list(cells)
    for kind, a, b, n, seconds in cells:
        if kind == STAY:
            tenths = stay_cell_tenths(b)
            out.extend([level, a, str(tenths // per), n, seconds] for level, per in STAY_LEVELS)
    return out


# --- Figures as additive cells --------------------------------------------------
#
# Each case contributes cells (kind, a, b) -> (n, total seconds):
#   ("case", stage, outcome)         the case itself;
#   ("submitted", "YYYY-MM", "")     its month of submission;
#   ("scenario", outcome, item id)   the scenario ruled (or claimed), decided;
#   ("ruled", "YYYY-MM", "")         each first ruling, by month decided;
#   ("stay", stage, "D.D")           its days in a stage (to 0.1 day), with
#                                    the exact seconds in ``total``;
#   ("decision", result, decision)   the accountability organ's decision
#                                    (careers, issue 17) beside the ruling
#                                    in force when it was recorded
#                                    ("revoked" when there was none).
# The figures are sums of cells, so those of a set of cases are the sums of
# its cases' cells: maintained per jurisdiction and year (models.FigureCell)
# or computed for a few cases live, alike.

Cells = dict[tuple[int, str, str, str], list]  # (jurisdiction, kind, a, b) -> [n, total]


def case_figures(cases: QuerySet[Case], now: dt.datetime | None = None) -> dict[int, tuple[int, int, int, list]]:
    """Per case of ``cases``: (jurisdiction id, unit id, year of submission
    or 0, [[kind, a, b, n, total], ...]). Five queries whatever the number
    of cases."""
    now = now or timezone.now()
    ids = cases.values("pk")
    out: dict[int, tuple[int, int, int, list]] = {}
    decided: dict[int, str] = {}
    for pk, jur, unit, stage, outcome, submitted in cases.order_by().values_list(
            "pk", "jurisdiction_id", "unit_id", "stage", "outcome", "submitted_at").iterator(chunk_size=5000):
        cells = [["case", stage, outcome, 1, 0.0]]
        year = 0
        if submitted is not None:
            local = timezone.localtime(submitted)
            year = local.year
            cells.append(["submitted", local.strftime("%Y-%m"), "", 1, 0.0])
        if outcome in DECIDED:
            decided[pk] = outcome
        out[pk] = (jur, unit, year, cells)
    # The scenario of a decided case is the one its ruling relied on (issue
    # 16: 免责率 by the scenario ruled): of the current ruling (the latest),
    # its positive-list item of lowest number; a ruling that relies on none
    # (a rejection) counts under the scenario the case was filed under (its
    # claimed item of lowest number), so that the rate still counts it.
    scenario: dict[int, tuple] = {}
    applied = Ruling.applied_items.through.objects.filter(
        ruling__case__in=ids, ruling__case__outcome__in=DECIDED, ruling__is_current=True,
        policyitem__kind=PolicyItem.Kind.POSITIVE)
    for case_id, ruling_id, number, item_id in applied.values_list(
            "ruling__case_id", "ruling_id", "policyitem__number", "policyitem_id").iterator(chunk_size=5000):
        key = (-ruling_id, number, item_id)
        if case_id not in scenario or key < scenario[case_id]:
            scenario[case_id] = key
    claimed: dict[int, tuple] = {}
    through = Case.claimed_scenarios.through
    for case_id, number, item_id in through.objects.filter(case__in=ids, case__outcome__in=DECIDED).values_list(
            "case_id", "policyitem__number", "policyitem_id").iterator(chunk_size=5000):
        if case_id not in scenario and (case_id not in claimed or (number, item_id) < claimed[case_id]):
            claimed[case_id] = (number, item_id)
    for case_id, outcome in decided.items():
        item_id = scenario[case_id][2] if case_id in scenario else (
            claimed[case_id][1] if case_id in claimed else None)
        if item_id is not None:
            out[case_id][3].append(["scenario", outcome, str(item_id), 1, 0.0])
    for case_id, on in Ruling.objects.filter(case__in=ids, kind=Ruling.Kind.FIRST).values_list(
            "case_id", "decided_on").iterator(chunk_size=5000):
        if case_id in out:
            out[case_id][3].append(["ruled", on.strftime("%Y-%m"), "", 1, 0.0])
    for (case_id, stage), spent in stage_seconds(ids, now).items():
        if case_id in out:
            tenths = stay_tenths(spent)
            out[case_id][3].append(["stay", stage, f"{tenths // 10}.{tenths % 10}", 1, spent.total_seconds()])
    decisions = _decision_model()
    if decisions is not None:
        # Its row is written with a case event (cases_caseevent marks the case).
        for case_id, result, decision in decisions.objects.filter(case__in=ids).values_list(
                "case_id", "ruling__result", "decision").iterator(chunk_size=5000):
            if case_id in out:
                out[case_id][3].append(["decision", result or REVOKED, decision, 1, 0.0])
    return out


REVOKED = "revoked"


def _decision_model():
    """careers' accountability decision, reached through its relation to the
    case (careers sits above the dashboard and is not imported); None
    without the app."""
    try:
        return Case._meta.get_field("accountability_decision").related_model
    except FieldDoesNotExist:
        return None


def decision_rows(total: Cells) -> list[dict]:
    """Ruling result × the accountability organ's decision: one row per
    result, the count of each decision, and how many follow the ruling."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (_jur, kind, a, b), (n, _s) in total.items():
        if kind == "decision" and n:
            counts[(a, b)] += n
    if not counts:
        return []
    model = _decision_model()
    decisions = [value for value, _label in model._meta.get_field("decision").choices]
    labels = {str(Result(r).value): str(Result(r).label) for r in Result} | {REVOKED: _("Revoked")}
    rows = []
    for result in [*(r.value for r in Result), REVOKED]:
        by = {d: counts.get((result, d), 0) for d in decisions}
        if any(by.values()):
            rows.append({"result": result, "label": labels[result], "decisions": [by[d] for d in decisions],
                         "total": sum(by.values())})
    return rows


def decision_headers() -> list[str]:
    model = _decision_model()
    return [str(label) for _value, label in model._meta.get_field("decision").choices] if model else []


def cells_add(total: Cells, jurisdiction_id: int, cells: list, sign: int = 1) -> None:
    for kind, a, b, n, seconds in cells:
        # Time per stage is summed over jurisdictions (dashboard_cells).
        cell = total.setdefault((0 if kind == "stay" else jurisdiction_id, kind, a, b), [0, 0.0])
        cell[0] += sign * n
        cell[1] += sign * seconds


def cells_of_cases(cases: QuerySet[Case], now: dt.datetime | None = None) -> Cells:
    """The summed cells of ``cases``, computed from their rows (the recount)."""
    total: Cells = {}
    for jur, _unit, _year, cells in case_figures(cases, now).values():
        cells_add(total, jur, cells)
    return total


def _coverage(user: User) -> tuple[set[int], set[int], set[int]]:
    """(J, excluded, P): the jurisdictions whose non-draft cases ``user``
    sees by org unit (case_visibility_q), read from the cells; units inside
    them he does not see (an inspector's own unit, 回避); units he sees
    outside them (a role held on a unit, not a jurisdiction), counted live."""
    full = role_paths(user, {Role.UNIT_REVIEWER, Role.INTAKE, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN})
    inspector = role_paths(user, {Role.INSPECTOR})
    if user.is_superuser:
        full = ["/"]

    def under(path, paths):
        return any(path.startswith(p) for p in paths)

    units = list(OrgUnit.objects.values_list("pk", "path", "kind"))
    kinds = {pk: kind for pk, _path, kind in units}
    jurisdictions, excluded, partial = set(), set(), set()
    for pk, path, kind in units:
        if kind == OrgUnit.Kind.JURISDICTION and under(path, full + inspector):
            jurisdictions.add(pk)
    for pk, path, _kind in units:
        if under(path, full):
            seen = True
        elif under(path, inspector):
            seen = pk != user.org_unit_id
        else:
            continue
        chain = [int(x) for x in path.strip("/").split("/") if x]
        jur = next((u for u in reversed(chain) if kinds.get(u) == OrgUnit.Kind.JURISDICTION), None)
        if jur in jurisdictions:
            if not seen:
                excluded.add(pk)
        elif seen:
            partial.add(pk)
    return jurisdictions, excluded, partial


def dashboard_cells(*, user: User, filters: dict | None = None,
                    now: dt.datetime | None = None) -> tuple[Cells, dict[str, tuple]]:
    """The summed cells of the cases ``user`` may see (``dashboard_cases``)
    but time per stage, and its figures (stay_summaries), read mostly from
    the maintained cells: those of the jurisdictions he
    sees by org unit, corrected by the few cases they do not settle, whose
    stored contribution is taken out and whose current one (if visible) is
    put in: cases changed since the last fold (FigureDirty), his own, those
    he is recused from and those of an excluded unit; cases of units seen
    outside those jurisdictions are counted live."""
    filters = filters or {}
    jurisdictions, excluded, partial = _coverage(user)
    if jurisdiction := filters.get("jurisdiction"):
        jurisdictions &= {jurisdiction}
    total: Cells = {}
    cells = FigureCell.objects.filter(jurisdiction_id__in=jurisdictions)
    if year := filters.get("year"):
        cells = cells.filter(year=year)
    # Time per stage (its cells are most of them, and not shown per
    # jurisdiction) is read apart, by stay_summaries.
    for jur, kind, a, b, n, seconds in cells.exclude(kind__in=STAY_KINDS).values_list(
            "jurisdiction_id", "kind", "a", "b").annotate(sn=Sum("n"), st=Sum("total")).order_by():
        if n:
            total[(jur, kind, a, b)] = [n, seconds]
    # His own cases are in the cells unless a draft or outside them.
    own = Case.objects.filter(Q(applicant=user) | Q(created_by=user)).filter(
        Q(stage=Stage.DRAFT) | ~Q(jurisdiction_id__in=jurisdictions) | Q(unit_id__in=excluded))
    special = set(FigureDirty.objects.values_list("case_id", flat=True).distinct())
    special |= set(own.values_list("pk", flat=True))
    special |= set(Recusal.objects.filter(user=user).values_list("case_id", flat=True))
    stored = CaseFigure.objects.filter(Q(case_id__in=special) | Q(unit_id__in=excluded),
                                       jurisdiction_id__in=jurisdictions)
    if year:
        stored = stored.filter(year=year)
    for jur, stored_cells in stored.values_list("jurisdiction_id", "cells").iterator(chunk_size=5000):
        cells_add(total, jur, stored_cells, -1)
    live = dashboard_cases(user=user, filters=filters).filter(
        Q(pk__in=special) | Q(unit_id__in=excluded) | Q(unit_id__in=partial))
    for jur, _unit, _year, live_cells in case_figures(live, now).values():
        cells_add(total, jur, live_cells)
    # ``total`` holds the corrections of time per stage only: with the cells.
    return total, stay_summaries(jurisdictions, year, total)


def _ranked(values: list[tuple[int, str, int]], ranks: list[tuple[int, int]]) -> list[tuple[int, str, int]]:
    """Of ``values`` ((order, b, n) sorted, positive n) preceded by
    ``offset`` smaller ones: for each (rank, offset), the (order, b,
    values before it) holding that rank; the last value if the cells do
    not add up (then recount_stats repairs them)."""
    out = []
    for rank, offset in ranks:
        seen, found = offset, None
        for order, b, n in values:
            found = (order, b, seen)
            if rank < seen + n:
                break
            seen += n
        if found is not None:
            out.append(found)
    return out


def stay_ranks(n: int) -> list[int]:
    """The ranks time per stage shows: the two middle ones (the median is
    their mean) and the last (the longest)."""
    return [(n - 1) // 2, n // 2, n - 1]


def stay_summaries_of(total: Cells) -> dict[str, tuple[int, float, list[float]]]:
    """Per stage, from the 0.1-day cells in ``total``: (cases, exact
    seconds, the days at stay_ranks)."""
    per_stage: dict[str, dict[str, int]] = defaultdict(dict)
    seconds: dict[str, float] = defaultdict(float)
    for (_jur, kind, a, b), (n, s) in total.items():
        if kind == STAY and n:
            per_stage[a][b] = per_stage[a].get(b, 0) + n
            seconds[a] += s
    out = {}
    for stage, hist in per_stage.items():
        values = sorted((stay_cell_tenths(b), b, n) for b, n in hist.items() if n > 0)
        if values:
            n = sum(v[2] for v in values)
            out[stage] = (n, seconds[stage], [float(b) for _o, b, _s in _ranked(values, [(r, 0) for r in stay_ranks(n)])])
    return out


def stay_summaries(jurisdictions: set[int], year: int | None,
                   corrections: Cells) -> dict[str, tuple[int, float, list[float]]]:
    """What stay_summaries_of gives for the cells of ``jurisdictions`` (of
    ``year``, or all years, summed) plus the 0.1-day ``corrections``, read from the
    radix cells (STAY_LEVELS): the 100-day cells of every stage (a few per
    stage: the cases and the seconds), then, a level at a time, the ten
    cells inside each one that holds a wanted rank, down to the tenths of
    a day. Four queries, and a bounded number of cells per jurisdiction,
    year and stage, whatever the number of cases."""
    extra: dict[str, dict[tuple[str, str], list]] = defaultdict(dict)
    for (_jur, kind, a, b), (n, s) in corrections.items():
        if kind == STAY and (n or s):
            tenths = stay_cell_tenths(b)
            for level, key in [(STAY, b), *((lv, str(tenths // per)) for lv, per in STAY_LEVELS)]:
                cell = extra[level].setdefault((a, key), [0, 0.0])
                cell[0] += n
                cell[1] += s

    table = FigureCell._meta.db_table
    scope = [*sorted(jurisdictions), *([year] if year else [])]
    where = f"jurisdiction_id IN ({', '.join(['%s'] * len(jurisdictions))})" + (" AND year = %s" if year else "")

    def read(level: str, wanted: set[tuple[str, str]] | None) -> dict[str, dict[str, list]]:
        rows: dict[str, dict[str, list]] = defaultdict(dict)
        select = f"SELECT a, b, SUM(n), SUM(total) FROM {table} WHERE kind = %s AND {where}"
        if not jurisdictions:
            sql, params = None, []
        elif wanted is None:
            sql, params = f"{select} GROUP BY a, b", [level, *scope]
        else:
            # One SELECT per stage, each (kind, stage, keys) read off
            # figurecell_stay; asked as stages × keys at once, the planner
            # reads every cell of the level instead. (SQL of our own: the
            # ORM took longer to compile the union than the database to
            # run it.)
            keys: dict[str, set[str]] = defaultdict(set)
            for a, b in wanted:
                keys[a].add(b)
            arms, params = [], []
            for a, bs in sorted(keys.items()):
                arms.append(f"{select} AND a = %s AND b IN ({', '.join(['%s'] * len(bs))}) GROUP BY a, b")
                params += [level, *scope, a, *sorted(bs)]
            sql = " UNION ALL ".join(arms)
        if sql:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                for a, b, n, s in cursor.fetchall():
                    rows[a][b] = [int(n), float(s)]  # (SUM of a bigint: numeric)
        for (a, b), (n, s) in extra[level].items():
            if wanted is None or (a, b) in wanted:
                cell = rows[a].setdefault(b, [0, 0.0])
                cell[0] += n
                cell[1] += s
        return rows

    out: dict[str, tuple[int, float, list[float]]] = {}
    # stage -> [(rank, bucket, cases before it)]: where each wanted rank is.
    at: dict[str, list[tuple[int, int, int]]] = {}
    for stage, buckets in read(STAY_LEVELS[0][0], None).items():
        values = sorted((int(b), b, n) for b, (n, _s) in buckets.items() if n > 0)
        if not values:
            continue
        n = sum(v[2] for v in values)
        ranks = stay_ranks(n)
        out[stage] = (n, sum(s for c, s in buckets.values() if c), [])
        at[stage] = [(rank, order, before) for rank, (order, _b, before) in
                     zip(ranks, _ranked(values, [(r, 0) for r in ranks]), strict=True)]
    for level, _per in [*STAY_LEVELS[1:], (STAY, 1)]:
        def children(bucket: int, level=level) -> list[str]:
            return [f"{bucket}.{i}" if level == STAY else str(bucket * 10 + i) for i in range(10)]

        wanted = {(stage, b) for stage, spots in at.items() for _r, bucket, _o in spots for b in children(bucket)}
        if not wanted:
            break
        rows = read(level, wanted)
        for stage, spots in list(at.items()):
            found = []
            for rank, bucket, before in spots:
                inside = set(children(bucket))
                values = sorted((stay_cell_tenths(b) if level == STAY else int(b), b, n)
                                for b, (n, _s) in rows.get(stage, {}).items() if b in inside and n > 0)
                found.extend((rank, order, seen, b) for order, b, seen in _ranked(values, [(rank, before)]))
            if len(found) < len(spots):
                # The cells do not add up: no figure rather than a wrong one.
                del at[stage], out[stage]
                continue
            at[stage] = [(rank, order, seen) for rank, order, seen, _b in found]
            if level == STAY:
                out[stage][2].extend(float(b) for _r, _o, _s, b in found)
    return out


def time_per_stage_rows(total: Cells, stays: dict[str, tuple] | None = None) -> list[dict]:
    """Per stage, the days each case spent in it (all its completed stays
    added up, paused time taken out, to 0.1 day): the average (of the exact
    durations), the median and the longest. ``stays``: stay_summaries, or
    from the 0.1-day cells of ``total``."""
    stays = stay_summaries_of(total) if stays is None else stays
    rows = []
    for stage in STAGE_ORDER:
        if stage not in stays:
            continue
        n, seconds, (lo, hi, longest) = stays[stage]
        rows.append({
            "stage": stage, "label": str(Stage(stage).label), "cases": n,
            "avg_days": round(seconds / n / 86400, 1),
            "median_days": round(statistics.mean([lo, hi]), 1),
            "max_days": longest,
        })
    return rows


def time_per_stage(cases: QuerySet[Case], now: dt.datetime | None = None) -> list[dict]:
    return time_per_stage_rows(cells_of_cases(cases, now))


def _months(today: dt.date, n: int) -> list[dt.date]:
    y, m = today.year, today.month
    out = []
    for _i in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(out))


def stats_from_cells(total: Cells, *, today: dt.date, stays: dict[str, tuple] | None = None) -> dict:
    """The dashboard's figures (all but the overdue clocks) from cells
    (time per stage from ``stays`` if given: time_per_stage_rows)."""
    by_stage_counts: dict[str, int] = defaultdict(int)
    by_result_counts: dict[str, int] = defaultdict(int)
    jur_rows: dict[tuple[int, str], int] = defaultdict(int)
    scenario_rows: dict[tuple[int, str], int] = defaultdict(int)
    submitted: dict[str, int] = defaultdict(int)
    ruled: dict[str, int] = defaultdict(int)
    for (jur, kind, a, b), (n, _s) in total.items():
        if not n:
            continue
        if kind == "case":
            by_stage_counts[a] += n
            if b:
                by_result_counts[b] += n
            if b in DECIDED:
                jur_rows[(jur, b)] += n
        elif kind == "scenario":
            scenario_rows[(int(b), a)] += n
        elif kind == "submitted":
            submitted[a] += n
        elif kind == "ruled":
            ruled[a] += n
    names = dict(OrgUnit.objects.filter(pk__in={j for j, _o in jur_rows}).values_list("pk", "name"))
    titles = dict(PolicyItem.objects.filter(pk__in={i for i, _o in scenario_rows}).values_list("pk", "title"))
    by_jurisdiction = _rate_rows([{"name": names.get(j), "outcome": o, "n": n} for (j, o), n in jur_rows.items()],
                                 "name")
    by_scenario = _rate_rows([{"name": titles.get(i), "outcome": o, "n": n}
                              for (i, o), n in scenario_rows.items()], "name")
    months = _months(today, TREND_MONTHS)
    trend = [{"month": m.strftime("%Y-%m"), "submitted": submitted.get(m.strftime("%Y-%m"), 0),
              "ruled": ruled.get(m.strftime("%Y-%m"), 0)} for m in months]
    return {
        "total": sum(by_stage_counts.values()),
        "by_stage": [{"stage": s, "label": str(Stage(s).label), "count": by_stage_counts[s]}
                     for s in STAGE_ORDER if by_stage_counts.get(s)],
        "by_result": [{"result": o.value, "label": str(o.label), "count": by_result_counts[o.value]}
                      for o in Outcome if o.value and by_result_counts.get(o.value)],
        "rate_by_jurisdiction": by_jurisdiction,
        "rate_by_scenario": by_scenario,
        "time_per_stage": time_per_stage_rows(total, stays),
        "trend": trend,
        "decision_vs_ruling": decision_rows(total),
    }


def dashboard_overdue(*, user: User, filters: dict | None = None) -> dict:
    """Cases with a running clock past its due date: how many (off the
    case's stored next due date), and the first clocks by due date (read
    off the clocks' sweep index). Live: they change with the date, not with
    the cases."""
    today = timezone.localdate()
    cases = dashboard_cases(user=user, filters=filters)
    overdue_qs = Clock.objects.filter(case__in=cases.values("pk"), status=Clock.Status.RUNNING, due_date__lt=today)
    # How many cases: exact up to core.pagination.COUNT_EXACT_UP_TO, the
    # planner's estimate beyond ("约 N"), like every count of a list. A case
    # has a running clock past due exactly when its nearest running due date
    # (Case.next_due, kept by deadlines.services.case_deadline_sync) is past:
    # read off case_due_idx in due order, the visibility checked on each row,
    # so it stops after the limit's rows, where an EXISTS on the clocks made
    # PostgreSQL hash every overdue clock first (issue 19).
    count, approximate = count_estimate(cases.filter(next_due__lt=today), keep_seconds=COUNT_ESTIMATE_SECONDS)
    return {
        "count": count,
        "count_approximate": approximate,
        "cases": [
            {
                "case_id": c.case_id, "number": c.case.number, "title": c.case.title,
                "stage": c.stage, "stage_label": str(c.get_stage_display()), "due_date": c.due_date,
                "days_overdue": (today - c.due_date).days,
            }
            for c in overdue_qs.select_related("case").order_by("due_date", "id")[:OVERDUE_LIST_LIMIT]
        ],
    }


def dashboard_stats(*, user: User, filters: dict | None = None, recount: bool = False) -> dict:
    """All figures of the dashboard (and of ``GET /api/v1/stats/``): from
    the maintained cells (``dashboard_cells``), or with ``recount`` from the
    visible cases' rows themselves (what the cells must equal)."""
    now = timezone.now()
    stays = None
    if recount:
        total = cells_of_cases(dashboard_cases(user=user, filters=filters), now)
    else:
        total, stays = dashboard_cells(user=user, filters=filters, now=now)
    stats = stats_from_cells(total, today=timezone.localdate(), stays=stays)
    stats["overdue"] = dashboard_overdue(user=user, filters=filters)
    return stats


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
        (_("Accountability decisions compared with the ruling"), [_("Ruling"), *decision_headers(), _("Cases")],
         [[r["label"], *r["decisions"], r["total"]] for r in stats["decision_vs_ruling"]]),
    ]

