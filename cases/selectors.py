"""Reads of cases. Every list and detail of a case goes through
``case_visibility_q`` (DESIGN §1): what a user may see, by role and org unit.

- applicant: the cases he is the applicant of, or filed (for his unit);
- unit reviewer: non-draft cases of units under his unit;
- intake, inspector, supervisor, committee, admin: non-draft cases of units
  inside their jurisdiction; an inspector never one he must recuse himself
  from (he is the applicant, in the applicant's unit, or marked related).

A refused case is a 404 everywhere: existence is not leaked.
"""

import time

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from accounts.selectors import HANDLING_ROLES, role_paths, subtree_q, user_memberships
from core.events import event_is_internal
from core.pagination import counted_as, keyset_union
from core.steps import step_get
from core.subjects import Parties
from deadlines.selectors import clock_at_authority
from policies.models import PolicyItem

from . import search_index
from .models import Attachment, Case, CaseEvent, Origin, Outcome, Stage


def case_parties(case: Case) -> Parties:
    """Who the case is about, the one definition every permission and
    confidentiality check uses: the cadre (applicant) and whoever filed for
    him (a unit's clerk). The inspector who opens a proactive case (主动容错)
    is its author, not a party: he is staff on it, sees its internal record
    and may handle it."""
    # A clarification case (澄清正名事项) is opened by an inspector too.
    proactive = case.origin in (Origin.PROACTIVE, Origin.REPORT)
    filer = None if proactive else case.created_by_id
    return Parties(
        applicant_id=case.applicant_id, filer_id=filer, unit_id=case.unit_id,
        author_id=case.created_by_id if proactive else None,
        ids=frozenset(pk for pk in (case.applicant_id, filer) if pk is not None),
    )


def case_label(case: Case) -> str:
    return f"{case.number or '#' + str(case.pk)} {case.title}".strip()


# The cases the organization department receives (careers).
RULED_OUTCOMES = (Outcome.EXEMPT, Outcome.MITIGATED, Outcome.REJECTED)


def _units_under(paths: list[str]):
    """Ids of the org units under any of ``paths``, as a subquery: the case
    table is filtered on its own ``unit_id`` (no join to the units, so an
    index-ordered scan of the cases stays one)."""
    return OrgUnit.objects.filter(subtree_q(paths, "path")).values("id")


def _recusal_q(user: User) -> Q:
    # reviews declares the recusal (it sits above cases): reached through
    # its relation to the case rather than imported.
    Recusal = Case._meta.get_field("recusals").related_model  # noqa: N806

    q = Q(applicant=user) | Q(created_by=user)
    if user.org_unit_id:
        q |= Q(unit_id=user.org_unit_id)
    # Marked as related to the case (回避): EXISTS, so a case never repeats.
    return q | Exists(Recusal.objects.filter(case=OuterRef("pk"), user=user))


