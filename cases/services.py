"""Every change to a case: filing, unit review and intake (DESIGN §2).

Each transition checks the actor's permission and the current stage, runs in
one transaction with the case row locked, writes a ``CaseEvent`` and
schedules its side effects (notifications, letters) after commit. An illegal
transition raises ``ApplicationError`` and changes nothing.

Which step is allowed from which stage, and for whom, is declared once in
``cases/steps.py`` (other apps declare theirs in their own ``steps.py``):
the services' guard, the page's buttons and the API's actions all read it
(``core.steps``).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, Role, User
from accounts.selectors import user_has_role
from core.events import CASE, event_kind_require, event_written
from core.exceptions import ApplicationError
from core.history import chain_append
from core.steps import step_guard, steps_for_user
from core.subjects import hook
from deadlines import services as clocks
from letters.services import letter_issue
from policies.models import PolicyItem, TimeLimitStage
from policies.procedure import unit_review_required
from policies.selectors import policy_version_in_force

from .models import (
    Attachment,
    Case,
    CaseEvent,
    CaseNumberCounter,
    EventKind,
    Origin,
    Outcome,
    Stage,
    SupplementRequest,
    UnitReview,
)
from .selectors import case_parties
from .uploads import check_upload, stored_upload

# --- Messages (English msgids; translated when raised) --------------------------
ORIGIN_NOT_APPLICATION = gettext_lazy("Choose an individual or a unit application.")
NOT_ALLOWED = gettext_lazy("You may not do this on this case.")
ILLEGAL_STAGE = gettext_lazy("This action is not possible while the case is at stage “%(stage)s”.")
NO_POLICY = gettext_lazy("No published fault-tolerance policy is in force for %(unit)s; the case cannot be filed.")
NOT_APPLICANT_OF_UNIT = gettext_lazy("You may file applications only for a unit where you hold the applicant role.")
INCOMPLETE = gettext_lazy("The application is incomplete: %(missing)s.")
REASON_REQUIRED = gettext_lazy("Give the reasons.")
SCENARIO_NOT_IN_POLICY = gettext_lazy("The chosen scenario is not in the positive list of this policy version.")
FILE_LOCKED = gettext_lazy("Files of a submitted case cannot be changed or removed.")
DUE_DATE_PAST = gettext_lazy("The deadline must be after today.")
CLOSED = gettext_lazy("The case is closed and can no longer be changed.")

EDITABLE_FIELDS = [
    "title", "matter", "matter_date", "impact", "trigger", "accountability_considered",
    "facts_reasons", "remedial_steps", "collective_decision", "collective_decision_note", "self_check",
]

# --- Who may do what, from which stage -----------------------------------------------


def _is_filer(case: Case, user: User) -> bool:
    """The cadre, or whoever filed for him (cases.selectors.case_parties)."""
    return user in case_parties(case)


def _unit_reviewer(case: Case, user: User) -> bool:
    return user_has_role(user, Role.UNIT_REVIEWER, case.unit)


def _intake(case: Case, user: User) -> bool:
    return user_has_role(user, Role.INTAKE, case.unit)


def _intake_or_inspector(case: Case, user: User) -> bool:
    # At verification only the inspectors assigned to the case (and not
    # recused) ask for more (the hook of reviews, which assigns them);
    # before that, intake does.
    if case.stage == Stage.VERIFICATION:
        return bool(hook("case", "assigned_inspector", _nobody)(case, user))
    return _intake(case, user)


def _nobody(case: Case, user: User) -> bool:
    return False


# Stages before a ruling, in which the applicant may still withdraw.
BEFORE_RULING = (
    Stage.DRAFT, Stage.UNIT_REVIEW, Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.VERIFICATION,
    Stage.DEFENCE, Stage.DELIBERATION,
)


def case_actions_for_user(*, case: Case, user: User) -> list[str]:
    """The steps ``user`` may take on ``case`` now, from every app's
    declarations (core.steps): the page's buttons and the API's actions."""
    # Lookups the checks share (reviews' active assignments, the current
    # meeting) live in core.steps.step_cache for this one listing.
    return steps_for_user(case, user)


def case_guard(*, case: Case, actor: User, action: str) -> None:
    """Raise unless ``actor`` may take ``action`` on ``case`` now. For other
    apps' services, which call it on the locked case."""
    step_guard(case, actor, action)


