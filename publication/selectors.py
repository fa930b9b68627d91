"""Reads for publication: the admin's work list, and the portal's reads,
which only ever return published rows (a withdrawn one only as a notice).
"""

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import OrgUnit, Role, User
from accounts.selectors import role_paths, subtree_q
from cases.models import Case, Stage
from core.subjects import hook
from corrections.selectors import clarifications_public_issued as source
from policies.models import PolicyItem
from reviews.models import Ruling
from reviews.selectors import countersign_awaited_q

from .models import Publication

# Stages in which a case has a ruling in force (a review under way may
# still change it, so "review" is not among them).
RULED_STAGES = (Stage.RULED, Stage.CORRECTION, Stage.CLARIFICATION, Stage.CLOSED)

# --- Clarifications (adapter to the corrections app) ----------------------------------


def clarifications_public_issued() -> list:
    """Issued clarification statements whose scope is public (from the
    corrections app), with their untrue points; and those of stand-alone
    clarification cases (澄清正名事项), through their app's hook."""
    return list(source()) + list(hook("case", "public_clarifications", list)())


def clarification_public_get(*, case: Case, clarification_id):
    for item in clarifications_public_issued():
        if str(item.pk) == str(clarification_id) and item.case.pk == case.pk:
            return item
    return None


# --- Administrators ------------------------------------------------------------------------


def _admin_q(user: User, field: str) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return subtree_q(role_paths(user, {Role.ADMIN}), field)


def publication_list_for_admin(*, user: User, status: str | None = None) -> QuerySet[Publication]:
    qs = Publication.objects.filter(_admin_q(user, "case__unit__path")).select_related(
        "case", "jurisdiction"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-id")


def cases_ready_to_publish(*, user: User, limit: int = 100) -> QuerySet[Case]:
    """Ruled cases of the admin's jurisdictions without a live publication."""
    live = Publication.objects.filter(case=OuterRef("pk"), kind=Publication.Kind.OUTCOME).exclude(
        status=Publication.Status.WITHDRAWN
    )
    ruled = Ruling.objects.filter(case=OuterRef("pk"), is_current=True)
    return (
        Case.objects.filter(_admin_q(user, "unit__path"), stage__in=RULED_STAGES)
        .filter(Exists(ruled)).exclude(Exists(live))
        # Issue 16: not a joint decision still awaiting its countersign.
        .exclude(countersign_awaited_q())
        .select_related("jurisdiction", "unit")
        .order_by("-updated_at", "-id")[:limit]
    )


def publication_get_for_admin(*, user: User, publication_id) -> Publication:
    try:
        publication_id = int(publication_id)
    except (TypeError, ValueError):
        raise Http404 from None
    publication = (
        publication_list_for_admin(user=user)
        .select_related("case__applicant", "case__unit", "case__jurisdiction", "created_by")
        .prefetch_related("log__actor", "scenarios")
        .filter(pk=publication_id).first()
    )
    if publication is None:
        raise Http404
    return publication


def publication_for_case(*, case: Case) -> Publication | None:
    """The live outcome publication of a case, else the latest one."""
    rows = list(Publication.objects.filter(case=case, kind=Publication.Kind.OUTCOME).order_by("-id")[:5])
    live = [p for p in rows if p.status != Publication.Status.WITHDRAWN]
    return (live or rows or [None])[0]


# --- The public portal ----------------------------------------------------------------------


def _public(kind: str) -> QuerySet[Publication]:
    return (
        Publication.objects.filter(kind=kind, status=Publication.Status.PUBLISHED)
        .select_related("jurisdiction")
        .prefetch_related("scenarios")
        .order_by("-published_at", "-id")
    )


def published_outcomes(*, filters: dict | None = None) -> QuerySet[Publication]:
    """Published outcomes; ``filters`` keys (optional): jurisdiction (org
    unit code), year (of the ruling), result, scenario (title of a
    positive-list item), q (words in the published title or text)."""
    filters = filters or {}
    qs = _public(Publication.Kind.OUTCOME)
    if code := filters.get("jurisdiction"):
        qs = qs.filter(jurisdiction__code=code)
    if year := filters.get("year"):
        qs = qs.filter(decided_on__year=year)
    if result := filters.get("result"):
        qs = qs.filter(result=result)
    if scenario := filters.get("scenario"):
        qs = qs.filter(Exists(Publication.scenarios.through.objects.filter(
            publication_id=OuterRef("pk"), policyitem__title=scenario)))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(published_title__icontains=q) | Q(published_text__icontains=q))
    return qs


def published_outcomes_latest(limit: int = 5) -> list[Publication]:
    return list(published_outcomes()[:limit])


def published_clarifications() -> QuerySet[Publication]:
    return _public(Publication.Kind.CLARIFICATION)


def public_publication_get(*, slug: str) -> Publication:
    """A published publication, or a withdrawn one (shown as a notice
    only); anything else is a 404."""
    publication = (
        Publication.objects.filter(
            slug=slug, status__in=[Publication.Status.PUBLISHED, Publication.Status.WITHDRAWN]
        )
        .select_related("jurisdiction").prefetch_related("scenarios").first()
    )
    if publication is None or (publication.status == Publication.Status.WITHDRAWN and not publication.published_at):
        raise Http404
    return publication


# The years of the published outcomes' rulings, one index probe a year
# (publication_portal_year_idx): the first ruling date, then the first one
# on or after the next 1 January, until there is none. DISTINCT over the
# rows would read every published outcome.
_YEARS_SQL = """
WITH RECURSIVE y(d) AS (
    SELECT min(decided_on) FROM publication_publication WHERE kind = %(kind)s AND status = %(status)s
    UNION ALL
    SELECT (SELECT min(p.decided_on) FROM publication_publication p
            WHERE p.kind = %(kind)s AND p.status = %(status)s
              AND p.decided_on >= make_date(extract(year FROM y.d)::int + 1, 1, 1))
    FROM y WHERE y.d IS NOT NULL
)
SELECT extract(year FROM d)::int FROM y WHERE d IS NOT NULL
"""


def _published_years(published: QuerySet[Publication]) -> list[int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_YEARS_SQL, {"kind": Publication.Kind.OUTCOME, "status": Publication.Status.PUBLISHED})
            return sorted((year for (year,) in cursor.fetchall()), reverse=True)
    return sorted({d.year for d in published.dates("decided_on", "year")}, reverse=True)


def portal_filter_options() -> dict:
    """The portal's filter choices: the jurisdictions, years and scenarios
    of published outcomes. Each is asked of the few candidates (units,
    years, positive-list items), not of every published row, so the cost
    does not grow with the number of outcomes (issue 19)."""
    published = Publication.objects.filter(kind=Publication.Kind.OUTCOME, status=Publication.Status.PUBLISHED)
    jurisdictions = OrgUnit.objects.filter(Exists(published.filter(jurisdiction_id=OuterRef("pk")))).order_by("code")
    scenarios = (
        PolicyItem.objects.filter(Exists(Publication.scenarios.through.objects.filter(
            policyitem_id=OuterRef("pk"), publication__kind=Publication.Kind.OUTCOME,
            publication__status=Publication.Status.PUBLISHED)))
        .order_by("title").values_list("title", flat=True).distinct()
    )
    return {"jurisdictions": list(jurisdictions), "years": _published_years(published), "scenarios": list(scenarios)}