def case_visibility_q(user: User) -> Q:
    """A filter on the case table alone: no join that could repeat a case,
    so no DISTINCT (lists then read LIMIT rows off an index)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    q = Q(applicant=user) | Q(created_by=user)
    user_memberships(user)  # warm the cache once
    not_draft = ~Q(stage=Stage.DRAFT)
    reviewer_paths = role_paths(user, {Role.UNIT_REVIEWER})
    if reviewer_paths:
        q |= not_draft & Q(unit_id__in=_units_under(reviewer_paths))
    staff_paths = role_paths(user, {Role.INTAKE, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN})
    if user.is_superuser:
        q |= not_draft
    elif staff_paths:
        q |= not_draft & Q(unit_id__in=_units_under(staff_paths))
    inspector_paths = role_paths(user, {Role.INSPECTOR})
    if inspector_paths:
        q |= not_draft & Q(unit_id__in=_units_under(inspector_paths)) & ~_recusal_q(user)
    # The organization department receives the rulings (and the
    # accountability that follows a refusal, 问责条例 2016 Art.9 "有关问责情况
    # 应当向组织部门通报"): ruled cases of its jurisdiction, never the
    # internal record (it is not handling staff, ``case_sees_internal``).
    org_paths = role_paths(user, {Role.ORG_DEPT})
    if org_paths:
        q |= Q(outcome__in=RULED_OUTCOMES) & Q(unit_id__in=_units_under(org_paths))
    return q


# The roles through which case_visibility_q shows cases beyond a user's own.
CASE_SEEING_ROLES = frozenset({Role.UNIT_REVIEWER, Role.INTAKE, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN,
                               Role.INSPECTOR, Role.ORG_DEPT})


def _path_ids(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


def case_jurisdiction_choices(*, user: User) -> QuerySet[OrgUnit]:
    """The jurisdictions the cases ``user`` may see can be in (the lists'
    filter; issue 22: an applicant of 怀来县 was offered 昆明市), read off
    the org tree, a table of a few hundred rows, rather than off the cases
    he sees (every visible case at scale, issue 19). A case's jurisdiction
    is the nearest one at or above its unit (cases.services), so for each
    subtree where he holds a role that sees cases: the jurisdictions inside
    it and the nearest one at or above its root. His own cases and those
    he filed add theirs (a few rows, by their indexes)."""
    jurisdictions = OrgUnit.objects.filter(kind=OrgUnit.Kind.JURISDICTION).order_by("path")
    if not user.is_authenticated or not user.is_active:
        return jurisdictions.none()
    if user.is_superuser:
        return jurisdictions
    q = Q(pk__in=Case.objects.filter(Q(applicant=user) | Q(created_by=user)).values("jurisdiction_id"))
    paths = role_paths(user, CASE_SEEING_ROLES)
    if paths:
        q |= subtree_q(paths, "path")
    for path in paths:
        # The deepest jurisdiction among the root's ancestors and itself.
        above = _path_ids(path)
        deeper = OrgUnit.objects.filter(kind=OrgUnit.Kind.JURISDICTION, pk__in=above,
                                        path__startswith=OuterRef("path")).exclude(pk=OuterRef("pk"))
        q |= Q(pk__in=above) & ~Exists(deeper)
    return jurisdictions.filter(q)


def case_in_paths_q(user: User, roles) -> Q:
    """Cases of units under the org units where ``user`` holds one of ``roles``."""
    paths = role_paths(user, roles)
    return Q(unit_id__in=_units_under(paths)) if paths else Q(pk__in=[])


def case_page_url(case_id) -> str:
    """The case page: where every notification, queue and panel links to."""
    return reverse("cases:detail", args=[case_id])


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    return (
        Case.objects.filter(case_visibility_q(user))
        .select_related("applicant", "unit", "jurisdiction", "policy_version__document")
    )


def case_get_for_user(*, user: User, case_id) -> Case:
    """The case if ``user`` may see it, else ``Http404`` (leaks nothing)."""
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    case = case_list_for_user(user=user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


# --- Lists, queues and search ---------------------------------------------------------


class _BigramsContain(Func):
    """PostgreSQL: ``(case_bigrams(search_text) COLLATE "C") @>
    case_bigrams(term)``, the expression and collation of the GIN index
    ``case_search_bigram`` (cases.search_index)."""

    template = '(case_bigrams(%(expressions)s))'
    arg_joiner = ') COLLATE "C") @> (case_bigrams('
    output_field = BooleanField()


class _CharsContain(Func):
    """PostgreSQL: ``(case_chars(search_text) COLLATE "C") @>
    case_chars(term)``, the expression and collation of the GIN index
    ``case_search_chars`` (cases.search_index)."""

    template = '(case_chars(%(expressions)s))'
    arg_joiner = ') COLLATE "C") @> (case_chars('
    output_field = BooleanField()


class _TextHas(Func):
    """``strpos(upper(search_text), upper(term)) > 0``: the exact test of
    a one-character term beside its index lookup. The planner estimates it
    at a third of the rows (an inequality it has no statistics for), where
    it reads ``LIKE '%王%'`` as rare too and multiplies the two estimates
    (1 row expected, 2,000 found at 100k: applicants and units joined by
    nested sequential scans); it is also the cheap filter when the planner
    walks the list's index for a common character."""

    template = "strpos(upper(%(expressions)s)) > 0"
    arg_joiner = "), upper("
    output_field = BooleanField()


