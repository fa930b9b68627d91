"""Reads of a clarification case (澄清正名事项). The caller has checked
that the user may see the case (``case_get_for_user``); what only the
handling staff see (who reported, the 信访 number, the referral, the
petitioning record) is left out here for everyone else."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Case, Origin
from cases.selectors import LIST_DEFERRED, case_list_for_user, case_sees_internal
from cases.services import case_actions_for_user
from core.form_flash import form_flash_bind
from core.steps import step_cache, step_cache_seed, steps_of
from corrections.models import Scope
from publication.models import Publication

from .forms import forms_for
from .models import PetitionRecord, ReportMatter, ReportPoint

PANEL_KEY = "clarifications_matter"
# Queries of ``matter_record`` (pinned by the tests).
RECORD_QUERIES = 3


def matter_record(*, case: Case) -> ReportMatter | None:
    """The report with its points and petitioning records, and the letter:
    ``RECORD_QUERIES`` queries whatever their number."""
    return (
        ReportMatter.objects.filter(case=case)
        .select_related("letter", "view_sought_by", "cadre_view_by", "decided_by", "issued_by", "referred_by")
        .prefetch_related(
            Prefetch("points", queryset=ReportPoint.objects.select_related("found_by").order_by("number")),
            Prefetch("petitions", queryset=PetitionRecord.objects.select_related("recorded_by")),
        )
        .first()
    )


def matter_for_steps(case: Case) -> ReportMatter | None:
    """The record the steps' readiness reads, once per listing
    (core.steps.step_cache; a service re-reads under its lock)."""
    cache = step_cache(case)
    if PANEL_KEY not in cache:
        cache[PANEL_KEY] = matter_record(case=case) if case.origin == Origin.REPORT else None
    return cache[PANEL_KEY]


def live_publication(case: Case) -> Publication | None:
    return (Publication.objects.filter(case=case, kind=Publication.Kind.CLARIFICATION)
            .exclude(status=Publication.Status.WITHDRAWN).order_by("-id").first())


def matter_view(matter: ReportMatter, *, internal: bool) -> dict:
    """What a reader sees of the record: the points, findings, the cadre's
    view, scope, method and letter for everyone who may see the case; the
    report's number and channel, who reported, the referral and the
    petitioning record for the handling staff only."""
    points = list(matter.points.all())
    data = {
        "received_on": matter.received_on,
        "points": points,
        "view_sought_on": matter.view_sought_on,
        "cadre_view": matter.cadre_view,
        "cadre_view_at": matter.cadre_view_at,
        "concluded_at": matter.concluded_at,
        "conclusion": matter.conclusion,
        "scope": matter.scope,
        "scope_label": matter.get_scope_display() if matter.scope else "",
        "method": matter.method,
        "method_label": matter.get_method_display() if matter.method else "",
        "letter": matter.letter,
        "issued_at": matter.issued_at,
        "internal": internal,
    }
    if internal:
        data.update({
            "report_number": matter.report_number,
            "channel": matter.channel,
            "channel_label": matter.get_channel_display(),
            "reporter_name": matter.reporter_name,
            "reporter_contact": matter.reporter_contact,
            "referred_to": matter.referred_to,
            "referral_facts": matter.referral_facts,
            "referred_on": matter.referred_on,
            "petitions": list(matter.petitions.all()),
        })
    return data


def flash_key(case: Case, action: str) -> str:
    return f"clarifications:{case.pk}:{action}"


def panel_context(request, case: Case) -> dict | None:
    """The case page's panel of a clarification case: the record as the
    reader may see it, and the forms of the steps he may take now."""
    if case.origin != Origin.REPORT:
        return None
    matter = matter_record(case=case)
    if matter is None:
        return None
    user = request.user
    step_cache_seed(case, PANEL_KEY, matter)
    mine = {name: step for name, step in steps_of("case").items() if step.app == "clarifications"}
    actions = [a for a in case_actions_for_user(case=case, user=user) if a in mine]
    internal = case_sees_internal(case=case, user=user)
    return {
        "matter": matter_view(matter, internal=internal),
        "publication": live_publication(case) if matter.scope == Scope.PUBLIC else None,
        "is_cadre": user.pk == case.applicant_id,
        "forms": forms_for(actions, matter=matter, labels={n: s.label for n, s in mine.items()},
                           bind=lambda action, build: form_flash_bind(request, key=flash_key(case, action),
                                                                      build=build)),
        "today": timezone.localdate(),
    }


# --- For the other apps, through their hooks (events.py) ----------------------------------------


def public_issued() -> QuerySet[ReportMatter]:
    """Issued statements of public scope, for publication (its admin list and
    ``publication_draft_create``): read like corrections' clarifications
    (``pk``, ``case``, ``issued_on``, ``statement``)."""
    return (
        ReportMatter.objects.filter(issued_at__isnull=False, scope=Scope.PUBLIC)
        .select_related("case__jurisdiction", "case__unit", "case__applicant", "letter")
        .prefetch_related(Prefetch("points", queryset=ReportPoint.objects.order_by("number")))
        .order_by("-issued_at", "-id")
    )


def hidden_names(case: Case) -> list[str]:
    """Names a publication of ``case`` hides besides the cadre's: the
    reporter's (publication's ``_default_terms``)."""
    if case.origin != Origin.REPORT:
        return []
    name = ReportMatter.objects.filter(case=case).values_list("reporter_name", flat=True).first()
    return [name] if name else []


def yearly_rows(*, jurisdiction, lo, hi, year: int) -> list[tuple]:
    """(case_id, status, scope, issued_at, referred_on) of the stand-alone
    clarifications of a jurisdiction that touch the year, in the shape the
    yearly report reads corrections' (``reports.selectors``)."""
    return [
        (case_id, "issued" if issued_at else "", scope, issued_at, referred_on)
        for case_id, scope, issued_at, referred_on in ReportMatter.objects.filter(case__jurisdiction=jurisdiction)
        .filter(Q(issued_at__gte=lo, issued_at__lt=hi) | Q(referred_on__year=year))
        .values_list("case_id", "scope", "issued_at", "referred_on")
    ]


def clarification_case_list(*, user) -> QuerySet[Case]:
    """The clarification cases ``user`` may see (the cases' own visibility),
    newest first, with their report date: a fixed number of queries."""
    return (
        case_list_for_user(user=user).filter(origin=Origin.REPORT)
        .select_related("report_matter").defer(*LIST_DEFERRED)
        .order_by("-created_at", "-id")
    )
