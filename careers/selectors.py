"""Reads of the result uses, follow-ups, accountability decision and
revocation. Who sees an obligation (DESIGN §1, jurisdiction scoping):

- the organization department over the case's unit;
- the handling staff of the case's jurisdiction;
- the cadre himself, for his own.

Anyone else gets a 404 (existence is not leaked)."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import HANDLING_ROLES, role_paths, subtree_q
from cases.models import Stage
from cases.selectors import case_in_paths_q, case_list_for_user, case_parties
from core.events import event_is_internal
from core.form_flash import form_flash_bind
from core.step_views import step_flash_key
from core.steps import steps_for_user, steps_of
from publication.models import Publication
from publication.services import publication_may_manage
from reviews.models import Ruling

from . import services
from .models import AccountabilityDecision, FollowUp, ResultUse, Revocation, TypicalCase, UseApplication

READERS = {Role.ORG_DEPT, *HANDLING_ROLES}


def _visible_q(user: User, cadre_field: str) -> Q:
    """Rows of cases of units under the user's reader roles, or about him
    (``cadre_field``)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    q = Q(**{cadre_field: user})
    paths = role_paths(user, READERS)
    if paths:
        q |= subtree_q(paths, "case__unit__path")
    return q


def obligation_list_for_user(*, user: User, status: str | None = None, case_id: int | None = None) -> QuerySet:
    """Obligations ``user`` may see, the nearest end first (open-ended
    last); two queries whatever their number (with their applications)."""
    qs = (
        ResultUse.objects.filter(_visible_q(user, "cadre"))
        .select_related("case", "cadre", "case__unit")
        .prefetch_related(Prefetch("applications", queryset=UseApplication.objects.select_related("recorded_by")))
        .order_by("status", "ends_on", "id")
    )
    if status:
        qs = qs.filter(status=status)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return qs