class _TextHasRare(_TextHas):
    """``strpos(upper(search_text), upper(term)) BETWEEN 1 AND 2147483647``:
    the same test as ``_TextHas`` (strpos is at most the text's length),
    written as a range the planner estimates at 0.5 % (its default for a
    range it has no statistics for) instead of a third. For a character
    outside the character index's statistics (``_search_stats``) the
    planner assumes 0.5 % of the rows hold it (PostgreSQL's default for an
    element it has no frequency of) and, at 1M cases, walked the list's
    index backwards through every row to fill a page: 琰, in no case, 4.5 s;
    in 40 cases, 3.4 s. With this estimate (0.5 % of 0.5 %) it reads the
    character index: 0.1 and 3.5 ms (issue 19)."""

    template = "strpos(upper(%(expressions)s)) BETWEEN 1 AND 2147483647"


# What the search's plans are decided by, from the planner's own
# statistics: the characters it keeps a frequency of (the most common
# elements of case_search_chars' expression) and its sample of the search
# texts (the histogram and most common values of the expression
# statistics case_search_upper, cases 0023), per database, kept for
# SEARCH_STATS_SECONDS: ANALYZE changes them, autovacuum's every so often.
SEARCH_STATS_SECONDS = 600
_SEARCH_STATS: dict[str, tuple[float, frozenset[str], tuple[str, ...]]] = {}


def _search_stats() -> tuple[frozenset[str], tuple[str, ...]]:
    """(the upper-cased characters PostgreSQL keeps a frequency of, its
    sample of the upper-cased search texts). Empty before the first
    ANALYZE, or where the database's user may not read them: every term is
    then looked up as a rare one (found by an index; a common one's page
    costs more than by walking the list, but is right)."""
    alias = connection.alias
    kept = _SEARCH_STATS.get(alias)
    now = time.monotonic()
    if kept is not None and kept[0] > now:
        return kept[1], kept[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT most_common_elems::text::text[] FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = %s LIMIT 1),"
            " (SELECT COALESCE(histogram_bounds::text::text[], '{}') || COALESCE(most_common_vals::text::text[], '{}')"
            " FROM pg_stats_ext_exprs WHERE statistics_schemaname = current_schema() AND statistics_name = %s"
            " LIMIT 1)",
            [search_index.PG_CHARS_INDEX_NAME, search_index.PG_TEXT_STATISTICS_NAME])
        chars, texts = cursor.fetchone()
    kept = (now + SEARCH_STATS_SECONDS, frozenset(chars or ()), tuple(texts or ()))
    _SEARCH_STATS[alias] = kept
    return kept[1], kept[2]


def search_stats_forget() -> None:
    """Read the statistics again at the next search (tests: each has its
    own database)."""
    _SEARCH_STATS.clear()


def search_form(text: str) -> str:
    """Which SQL ``search_q(text)`` writes, for the keys of what is kept of
    a list's SQL and count (case_list_count_key). On PostgreSQL a term of
    one character is "common" if the planner keeps a frequency of it, one
    of three or more if its sample of the texts holds it (it then
    estimates the term at 1 % of the cases or more); else "rare"."""
    text = text.strip()
    if connection.vendor != "postgresql" or len(text) == search_index.BIGRAM_MIN or not text:
        return ""
    chars, texts = _search_stats()
    upper = text.upper()
    if len(text) == 1:
        return "common" if upper in chars else "rare"
    return "common" if any(upper in t for t in texts) else "rare"