def _guard(case: Case, actor: User, action: str) -> None:
    step_guard(case, actor, action)


def _lock(case: Case) -> Case:
    """The case row, locked until the step's transaction ends; nothing else.

    ``of=("self",)``: the joined unit, jurisdiction and policy-version rows
    are shared by every case of a jurisdiction, and locking them too made
    parallel steps on different cases queue behind each other and deadlock.
    ``no_key``: FOR NO KEY UPDATE, so rows that merely refer to the case
    (events, notifications written by the worker) do not wait for it.

    Lock order, wherever a step locks more than one row: the case first,
    then its own rows (attachments, clocks, letters, records), then the
    shared counters (case and letter numbers), each set by primary key.
    (SQLite ignores row locks: there a write locks the whole file.)"""
    return (Case.objects.select_for_update(of=("self",), no_key=True)
            .select_related("unit", "jurisdiction", "policy_version").get(pk=case.pk))


# --- History ----------------------------------------------------------------------------


def case_event_record(*, case: Case, kind: str, actor: User | None, from_stage: str = "",
                      to_stage: str = "", reason: str = "", data: dict | None = None) -> CaseEvent:
    """Append a history event and notify whoever it concerns after commit.
    Callers hold the case lock."""
    event_kind_require(kind)
    # Chained to the case's previous event (core.history): tamper-evident.
    event = chain_append(
        CaseEvent, case=case, kind=kind, actor=actor, from_stage=from_stage, to_stage=to_stage or from_stage,
        reason=reason, data=data or {},
    )
    # The subscribers (notifications) enqueue their work in this
    # transaction (core.events, the outbox of core.tasks.enqueue).
    event_written(subject=CASE, event_id=event.pk, kind=kind)
    return event


def case_event_record_for(case: Case, kind: str, actor: User | None, reason: str = "",
                          data: dict | None = None) -> CaseEvent:
    """The history writer as the infrastructure calls it (core.subjects):
    letters and deadlines record on the case as it now stands."""
    case = Case.objects.only("pk", "stage").get(pk=case.pk)
    return case_event_record(case=case, kind=kind, actor=actor, from_stage=case.stage, reason=reason, data=data)


def _move(case: Case, *, to: str, kind: str, actor: User, reason: str = "", data=None,
          extra_fields: tuple[str, ...] = ()) -> CaseEvent:
    from_stage = case.stage
    case.stage = to
    case.save(update_fields=["stage", "updated_at", *extra_fields])
    return case_event_record(case=case, kind=kind, actor=actor, from_stage=from_stage, to_stage=to,
                             reason=reason, data=data)


def _issue_letter(case: Case, kind: str, actor: User, ref: str = "", context: dict | None = None) -> None:
    letter_issue(case=case, kind=kind, actor=actor, ref=ref, context=context or {})


def _search_text(case: Case) -> str:
    parts = [case.number, case.title, case.applicant.full_name, case.applicant.username,
             case.unit.name, case.matter, case.facts_reasons]
    return "\n".join(p for p in parts if p)


# --- Drafts --------------------------------------------------------------------------


def _jurisdiction_of(unit: OrgUnit) -> OrgUnit:
    ids = unit.ancestor_ids()
    found = OrgUnit.objects.filter(pk__in=ids, kind=OrgUnit.Kind.JURISDICTION)
    by_id = {u.pk: u for u in found}
    for pk in reversed(ids):
        if pk in by_id:
            return by_id[pk]
    raise ApplicationError(_(NO_POLICY) % {"unit": unit.name}, code="no_policy")


def _validate_scenarios(version, scenarios) -> list[PolicyItem]:
    items = list(scenarios or [])
    for item in items:
        if item.version_id != version.pk or item.kind != PolicyItem.Kind.POSITIVE:
            raise ValidationError({"claimed_scenarios": _(SCENARIO_NOT_IN_POLICY)})
    return items


