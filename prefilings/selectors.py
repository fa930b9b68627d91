"""Reads of pre-filings. Every list and detail goes through
``prefiling_visibility_q``:

- the unit: the filer, and unit reviewers of the filing's unit (any status);
- once submitted: intake, inspectors, supervisors, committee members and
  admins of the jurisdiction.

A refused read is a 404 everywhere: existence is not leaked.
"""

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import role_paths, subtree_q, user_memberships
from letters.snapshot import date_cn
from policies.models import PolicyVersion
from policies.selectors import policy_version_in_force

from .models import (
    Citation,
    EarlyWarning,
    PreFiling,
    PreFilingAttachment,
    PreFilingEvent,
    Procedure,
    ProgressReport,
)

STAFF = {Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN}


def prefiling_visibility_q(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    user_memberships(user)  # one query, cached on the user
    q = Q(filed_by=user)
    reviewer_paths = role_paths(user, {Role.UNIT_REVIEWER})
    if reviewer_paths:
        q |= subtree_q(reviewer_paths, "unit__path")
    not_draft = ~Q(status=PreFiling.Status.DRAFT)
    if user.is_superuser:
        q |= not_draft
    else:
        staff_paths = role_paths(user, STAFF)
        if staff_paths:
            q |= not_draft & subtree_q(staff_paths, "unit__path")
    return q


def _open_warnings() -> Exists:
    return Exists(EarlyWarning.objects.filter(prefiling=OuterRef("pk"), status=EarlyWarning.Status.OPEN))


def prefiling_list_for_user(*, user: User, filters: dict | None = None, queue: str | None = None) -> QuerySet:
    """The filings ``user`` may see, with ``open_warning_count``; one query.
    ``queue``: ``mine`` (filed by him or his unit), ``intake`` (awaiting
    the review or a supplement, earliest due first), ``warnings`` (open
    early warnings). ``filters``: status, q (number or title)."""
    filters = filters or {}
    qs = (PreFiling.objects.filter(prefiling_visibility_q(user))
          .select_related("unit", "filed_by", "jurisdiction")
          .annotate(open_warning_count=Count("warnings", filter=Q(warnings__status=EarlyWarning.Status.OPEN))))
    if queue == "mine":
        qs = qs.filter(Q(filed_by=user) | subtree_q(role_paths(user, {Role.UNIT_REVIEWER}), "unit__path"))
    elif queue == "intake":
        qs = qs.filter(status__in=[PreFiling.Status.SUBMITTED, PreFiling.Status.SUPPLEMENT]).filter(
            subtree_q(role_paths(user, {Role.INTAKE}), "unit__path"))
    elif queue == "warnings":
        qs = qs.filter(_open_warnings())
        if not user.is_superuser:
            qs = qs.filter(subtree_q(role_paths(user, STAFF), "unit__path"))
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if text := (filters.get("q") or "").strip():
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text))
    if queue == "intake":
        return qs.order_by(F("review_due").asc(nulls_last=True), "id")
    return qs.order_by("-created_at", "-id")


def prefiling_get_for_user(*, user: User, prefiling_id) -> PreFiling:
    """The filing if ``user`` may see it, else ``Http404``."""
    try:
        prefiling_id = int(prefiling_id)
    except (TypeError, ValueError):
        raise Http404 from None
    filing = (PreFiling.objects.filter(prefiling_visibility_q(user), pk=prefiling_id)
              .select_related("unit", "filed_by", "jurisdiction", "policy_version__document__jurisdiction")
              .first())
    if filing is None:
        raise Http404
    return filing


def prefiling_detail_for_user(*, user: User, prefiling_id) -> PreFiling:
    """One filing with everything its page shows, in a fixed number of
    queries (the filing, then attachments, events, reports, warnings,
    citations, letter and evaluation)."""
    filing = prefiling_get_for_user(user=user, prefiling_id=prefiling_id)
    return (
        PreFiling.objects.filter(pk=filing.pk)
        .select_related("unit", "filed_by", "jurisdiction", "policy_version__document__jurisdiction",
                        "evaluation__filed_by")
        .prefetch_related(
            "letters",
            Prefetch("attachments", queryset=PreFilingAttachment.objects.select_related("uploaded_by")),
            Prefetch("events", queryset=PreFilingEvent.objects.select_related("actor")),
            Prefetch("reports", queryset=ProgressReport.objects.select_related("reported_by")),
            Prefetch("warnings", queryset=EarlyWarning.objects.select_related("resolved_by", "report")),
            Prefetch("citations", queryset=Citation.objects.select_related("case", "cited_by")),
        )
        .get()
    )