def search_q(text: str) -> Q:
    """Cases whose search text (number, names, title and text; written by
    the services) contains ``text``, Chinese substrings included, in any
    case; ``icontains`` keeps the result exact. On PostgreSQL a term of
    two characters or more is looked up in the bigram GIN index by its
    pairs (cases.search_index); for three or more only when it is rare
    (search_form): the planner multiplies the pairs' frequencies as if
    they were independent (校舍 · 舍改 · 改造: 375 rows estimated, 49,210
    found at 1M), takes a bitmap scan for a common term and reads 40,000
    pages at random (70 s). A common one is the ``icontains`` filter alone,
    which the planner estimates from the texts' statistics
    (case_search_upper), and walks the list's index. On SQLite every term
    of two or more characters reads the FTS5 table of pairs. One
    character, on PostgreSQL, is looked up in the GIN index of the text's
    characters (``case_search_chars``); on SQLite it is filtered while the
    list's index is read in order."""
    exact = Q(search_text__icontains=text)
    if len(text) < search_index.BIGRAM_MIN:
        if connection.vendor == "postgresql" and len(text) == 1:
            # One character: the index of the text's characters
            # (case_search_chars), whose estimate is per character for
            # the characters in its statistics; for the others, a test
            # the planner estimates low (_TextHasRare says why).
            has = _TextHas if search_form(text) == "common" else _TextHasRare
            return Q(_CharsContain(F("search_text"), Value(text))) & Q(has(F("search_text"), Value(text)))
        return exact
    if connection.vendor == "postgresql":
        if len(text) == search_index.BIGRAM_MIN or search_form(text) == "rare":
            return Q(_BigramsContain(F("search_text"), Value(text))) & exact
        return exact
    if connection.vendor == "sqlite":
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} MATCH %s",
                               [search_index.sqlite_match(text)])) & exact
    return exact


LIST_DEFERRED = ("search_text", "matter", "impact", "trigger", "accountability_considered", "facts_reasons",
                 "remedial_steps", "collective_decision_note", "self_check")

# The columns a list row prints (the API's CaseListItemSerializer, the
# list pages) and the keys the lists are ordered and paged on: a page of a
# list reads these alone (``case_list_rows``), not the case's thirty
# columns and its applicant's and unit's rows.
LIST_COLUMNS = (
    "id", "number", "title", "stage", "outcome", "origin", "submitted_at", "next_due", "is_paused",
    "clock_flagged", "created_at", "applicant_id", "unit_id",
    "applicant__id", "applicant__full_name", "applicant__username", "unit__id", "unit__name",
)

QUEUE_STAGES = {
    "unit": [Stage.UNIT_REVIEW],
    "intake": [Stage.SUBMITTED, Stage.SUPPLEMENT],
}