@transaction.atomic
def case_create(*, actor: User, origin: str = Origin.INDIVIDUAL, unit: OrgUnit | None = None,
                claimed_scenarios=None, **data) -> Case:
    """A new draft, judged under the policy in force for the unit today (the
    version is fixed again at submission)."""
    if origin not in (Origin.INDIVIDUAL, Origin.UNIT):
        raise ValidationError({"origin": _(ORIGIN_NOT_APPLICATION)})
    unit = unit or actor.org_unit
    if unit is None or not user_has_role(actor, Role.APPLICANT, unit):
        raise ApplicationError(_(NOT_APPLICANT_OF_UNIT), code="permission_denied", status_code=403)
    version = policy_version_in_force(org_unit=unit, on_date=timezone.localdate())
    if version is None:
        raise ApplicationError(_(NO_POLICY) % {"unit": unit.name}, code="no_policy")
    fields = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    case = Case(origin=origin, applicant=actor, created_by=actor, unit=unit,
                jurisdiction=_jurisdiction_of(unit), policy_version=version, **fields)
    if not case.title:
        raise ValidationError({"title": _("Give the application a title.")})
    case.full_clean(exclude=["number", "search_text"])
    case.save()
    case.claimed_scenarios.set(_validate_scenarios(version, claimed_scenarios))
    case.search_text = _search_text(case)
    case.save(update_fields=["search_text"])
    case_event_record(case=case, kind=EventKind.CREATED, actor=actor, from_stage=Stage.DRAFT)
    return case


@transaction.atomic
def case_update(*, case: Case, actor: User, claimed_scenarios=None, **data) -> Case:
    """Save draft fields (the form saves as the applicant goes)."""
    case = _lock(case)
    _guard(case, actor, "edit")
    changed = []
    for field in EDITABLE_FIELDS:
        if field in data and getattr(case, field) != data[field]:
            setattr(case, field, data[field])
            changed.append(field)
    if changed:
        case.full_clean(exclude=["number", "search_text"])
        case.search_text = _search_text(case)
        case.save(update_fields=[*changed, "search_text", "updated_at"])
    if claimed_scenarios is not None:
        new = _validate_scenarios(case.policy_version, claimed_scenarios)
        if {i.pk for i in new} != set(case.claimed_scenarios.values_list("pk", flat=True)):
            case.claimed_scenarios.set(new)
            changed.append("claimed_scenarios")
    if changed:
        case_event_record(case=case, kind=EventKind.EDITED, actor=actor, from_stage=case.stage,
                          data={"fields": changed})
    return case


def _lacks_self_check(case: Case, kinds: set) -> bool:
    if case.origin != Origin.UNIT:
        return False
    check = case.self_check or {}
    needed = {str(pk) for pk in case.policy_version.items.filter(
        kind__in=[PolicyItem.Kind.CONDITION, PolicyItem.Kind.NEGATIVE]).values_list("pk", flat=True)}
    answered = set((check.get("conditions") or {}).keys()) | set((check.get("negative") or {}).keys())
    return not needed <= answered


# What submission needs, once: (the part, as the applicant is told it is
# missing; whether ``case`` lacks it, given its attachment kinds; when it is
# needed, for a client: None = always). The refusal (``case_missing_parts``)
# and the API schema's description of submit/ (cases.apis) both read it.
SUBMISSION_REQUIREMENTS = (
    (gettext_lazy("title"), lambda case, kinds: not case.title.strip(), None),
    (gettext_lazy("what happened"), lambda case, kinds: not case.matter.strip(), None),
    (gettext_lazy("accountability being considered"),
     lambda case, kinds: not case.accountability_considered.strip(), None),
    (gettext_lazy("facts and reasons"), lambda case, kinds: not case.facts_reasons.strip(), None),
    (gettext_lazy("at least one positive-list scenario"),
     lambda case, kinds: not case.claimed_scenarios.exists(), None),
    (gettext_lazy("at least one evidence file"), lambda case, kinds: not kinds, None),
    (gettext_lazy("the minutes of the collective decision"),
     lambda case, kinds: case.collective_decision and Attachment.Kind.MINUTES not in kinds,
     "collective_decision is true: an attachment of kind `minutes`"),
    (gettext_lazy("the unit's self-check against every condition and negative-list item"), _lacks_self_check,
     "origin is `unit`: self_check answers every condition and negative-list item by id"),
)