def obligation_get_for_user(*, user: User, obligation_id) -> ResultUse:
    try:
        pk = int(obligation_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = obligation_list_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def followup_list_for_user(*, user: User, status: str | None = None) -> QuerySet:
    qs = (FollowUp.objects.filter(_visible_q(user, "case__applicant"))
          .select_related("case", "case__applicant", "clock", "recorded_by").order_by("status", "id"))
    if status:
        qs = qs.filter(status=status)
    return qs


def followup_get_for_user(*, user: User, followup_id) -> FollowUp:
    try:
        pk = int(followup_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = followup_list_for_user(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def followup_details_visible(*, followup: FollowUp, user) -> bool:
    """Whether ``user`` reads what was said at the follow-up (its summary).
    The confidentiality is the event registry's (core.events; the kinds
    careers/events.py registers internal): the details of an internal
    event are hidden from the case's parties, the cadre and whoever filed
    for him, as the case page hides them; the department and the handling
    staff who may list the follow-up read them."""
    if not event_is_internal(followup.event_kind):
        return True
    return not (user is not None and user.is_authenticated and user in case_parties(followup.case))


def may_act_on_obligations(*, user: User) -> bool:
    return bool(user.is_authenticated and role_paths(user, {Role.ORG_DEPT}))


def case_record(*, case) -> dict:
    """What this app keeps on one case, in a fixed number of queries."""
    uses = list(
        ResultUse.objects.filter(case=case).select_related("cadre")
        .prefetch_related(Prefetch("applications", queryset=UseApplication.objects.select_related("recorded_by")))
        .order_by("ruling_id", "policy_item__number", "id")
    )
    followups = list(FollowUp.objects.filter(case=case).select_related("clock", "recorded_by").order_by("id"))
    decision = AccountabilityDecision.objects.filter(case=case).select_related("recorded_by", "document").first()
    revocation = Revocation.objects.filter(case=case).select_related("recorded_by").first()
    return {"uses": uses, "followups": followups, "decision": decision, "revocation": revocation}


def case_actions(*, case, user: User) -> list[str]:
    """The steps of this app ``user`` may take on ``case`` now (the panel's
    forms), from their one declaration (core.steps, careers.steps)."""
    return [name for name in steps_for_user(case, user) if steps_of()[name].app == "careers"]


def case_panel_context(request, case) -> dict | None:
    """The case page's panel: the result uses with how they were applied,
    the follow-ups, the accountability decision and the revocation; the
    forms of the steps the user may take. Hidden before any of it exists
    and when the user may take none of its steps."""
    user = request.user
    record = case_record(case=case)
    actions = case_actions(case=case, user=user)
    if not actions and not any(record.values()):
        return None
    is_dept = services.is_org_dept(case, user)
    # The steps' own forms (careers/steps.py); a refused POST comes back with
    # what was typed (core.form_flash), as on the other panels.
    forms = {}
    for name in actions:
        step = steps_of()[name]
        forms[name] = form_flash_bind(
            request, key=step_flash_key(step, case.pk),
            build=lambda data, step=step: step.form(data, None, case, auto_id=f"cr-{step.name}-%s"))
    return {
        **record, "actions": actions, "is_org_dept": is_dept, "today": timezone.localdate(),
        "decision_form": forms.get("record_accountability_decision"), "revoke_form": forms.get("revoke_ruling"),
        # The cadre's record (容错档案): for himself and the department.
        "record_link": user.pk == case.applicant_id or is_dept,
    }


# --- The workbench section (dashboard.workbench.register_workbench_section) -----------------------


def _workbench_queryset(user: User) -> QuerySet:
    """Active obligations of the department's jurisdiction, the nearest end
    first; each row carries ``url``, ``label`` and ``hint``."""
    qs = obligation_list_for_user(user=user, status=ResultUse.Status.ACTIVE).filter(
        subtree_q(role_paths(user, {Role.ORG_DEPT}), "case__unit__path"))
    return qs


WORKBENCH_SECTION = (
    "result_uses", _("Result uses to apply (结果运用)"), Role.ORG_DEPT, _workbench_queryset, "careers:workbench",
    "link", "ends_on",
)


# --- The cadre's record (容错档案) -----------------------------------------------------------


def cadre_record_for_user(*, user: User, cadre_id) -> dict:
    """One cadre's record: his cases (not drafts) with their rulings, the
    result uses and how each was applied, the follow-ups, the
    accountability decision, a revocation, the correction and the
    clarification. Seen by the cadre for his own and by the handling staff
    and the organization department over the cases' units (each sees the
    cases of his own jurisdiction only, by the case visibility every page
    uses, recusals included); ``Http404`` for anyone else or a cadre with
    no case the user may see. A fixed number of queries whatever the
    number of cases."""
    try:
        pk = int(cadre_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not user.is_authenticated:
        raise Http404
    cadre = User.objects.filter(pk=pk).first()
    if cadre is None:
        raise Http404
    cases = case_list_for_user(user=user).filter(applicant=cadre).exclude(stage=Stage.DRAFT)
    if user.pk != cadre.pk and not user.is_superuser:
        # A unit reviewer or another cadre's filer sees some cases, not a
        # record: only the readers' roles over the case's unit.
        cases = cases.filter(case_in_paths_q(user, READERS))
    cases = list(
        cases.select_related("correction", "clarification", "accountability_decision", "revocation")
        .prefetch_related(
            Prefetch("rulings", queryset=Ruling.objects.order_by("decided_on", "id")),
            Prefetch("result_obligations", queryset=ResultUse.objects.order_by("ruling_id", "policy_item__number", "id")
                     .prefetch_related(Prefetch("applications",
                                                queryset=UseApplication.objects.select_related("recorded_by")))),
            Prefetch("followups", queryset=FollowUp.objects.select_related("clock").order_by("id")),
        )
        .order_by("-submitted_at", "-id")
    )
    if not cases and user.pk != cadre.pk:
        raise Http404
    return {"cadre": cadre, "cases": cases}


def typical_cases_public() -> QuerySet:
    """Typical cases whose outcome is still published, newest first (a
    withdrawn publication takes its typical case off the portal)."""
    return (TypicalCase.objects.filter(publication__status="published", publication__kind="outcome")
            .select_related("publication", "publication__jurisdiction").order_by("-created_at", "-id"))


def typical_case_publication_for_user(*, user: User, publication_id) -> Publication:
    """A published outcome the user administers (publication_may_manage),
    with its typical case if marked; 404 for any other publication, as for
    every record a user may not handle."""
    publication = (Publication.objects.filter(pk=publication_id, kind=Publication.Kind.OUTCOME)
                   .select_related("case", "case__applicant", "jurisdiction").first())
    if publication is None or not publication_may_manage(case=publication.case, user=user):
        raise Http404
    publication.typical = TypicalCase.objects.filter(publication=publication).first()
    return publication