def _with_deadline(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The due date, its stage, the calendar flag and the pause are columns
    of the case now (``Case.next_due`` …, kept by deadlines.services), so
    there is nothing to annotate; kept for the callers' readability."""
    return qs


def case_search(*, user: User, filters: dict | None = None, queue: str | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see, filtered. ``filters`` keys (all optional):
    q (number, names, title and text; Chinese substrings), stage, origin,
    outcome, jurisdiction (org unit id), overdue (bool), date_from / date_to
    (submission date). ``queue`` narrows to a role's work: mine / unit / intake.
    """
    filters = filters or {}
    # A list row shows the case, its applicant and unit: no join to the
    # jurisdiction or the policy, and none of the long texts (the matter,
    # the search text) read for rows that show a title.
    if queue == "mine":
        # His own and those filed for him, which he always sees
        # (case_visibility_q begins with them): the union of the two at the end.
        qs = Case.objects.filter(Q() if user.is_authenticated and user.is_active else Q(pk__in=[]))
    else:
        qs = Case.objects.filter(case_visibility_q(user))
    qs = qs.select_related("applicant", "unit").defer(*LIST_DEFERRED)
    if queue in QUEUE_STAGES:
        qs = qs.filter(stage__in=QUEUE_STAGES[queue])
        qs = qs.filter(case_in_paths_q(user, {Role.UNIT_REVIEWER} if queue == "unit" else {Role.INTAKE}))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(search_q(q))
    for key in ("stage", "origin", "outcome"):
        if value := filters.get(key):
            qs = qs.filter(**{key: value})
    if jurisdiction := filters.get("jurisdiction"):
        qs = qs.filter(jurisdiction_id=jurisdiction)
    if date_from := filters.get("date_from"):
        qs = qs.filter(submitted_at__date__gte=date_from)
    if date_to := filters.get("date_to"):
        qs = qs.filter(submitted_at__date__lte=date_to)
    qs = _with_deadline(qs)
    today = timezone.localdate()
    if filters.get("overdue") is True:
        qs = qs.filter(next_due__lt=today)
    elif filters.get("overdue") is False:
        qs = qs.exclude(next_due__lt=today)
    if queue in QUEUE_STAGES:
        return qs.order_by(F("next_due").asc(nulls_last=True), "id")
    if queue == "mine":
        # Each read off its index (case_applicant_list_idx,
        # case_creator_list_idx) by keyset (core.pagination.keyset_union).
        return keyset_union(qs.order_by("-created_at", "-id"), Q(applicant=user), Q(created_by=user))
    return qs.order_by("-created_at", "-id")


def case_list_rows(*, user: User, filters: dict | None = None, queue: str | None = None) -> QuerySet[Case]:
    """``case_search`` reading only ``LIST_COLUMNS``: the case list pages,
    whose rows print those and nothing else."""
    return case_search(user=user, filters=filters, queue=queue).only(*LIST_COLUMNS)


# What the list API prints of a row (CaseListItemSerializer) and the keys
# it pages on, as one dict a row.
LIST_VALUES = (
    "id", "number", "title", "stage", "outcome", "origin", "submitted_at", "next_due", "is_paused", "created_at",
    "applicant_id", "applicant__full_name", "applicant__username", "unit_id", "unit__name",
)


def case_list_count_key(*, user: User, filters: dict | None = None, queue: str | None = None) -> str:
    """What ``case_search(user, filters, queue)`` counts, as a key of its
    kept estimate (core.pagination.count_estimate): everything
    ``case_visibility_q`` and the filters read of the reader (his roles and
    their units, his unit, superuser, active), the filters, the queue and
    the day (the overdue filter). A recusal marked meanwhile is not in it:
    an estimate may lag it, as the planner's statistics lag new cases, for
    COUNT_ESTIMATE_SECONDS."""
    if not user.is_authenticated:
        return repr(("cases", None))
    roles = sorted((m.role, m.org_unit.path) for m in user_memberships(user))
    return repr(("cases", user.pk, user.is_active, user.is_superuser, user.org_unit_id, roles,
                 sorted((filters or {}).items()), search_form((filters or {}).get("q") or ""), queue,
                 timezone.localdate().isoformat()))


def case_list_values(*, user: User, filters: dict | None = None, queue: str | None = None) -> QuerySet:
    """``case_search``'s rows as dicts of ``LIST_VALUES``: the case list
    API, whose JSON is written from them. Building a case, its applicant
    and its unit as models for each row was a third of a page's time at 1M
    cases (issue 19: the list API against one bare query). Counted as the
    cases themselves (core.pagination.counted_as: the applicant and the
    unit are non-null keys)."""
    cases = case_search(user=user, filters=filters, queue=queue)
    return counted_as(cases.values(*LIST_VALUES), cases)


def case_sees_internal(*, case: Case, user: User) -> bool:
    """Whether ``user`` sees the internal record of ``case``: inspectors'
    interview records and evidence, each member's vote and opinion. Those
    belong to the handling staff of the jurisdiction; the applicant, whoever
    filed for him and his unit's reviewers see the preliminary opinion, the
    rulings and the letters, not who said what to the inspectors or who voted
    how (discipline inspection keeps witnesses and deliberations confidential)."""
    if not user.is_authenticated or user in case_parties(case):
        return False
    if user.is_superuser:
        return True
    path = case.unit.path
    return any(m.role in HANDLING_ROLES and path.startswith(m.org_unit.path) for m in user_memberships(user))


def case_attachment_get_for_user(*, user: User, case_id, attachment_id):
    """A file of a case ``user`` may see, else ``Http404``; an internal file
    (an inspector's record) only for the handling staff, as absent as a
    missing one for everyone else."""
    case = case_get_for_user(user=user, case_id=case_id)
    try:
        attachment = Attachment.objects.filter(case=case, pk=int(attachment_id)).first()
    except (TypeError, ValueError):
        attachment = None
    if attachment is None or (attachment.internal and not case_sees_internal(case=case, user=user)):
        raise Http404
    attachment.case = case
    return attachment


def case_detail_for_user(*, user: User, case_id) -> Case:
    """One case with everything its page shows to ``user``, in a fixed
    number of queries; ``case.sees_internal`` says whether internal files and
    event details are included."""
    case = case_get_for_user(user=user, case_id=case_id)
    internal = case_sees_internal(case=case, user=user)
    attachments = Attachment.objects.select_related("uploaded_by")
    if not internal:
        attachments = attachments.filter(internal=False)
    qs = Case.objects.filter(pk=case.pk).select_related(
        "applicant", "created_by", "unit", "jurisdiction", "policy_version__document__jurisdiction"
    ).prefetch_related(
        Prefetch("attachments", queryset=attachments),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        Prefetch("claimed_scenarios", queryset=PolicyItem.objects.order_by("number")),
        "unit_reviews__reviewer",
        "supplement_requests__requested_by",
        Prefetch("policy_version__items", queryset=PolicyItem.objects.order_by("kind", "number")),
    )
    case = qs.get()
    case.sees_internal = internal
    events_redact(case.events.all(), internal=internal)
    return case


def events_redact(events, *, internal: bool) -> None:
    """For a reader who does not see the internal record
    (``case_sees_internal``): the step of an internal event kind shows, its
    details (data, reason) do not. In memory only, on the rows given; the
    case page and ``GET /api/v1/cases/{id}/events/`` both go through here."""
    if internal:
        return
    for event in events:
        if event_is_internal(event.kind):  # registered by the apps (core.events)
            event.data, event.reason = {}, ""


def case_events_for_user(*, user: User, case_id) -> tuple[Case, bool, QuerySet]:
    """A case's history as ``user`` may read it: (case, whether he sees the
    internal record, its events oldest first). ``Http404`` for a case he may
    not see; the caller pages the events and passes the page through
    ``events_redact``."""
    from .models import CaseEvent

    case = case_get_for_user(user=user, case_id=case_id)
    internal = case_sees_internal(case=case, user=user)
    return case, internal, CaseEvent.objects.filter(case=case).select_related("actor").order_by("id")


def policy_lists(version) -> dict:
    """A version's items grouped by kind (from prefetched items)."""
    grouped: dict[str, list] = {}
    for item in version.items.all():
        grouped.setdefault(item.kind, []).append(item)
    return grouped


# Actions that are never "the next step" a user lands on: ways out, asides
# and optional records (issue 22: each role lands on what is his).
SIDE_ACTIONS = frozenset({
    "edit", "withdraw", "not_accept", "request_supplement", "add_testimony", "record_assessment_report",
    "record_hearing", "cite_prefiling", "waive_defence", "record_evidence",
    # Steps declared on the kernel (reviews/steps/) that are asides too;
    # a step may also say so itself (core.steps.Step.aside).
    "mark_recusal",
})




def case_page_head(*, case: Case, user: User, clocks: list, actions: list[str]) -> dict:
    """What the page's head shows (issue 22: stage, due date and the user's
    next step stay in view): the nearest running time limit and the
    actions that are this user's now (``actions``: the steps he may take,
    core.steps), main ones first."""
    running = [c for c in clocks if getattr(c, "status", "") == "running" and getattr(c, "due_date", None)]
    # The party sees first the time limits he must meet himself (补正,
    # 申辩, 申请复核, 整改); staff see the authority's.
    party = user.pk in (case.applicant_id, case.created_by_id)
    # The party's own clocks are those its steps declare not at the
    # authority (core.steps.StepClock).
    own = [c for c in running if (not clock_at_authority(c.stage)) == party]
    running = own or running
    names = actions
    main = [n for n in names if n not in SIDE_ACTIONS and not step_get(n).aside] or [n for n in names if n == "edit"]
    return {
        "due": min(running, key=lambda c: c.due_date) if running else None,
        "next": [{"name": n, "label": step_get(n).label} for n in main],
    }