def procedure_rows(filing: PreFiling, attachments=None) -> list[dict]:
    """The four decision procedures, each with its flag, note and (when the
    attachments are given, e.g. prefetched) its documents."""
    procedures = filing.procedures or {}
    rows = []
    for code, label in Procedure.choices:
        value = procedures.get(code) or {}
        rows.append({
            "code": code, "label": label, "done": bool(value.get("done")), "note": value.get("note", ""),
            "documents": [a for a in (attachments or []) if a.kind == code],
        })
    return rows


def report_rows(filing: PreFiling, report: ProgressReport) -> list[dict]:
    """A report's risk lines with the declared risk's text."""
    out = []
    for row in report.risks:
        index = row.get("risk", 0)
        declared = filing.risks[index] if 0 <= index < len(filing.risks) else {}
        out.append({**row, "text": declared.get("risk", ""), "control": declared.get("control", "")})
    return out


# --- For cases: citations --------------------------------------------------------------


def prefilings_cited_by_case(*, case) -> list[Citation]:
    """The case's citations with their filings, each filing with its reports
    and warnings loaded (three queries), and per citation ``procedures``
    and ``realised`` (risk indexes reported realised) for the
    declared-vs-happened view."""
    citations = list(
        Citation.objects.filter(case_id=case.pk)
        .select_related("prefiling__unit", "cited_by")
        .prefetch_related(
            Prefetch("prefiling__reports", queryset=ProgressReport.objects.order_by("created_at", "id")),
            Prefetch("prefiling__warnings", queryset=EarlyWarning.objects.order_by("created_at", "id")),
        )
        .order_by("created_at", "id")
    )
    for citation in citations:
        filing = citation.prefiling
        realised = set()
        for report in filing.reports.all():
            realised.update(r["risk"] for r in report.risks if r.get("realised"))
        citation.procedures = procedure_rows(filing)
        citation.risk_rows = [
            {**row, "index": i, "realised": i in realised} for i, row in enumerate(filing.risks or [])
        ]
        citation.warnings = list(filing.warnings.all())
    return citations


def prefilings_citable_for_case(*, case, user: User) -> QuerySet:
    """Registered filings of the case's jurisdiction that ``user`` may cite
    on ``case``: those he may see, and those of the case's own unit (the
    measure of his unit that went wrong), not yet cited."""
    return (
        PreFiling.objects.filter(
            Q(prefiling_visibility_q(user)) | Q(unit_id=case.unit_id),
            jurisdiction_id=case.jurisdiction_id,
            status__in=[PreFiling.Status.REGISTERED, PreFiling.Status.CLOSED],
            registered_at__isnull=False,
        )
        .exclude(citations__case_id=case.pk)
        .order_by("-registered_at", "-id")
    )


def prefiling_get_citable(*, case, user: User, prefiling_id) -> PreFiling:
    """A filing ``user`` may refer to when citing on ``case``: visible to
    him or of the case's unit (any status, so that the service can say why
    it cannot be cited); else 404."""
    try:
        prefiling_id = int(prefiling_id)
    except (TypeError, ValueError):
        raise Http404 from None
    filing = PreFiling.objects.filter(Q(prefiling_visibility_q(user)) | Q(unit_id=case.unit_id,
                                                                          status__in=[PreFiling.Status.REGISTERED,
                                                                                      PreFiling.Status.CLOSED,
                                                                                      PreFiling.Status.REFUSED]),
                                      pk=prefiling_id).first()
    if filing is None:
        raise Http404
    return filing


def prefiling_letter_context(*, case) -> list[dict]:
    """What the ruling letter cites: number, measure and registration date
    of every filing the case cites (one query)."""

    out = []
    for citation in Citation.objects.filter(case_id=case.pk).select_related("prefiling").order_by("created_at", "id"):
        filing = citation.prefiling
        registered = timezone.localdate(filing.registered_at) if filing.registered_at else None
        out.append({
            "number": filing.number, "measure": filing.title,
            "registered_on": registered.isoformat() if registered else "",
            "registered_on_cn": date_cn(registered) if registered else "",
        })
    return out


def prefiling_stats(*, user: User) -> dict:
    """For the dashboard: filings ``user`` may see by status, and open early
    warnings among them (two queries)."""
    visible = PreFiling.objects.filter(prefiling_visibility_q(user))
    by_status = {status: 0 for status in PreFiling.Status.values}
    for row in visible.values("status").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = row["n"]
    open_warnings = EarlyWarning.objects.filter(status=EarlyWarning.Status.OPEN,
                                                prefiling__in=visible.values("pk")).count()
    return {"by_status": by_status, "total": sum(by_status.values()), "open_warnings": open_warnings}


def prefiling_version_for(*, unit) -> PolicyVersion | None:
    """The policy version a new pre-filing of ``unit`` is filed under: the one
    in force there today (prefiling_create and the new-filing form share it)."""
    return policy_version_in_force(org_unit=unit, on_date=timezone.localdate()) if unit is not None else None