def case_missing_parts(*, case: Case) -> list[str]:
    """What must still be filled before submission (shown on the last step)."""
    kinds = set(case.attachments.values_list("kind", flat=True))
    return [str(part) for part, lacks, _when in SUBMISSION_REQUIREMENTS if lacks(case, kinds)]


def _allocate_number(case: Case) -> None:
    """Next number of the jurisdiction and year, gapless: the counter row is
    locked until the submitting transaction commits."""
    year = timezone.localdate().year
    CaseNumberCounter.objects.get_or_create(jurisdiction=case.jurisdiction, year=year)
    counter = CaseNumberCounter.objects.select_for_update().get(jurisdiction=case.jurisdiction, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    prefix = case.policy_version.document.jurisdiction.case_prefix or f"{case.jurisdiction.short_name}容"
    case.number_year, case.number_seq = year, counter.last
    case.number = f"{prefix}〔{year}〕第{counter.last:04d}号"


def _refix_policy_version(case: Case) -> None:
    """Judge the case under the version in force at filing: if a newer
    version came into force since the draft began, move to it, carrying the
    claimed scenarios over by their list number."""
    version = policy_version_in_force(org_unit=case.unit, on_date=timezone.localdate())
    if version is None:
        raise ApplicationError(_(NO_POLICY) % {"unit": case.unit.name}, code="no_policy")
    if version.pk == case.policy_version_id:
        return
    numbers = list(case.claimed_scenarios.values_list("number", flat=True))
    case.policy_version = version
    case.save(update_fields=["policy_version"])
    case.claimed_scenarios.set(version.items.filter(kind=PolicyItem.Kind.POSITIVE, number__in=numbers))


@transaction.atomic
def case_submit(*, case: Case, actor: User) -> Case:
    case = _lock(case)
    _guard(case, actor, "submit")
    _refix_policy_version(case)
    missing = case_missing_parts(case=case)
    if missing:
        raise ApplicationError(_(INCOMPLETE) % {"missing": "、".join(missing)}, code="incomplete",
                               extra={"missing": missing})
    first_time = not case.number
    if first_time:
        _allocate_number(case)
        case.submitted_at = timezone.now()
    case.search_text = _search_text(case)
    # Whether the unit's party organisation reviews first is the version's
    # (issue 16: some 办法 have no unit review, or have it for other origins);
    # unconfigured, an individual application is reviewed and a unit's own
    # (which carries its self-check) is not.
    to = Stage.UNIT_REVIEW if unit_review_required(case.policy_version, case.origin) else Stage.SUBMITTED
    case.attachments.update(locked=True)
    _move(case, to=to, kind=EventKind.SUBMITTED, actor=actor,
          extra_fields=("number", "number_year", "number_seq", "submitted_at", "search_text"))
    clocks.clock_open(case=case, stage=TimeLimitStage.INTAKE if to == Stage.SUBMITTED else TimeLimitStage.UNIT_REVIEW)
    return case


def _stop_all_clocks(case: Case, actor: User, reason: str) -> None:
    for clock in case.clocks.exclude(status="stopped"):
        clocks.clock_stop(case=case, stage=clock.stage, ref=clock.ref, actor=actor, reason=reason)


def _close(case: Case, *, outcome: str, kind: str, actor: User, reason: str) -> None:
    case.outcome = outcome
    case.closed_at = timezone.now()
    _stop_all_clocks(case, actor, reason)
    _move(case, to=Stage.CLOSED, kind=kind, actor=actor, reason=reason, extra_fields=("outcome", "closed_at"))


@transaction.atomic
def case_withdraw(*, case: Case, actor: User, reason: str = "") -> Case:
    """The applicant withdraws before a ruling; the case closes at once."""
    case = _lock(case)
    _guard(case, actor, "withdraw")
    _close(case, outcome=Outcome.WITHDRAWN, kind=EventKind.WITHDRAWN, actor=actor, reason=reason.strip())
    return case


# --- Unit review ----------------------------------------------------------------------


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    return reason


@transaction.atomic
def case_unit_forward(*, case: Case, actor: User, meeting_date: dt.date, participants: str,
                      opinion: str) -> Case:
    """The unit's small-scope meeting agreed: the opinion is added and the
    application forwarded (盖章报送) to intake."""
    case = _lock(case)
    _guard(case, actor, "unit_forward")
    if not participants.strip() or not opinion.strip():
        raise ValidationError({"opinion": _("Record the meeting's participants and the unit's opinion.")})
    if meeting_date > timezone.localdate():
        raise ValidationError({"meeting_date": _("The meeting date cannot be in the future.")})
    UnitReview.objects.create(case=case, reviewer=actor, meeting_date=meeting_date, participants=participants,
                              opinion=opinion, decision=UnitReview.Decision.FORWARD)
    clocks.clock_stop(case=case, stage=TimeLimitStage.UNIT_REVIEW, actor=actor)
    _move(case, to=Stage.SUBMITTED, kind=EventKind.UNIT_FORWARDED, actor=actor, reason=opinion,
          data={"meeting_date": meeting_date.isoformat(), "participants": participants})
    clocks.clock_open(case=case, stage=TimeLimitStage.INTAKE)
    return case


@transaction.atomic
def case_unit_return(*, case: Case, actor: User, reason: str, meeting_date: dt.date | None = None,
                     participants: str = "") -> Case:
    """The unit returns the application to the applicant, with reasons; it
    goes back to draft (its number is kept)."""
    case = _lock(case)
    _guard(case, actor, "unit_return")
    reason = _require_reason(reason)
    UnitReview.objects.create(case=case, reviewer=actor, meeting_date=meeting_date or timezone.localdate(),
                              participants=participants, opinion=reason, decision=UnitReview.Decision.RETURN)
    clocks.clock_stop(case=case, stage=TimeLimitStage.UNIT_REVIEW, actor=actor, reason=reason)
    case.attachments.update(locked=False)
    _move(case, to=Stage.DRAFT, kind=EventKind.UNIT_RETURNED, actor=actor, reason=reason)
    return case


# --- Intake ---------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, case: Case, actor: User, reason: str = "") -> Case:
    case = _lock(case)
    _guard(case, actor, "accept")
    case.accepted_at = timezone.now()
    clocks.clock_stop(case=case, stage=TimeLimitStage.INTAKE, actor=actor)
    _move(case, to=Stage.VERIFICATION, kind=EventKind.ACCEPTED, actor=actor, reason=reason.strip(),
          extra_fields=("accepted_at",))
    clocks.clock_open(case=case, stage=TimeLimitStage.VERIFICATION)
    _issue_letter(case, "acceptance", actor)
    return case


def _clock_stage_for(stage: str) -> str:
    return TimeLimitStage.VERIFICATION if stage == Stage.VERIFICATION else TimeLimitStage.INTAKE


@transaction.atomic
def case_request_supplement(*, case: Case, actor: User, missing: str, due_date: dt.date | None = None) -> SupplementRequest:
    """补正: the applicant is asked for more; the stage clock stops until he
    answers. Without a date, the deadline is the policy's supplement limit."""
    case = _lock(case)
    _guard(case, actor, "request_supplement")
    missing = (missing or "").strip()
    if not missing:
        raise ValidationError({"missing": _("Say what is missing.")})
    today = timezone.localdate()
    if due_date is not None and due_date <= today:
        raise ValidationError({"due_date": _(DUE_DATE_PAST)})
    return_stage = case.stage
    clocks.clock_pause(case=case, stage=_clock_stage_for(return_stage), actor=actor, reason=missing)
    _move(case, to=Stage.SUPPLEMENT, kind=EventKind.SUPPLEMENT_REQUESTED, actor=actor, reason=missing)
    request = SupplementRequest.objects.create(case=case, requested_by=actor, missing=missing,
                                               due_date=due_date or today, return_stage=return_stage)
    # An explicit date replaces the policy's limit; either way the clock
    # reminds, escalates and shows in the clocks panel.
    clock = clocks.clock_open(case=case, stage=TimeLimitStage.SUPPLEMENT, ref=str(request.pk), due_date=due_date)
    if due_date is None and clock is not None:
        request.due_date = clock.due_date
        request.save(update_fields=["due_date"])
    _issue_letter(case, "supplement", actor, ref=str(request.pk),
                  context={"missing": missing, "due_date": request.due_date.isoformat()})
    return request


@transaction.atomic
def case_supplement(*, case: Case, actor: User, answer: str) -> Case:
    """The applicant answers; the paused clock resumes where it stopped."""
    case = _lock(case)
    _guard(case, actor, "supplement")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Describe what you supplied.")})
    request = case.supplement_requests.filter(answered_at__isnull=True).order_by("-id").first()
    request.answered_at = timezone.now()
    request.answer = answer
    request.save(update_fields=["answered_at", "answer", "updated_at"])
    clocks.clock_stop(case=case, stage=TimeLimitStage.SUPPLEMENT, ref=str(request.pk), actor=actor)
    case.attachments.update(locked=True)
    _move(case, to=request.return_stage, kind=EventKind.SUPPLEMENT_ANSWERED, actor=actor, reason=answer)
    clocks.clock_resume(case=case, stage=_clock_stage_for(request.return_stage), actor=actor)
    return case


@transaction.atomic
def case_not_accept(*, case: Case, actor: User, reason: str) -> Case:
    """不予受理, with reasons and a letter; the case closes at once."""
    case = _lock(case)
    _guard(case, actor, "not_accept")
    reason = _require_reason(reason)
    _close(case, outcome=Outcome.NOT_ACCEPTED, kind=EventKind.NOT_ACCEPTED, actor=actor, reason=reason)
    _issue_letter(case, "not_accepted", actor, context={"reason": reason})
    return case


# --- Attachments ------------------------------------------------------------------------


def _may_upload(case: Case, actor: User) -> str:
    """The kind of file ``actor`` may add now, or raise."""
    if case.stage == Stage.CLOSED:
        raise ApplicationError(_(CLOSED), code="closed")
    if _is_filer(case, actor) and case.stage in (Stage.DRAFT, Stage.SUPPLEMENT):
        return Attachment.Kind.SUPPLEMENT if case.stage == Stage.SUPPLEMENT else ""
    if case.stage == Stage.UNIT_REVIEW and _unit_reviewer(case, actor):
        return Attachment.Kind.UNIT_OPINION
    if not _is_filer(case, actor):
        raise ApplicationError(_(NOT_ALLOWED), code="permission_denied", status_code=403)
    raise ApplicationError(_(ILLEGAL_STAGE) % {"stage": Stage(case.stage).label}, code="illegal_transition",
                           status_code=409)


@transaction.atomic
def attachment_add(*, case: Case, actor: User, file, kind: str = Attachment.Kind.EVIDENCE) -> Attachment:
    case = _lock(case)
    forced_kind = _may_upload(case, actor)
    kind = forced_kind or kind
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": _("Unknown file kind.")})
    checked = check_upload(file, existing=case.attachments.count())
    name, content_type, size, sha = checked.name, checked.content_type, checked.size, checked.sha256
    attachment = Attachment(case=case, kind=kind, original_name=name, content_type=content_type, size=size,
                            sha256=sha, uploaded_by=actor, locked=False)
    with stored_upload(attachment.file, file):
        attachment.save()
        case_event_record(case=case, kind=EventKind.ATTACHMENT_ADDED, actor=actor, from_stage=case.stage,
                          data={"attachment": attachment.pk, "name": name, "sha256": sha})
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User) -> None:
    """A draft's file is removed, file and all; a submitted file never is."""
    case = _lock(attachment.case)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.locked:
        raise ApplicationError(_(FILE_LOCKED), code="locked", status_code=409)
    if attachment.uploaded_by_id != actor.pk:
        raise ApplicationError(_(NOT_ALLOWED), code="permission_denied", status_code=403)
    _may_upload(case, actor)
    storage, path = attachment.file.storage, attachment.file.name
    case_event_record(case=case, kind=EventKind.ATTACHMENT_REMOVED, actor=actor, from_stage=case.stage,
                      data={"name": attachment.original_name, "sha256": attachment.sha256})
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))


# --- For other apps' services (they hold the transaction and the lock) -----------------
case_lock = _lock
case_move = _move
case_close = _close
case_issue_letter = _issue_letter
case_allocate_number = _allocate_number
case_jurisdiction_of = _jurisdiction_of
