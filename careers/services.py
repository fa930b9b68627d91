"""What the organization department does with a ruling, and the two acts
that end or overrule it: the accountability organ's decision and the
revocation of a ruling obtained by fraud.

Every write here is one service: the case row locked first
(``cases.services.case_lock``), the actor's role and the record's state
checked (``_guard``, the same checks the pages and the API list), the rows
changed, a case event appended to the case's hash-chained history
(``case_event_record``), letters and clocks in the same transaction and
notifications after commit.

Rules relied on (``/work/shared`` research, cited where used):
- the ruling reaches the 组织人事部门 (昌宁 [P]: result "函告" to it);
- result uses are the version's ``result_use`` items (Kunming's six), each
  with the impact period the ruling set; an exempt ruling has none unless
  the version says so (``reviews.services._use_months``);
- 谈心谈话 after the ruling (seeds: "组织部门要及时与其面对面谈心谈话"), and
  a 跟踪回访 at the interval the version sets; no clock where the version
  sets no time limit (``deadlines.services.clock_open``);
- the accountability organ decides ("报相关机关作出免于问责、减轻处理或问责处理的
  决定", seeds); 问责条例 (2019) Art.8 lists the forms;
- 容错 is no shelter for fraud (seeds: "防止保护变庇护、宽容变纵容"): a ruling
  resting on false material is revoked by the deciding committee.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.selectors import user_has_role, users_with_role
from cases.models import Attachment, Case, Outcome, Stage
from cases.services import case_event_record, case_issue_letter, case_lock
from cases.uploads import check_upload, stored_upload
from core.exceptions import ApplicationError
from core.steps import step_guard
from deadlines import services as clocks
from deadlines.models import Clock
from letters.snapshot import date_cn, item_mark, result_words
from policies.models import TimeLimitStage, TimeUnit
from publication import redaction
from publication.models import Publication
from publication.services import publication_may_manage, publication_terms, publication_withdraw_for_case
from reviews.models import Mitigation, Result, Ruling
from reviews.selectors import countersign_awaited, inspector_may_handle

from .models import (
    AccountabilityDecision,
    AccountabilityForm,
    Decision,
    EventKind,
    FollowUp,
    ResultUse,
    Revocation,
    TypicalCase,
    UseApplication,
)

# --- Messages (English msgids; translated when raised) ---------------------------------
NOT_ALLOWED = gettext_lazy("You may not do this on this case.")
NOT_ACTIVE = gettext_lazy("This result use is no longer in force.")
REQUIRED = gettext_lazy("This field is required.")
FUTURE_DATE = gettext_lazy("The date cannot be in the future.")
BEFORE_RULING = gettext_lazy("The date cannot be before the ruling (%(date)s).")
NEXT_DUE_PAST = gettext_lazy("The next application must be due after today.")
FOLLOWUP_DONE = gettext_lazy("This follow-up has already been recorded or cancelled.")
RESPECTED_REQUIRED = gettext_lazy("Say whether the result uses were respected.")
NO_RULING = gettext_lazy("The case has no ruling in force.")
DECISION_EXISTS = gettext_lazy("The accountability decision has already been recorded.")
FORM_REQUIRED = gettext_lazy("Give the form of accountability.")
FORM_NOT_WITH_EXEMPT = gettext_lazy("No form of accountability goes with a decision not to hold accountable.")
BAD_CHOICE = gettext_lazy("Choose one of the options.")
NOT_REVOCABLE = gettext_lazy("Only a ruling granting tolerance (exempt or mitigated) can be revoked.")
ALREADY_REVOKED = gettext_lazy("The ruling has already been revoked.")
UNDER_REVIEW = gettext_lazy("The ruling is under review; decide the review first.")
NOT_PUBLISHED_OUTCOME = gettext_lazy("Only a published outcome can be marked as a typical case.")
WRITE_UP_LEAKS = gettext_lazy("The write-up still identifies someone after redaction: %(terms)s.")

# Results whose uses reach the organization department.
TOLERATED = (Result.EXEMPT, Result.MITIGATED)
# What the accountability decision is expected to be, after each ruling.
FOLLOWS = {
    Result.EXEMPT: {Decision.EXEMPT},
    Result.MITIGATED: {Decision.LIGHTER, Decision.REDUCED},
    Result.REJECTED: {Decision.ACCOUNTABLE},
}


# --- Who acts ---------------------------------------------------------------------------


def is_org_dept(case: Case, user: User) -> bool:
    """The organization department over the case's unit."""
    return user_has_role(user, Role.ORG_DEPT, case.unit)


def is_inspector(case: Case, user: User) -> bool:
    """An inspector of the jurisdiction who need not recuse himself records
    the accountability organ's decision (the discipline-inspection side
    follows the case to its end)."""
    return inspector_may_handle(case=case, user=user)


def is_committee(case: Case, user: User) -> bool:
    """The deciding body revokes what it decided."""
    return user_has_role(user, Role.COMMITTEE, case.unit)


def _deny() -> ApplicationError:
    return ApplicationError(_(NOT_ALLOWED), code="permission_denied", status_code=403)


def current_ruling(case: Case) -> Ruling | None:
    return Ruling.objects.filter(case=case, is_current=True).first()


# --- Refusals: one place, read by the guards and the pages ----------------------------------


def revoke_refusal(case: Case, ruling: Ruling | None) -> str | None:
    if case.stage == Stage.REVIEW:
        return str(UNDER_REVIEW)
    if ruling is None:
        return str(NO_RULING) if not Revocation.objects.filter(case=case).exists() else str(ALREADY_REVOKED)
    if ruling.result not in TOLERATED:
        return str(NOT_REVOCABLE)
    return None


def decision_refusal(case: Case, ruling: Ruling | None) -> str | None:
    if AccountabilityDecision.objects.filter(case=case).exists():
        return str(DECISION_EXISTS)
    if ruling is None and not Revocation.objects.filter(case=case).exists():
        return str(NO_RULING)
    return None


def _refuse(message: str | None, code: str = "illegal_transition") -> None:
    if message is not None:
        raise ApplicationError(message, code=code, status_code=409)


# --- Small validators -----------------------------------------------------------------------


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _(REQUIRED)})
    return value


def _past(value: dt.date | None, field: str, *, not_before: dt.date | None = None) -> dt.date:
    if value is None:
        raise ValidationError({field: _(REQUIRED)})
    if value > timezone.localdate():
        raise ValidationError({field: _(FUTURE_DATE)})
    if not_before is not None and value < not_before:
        raise ValidationError({field: _(BEFORE_RULING) % {"date": not_before.isoformat()}})
    return value


def _org_dept_name(case: Case) -> str:
    """The addressee of the result-use notice: the home unit of the
    jurisdiction's organization department, else the generic name the rules
    use (蓝田县 Art.4 [V]: "组织（人事）部门")."""
    holder = users_with_role(role=Role.ORG_DEPT, org_unit=case.unit).select_related("org_unit").first()
    return holder.org_unit.name if holder is not None and holder.org_unit_id else "组织（人事）部门"


def _period_text(months: int | None) -> str:
    return f"{months}个月" if months else ""


# --- The ruling reaches the organization department -------------------------------------------


def _record_ref(ruling: Ruling) -> str:
    return f"uses-{ruling.pk}"


@transaction.atomic
def obligations_open(*, case_id: int) -> list[ResultUse]:
    """The current ruling's result uses become obligations towards the
    cadre, the organization department gets the result-use notice (结果运用
    通知), a clock to record how the uses were applied and a 谈心谈话 task.
    Uses of a ruling no longer in force (a review changed it) are withdrawn.
    Idempotent: a ruling whose uses were sent is left alone, so the beat
    sweep and the event subscriber may both call it."""
    case = case_lock(Case(pk=case_id))
    if countersign_awaited(case) is not None:
        # Issue 16: a joint decision reaches the department with its
        # countersign (the countersign's event brings it here again).
        return []
    ruling = current_ruling(case)
    stale = ResultUse.objects.filter(case=case, status=ResultUse.Status.ACTIVE)
    if ruling is not None:
        stale = stale.exclude(ruling=ruling)
    if stale.exists():
        _withdraw(case, list(stale.select_for_update()), actor=None,
                  reason=_("The ruling was replaced by the review decision."))
    if ruling is None or ruling.result not in TOLERATED or ruling.obligations.exists():
        return []
    uses = list(ruling.uses.select_related("policy_item").order_by("policy_item__number", "id"))
    if not uses:
        return []
    start = ruling.decided_on
    period_clocks: dict[int, Clock] = {}
    created = []
    for use in uses:
        months = use.duration_months or None
        clock = None
        if months:
            # One clock per length: uses that end together remind once.
            if months not in period_clocks:
                period_clocks[months] = clocks.clock_open_span(
                    case=case, stage=TimeLimitStage.USE_PERIOD, amount=months, unit=TimeUnit.MONTH,
                    ref=f"{_record_ref(ruling)}-{months}m", start=start)
            clock = period_clocks[months]
        item = use.policy_item
        created.append(ResultUse(
            case=case, ruling=ruling, ruling_use=use, cadre_id=case.applicant_id, jurisdiction=case.jurisdiction,
            policy_item=item, title=item.title or item.text[:200], text=item.text, result=ruling.result,
            impact_months=months, starts_on=start, ends_on=clock.due_date if clock else None, period_clock=clock,
        ))
    ResultUse.objects.bulk_create(created)
    clocks.clock_open(case=case, stage=TimeLimitStage.RESULT_USE_RECORD, ref=_record_ref(ruling))
    talk = FollowUp.objects.create(case=case, ruling=ruling, kind=FollowUp.Kind.TALK)
    talk.clock = clocks.clock_open(case=case, stage=TimeLimitStage.FOLLOWUP_TALK, ref=f"followup-{talk.pk}")
    talk.save(update_fields=["clock", "updated_at"])
    case_issue_letter(case, "result_use_notice", None, ref=str(ruling.pk), context={
        "recipient": _org_dept_name(case),
        "result": ruling.result,
        # The ruling's own words, 从轻 or 减轻 apart (issue 16), as the 认定书.
        "result_label": result_words(ruling.result, ruling.mitigation),
        "decided_on": ruling.decided_on.isoformat(),
        "decided_on_cn": date_cn(ruling.decided_on),
        # A use nobody has confirmed against the 办法 says so (issue 16).
        "uses": [{"title": u.title, "text": u.text, "period": _period_text(u.impact_months),
                  "mark": item_mark(u.policy_item),
                  "until_cn": date_cn(u.ends_on) if u.ends_on else ""} for u in created],
    })
    case_event_record(case=case, kind=EventKind.USES_SENT, actor=None, from_stage=case.stage,
                      data={"ruling": ruling.pk, "uses": [u.pk for u in created]})
    return created


def obligations_open_sweep() -> int:
    """Every current tolerating ruling with result uses and no obligations
    yet, and every active obligation of a ruling no longer in force: one
    query each, then one transaction per case. The beat's catch-up for the
    event subscriber (a lost task delays the notice, never loses it)."""
    pending = set(
        Ruling.objects.filter(is_current=True, result__in=TOLERATED, uses__isnull=False, obligations__isnull=True)
        .values_list("case_id", flat=True)
    )
    pending |= set(
        ResultUse.objects.filter(status=ResultUse.Status.ACTIVE, ruling__is_current=False)
        .values_list("case_id", flat=True)
    )
    for case_id in sorted(pending):
        obligations_open(case_id=case_id)
    return len(pending)


# --- Recording how a use was applied -------------------------------------------------------------


@transaction.atomic
def use_apply(*, obligation: ResultUse, actor: User, occasion: str, outcome: str, applied_on: dt.date,
              note: str = "", next_due: dt.date | None = None) -> UseApplication:
    """The organization department records how a use was applied when it
    came up ("2026年度考核：未受影响"), optionally with the date the next
    application is due (a clock reminds it). Once every use of the ruling
    has one, the recording time limit stops."""
    case = case_lock(obligation.case)
    obligation = ResultUse.objects.select_for_update().get(pk=obligation.pk)
    if not is_org_dept(case, actor):
        raise _deny()
    if obligation.status != ResultUse.Status.ACTIVE:
        _refuse(str(NOT_ACTIVE), code="not_active")
    occasion, outcome = _text(occasion, "occasion"), _text(outcome, "outcome")
    applied_on = _past(applied_on, "applied_on", not_before=obligation.starts_on)
    if next_due is not None and next_due <= timezone.localdate():
        raise ValidationError({"next_due": _(NEXT_DUE_PAST)})
    application = UseApplication.objects.create(
        obligation=obligation, occasion=occasion, outcome=outcome, applied_on=applied_on,
        note=(note or "").strip(), next_due=next_due, recorded_by=actor,
    )
    ref = f"use-{obligation.pk}"
    clocks.clock_stop(case=case, stage=TimeLimitStage.USE_APPLICATION, ref=ref, actor=actor)
    if next_due is not None:
        clocks.clock_open_span(case=case, stage=TimeLimitStage.USE_APPLICATION, ref=ref, unit=TimeUnit.CALENDAR_DAY,
                               amount=(next_due - timezone.localdate()).days)
    if not ResultUse.objects.filter(ruling_id=obligation.ruling_id, status=ResultUse.Status.ACTIVE,
                                    applications__isnull=True).exists():
        clocks.clock_stop(case=case, stage=TimeLimitStage.RESULT_USE_RECORD, actor=actor,
                          ref=f"uses-{obligation.ruling_id}")
    case_event_record(
        case=case, kind=EventKind.USE_APPLIED, actor=actor, from_stage=case.stage, reason=application.note,
        data={"obligation": obligation.pk, "use": obligation.title, "occasion": occasion, "outcome": outcome,
              "applied_on": applied_on.isoformat(), "next_due": next_due.isoformat() if next_due else None},
    )
    return application


@transaction.atomic
def use_period_end(*, clock_id: int) -> int:
    """An impact period that has ended closes its uses (the deadlines
    sweep calls this once the period clock's day has passed). Idempotent:
    a stopped clock or closed uses are left alone. Returns the uses closed."""
    clock = Clock.objects.filter(pk=clock_id).only("pk", "case_id", "ref", "stage").first()
    if clock is None:
        return 0
    case = case_lock(Case(pk=clock.case_id))
    clock = Clock.objects.select_for_update().get(pk=clock_id)
    if clock.status == Clock.Status.STOPPED:
        return 0
    ended = list(ResultUse.objects.select_for_update().filter(period_clock=clock, status=ResultUse.Status.ACTIVE))
    now = timezone.now()
    for use in ended:
        use.status, use.closed_at = ResultUse.Status.ENDED, now
    if ended:
        ResultUse.objects.bulk_update(ended, ["status", "closed_at", "updated_at"])
    clocks.clock_stop(case=case, stage=clock.stage, ref=clock.ref, reason="period ended")
    if ended:
        case_event_record(case=case, kind=EventKind.USE_ENDED, actor=None, from_stage=case.stage,
                          data={"uses": [u.pk for u in ended], "titles": [u.title for u in ended],
                                "ended_on": clock.due_date.isoformat() if clock.due_date else None})
    return len(ended)


# --- Follow-up care ---------------------------------------------------------------------------------


@transaction.atomic
def followup_record(*, followup: FollowUp, actor: User, held_on: dt.date, participants: str, summary: str,
                    uses_respected: bool | None = None) -> FollowUp:
    """Record the 谈心谈话 (date, participants, summary); it schedules the
    跟踪回访 at the version's interval. The visit also says whether the
    result uses were respected."""
    case = case_lock(followup.case)
    followup = FollowUp.objects.select_for_update().select_related("ruling").get(pk=followup.pk)
    if not is_org_dept(case, actor):
        raise _deny()
    if followup.status != FollowUp.Status.OPEN:
        _refuse(str(FOLLOWUP_DONE), code="already_done")
    followup.held_on = _past(held_on, "held_on", not_before=followup.ruling.decided_on)
    followup.participants = _text(participants, "participants")
    followup.summary = _text(summary, "summary")
    if followup.kind == FollowUp.Kind.VISIT:
        if uses_respected is None:
            raise ValidationError({"uses_respected": _(RESPECTED_REQUIRED)})
        followup.uses_respected = bool(uses_respected)
    followup.status, followup.recorded_by = FollowUp.Status.DONE, actor
    followup.save(update_fields=["held_on", "participants", "summary", "uses_respected", "status", "recorded_by",
                                 "updated_at"])
    stage = TimeLimitStage.FOLLOWUP_TALK if followup.kind == FollowUp.Kind.TALK else TimeLimitStage.FOLLOWUP_VISIT
    clocks.clock_stop(case=case, stage=stage, ref=f"followup-{followup.pk}", actor=actor)
    if followup.kind == FollowUp.Kind.TALK:
        visit, _created = FollowUp.objects.get_or_create(case=case, ruling=followup.ruling, kind=FollowUp.Kind.VISIT)
        visit.clock = clocks.clock_open(case=case, stage=TimeLimitStage.FOLLOWUP_VISIT, ref=f"followup-{visit.pk}",
                                        start=followup.held_on)
        visit.save(update_fields=["clock", "updated_at"])
    case_event_record(case=case, kind=followup.event_kind, actor=actor, from_stage=case.stage,
                      data={"followup": followup.pk, "held_on": followup.held_on.isoformat(),
                            "participants": followup.participants, "uses_respected": followup.uses_respected})
    return followup


# --- The accountability organ's decision --------------------------------------------------------


@transaction.atomic
def accountability_decision_record(*, case: Case, actor: User, organ: str, decision: str, decided_on: dt.date,
                                   document_number: str, form: str = "", note: str = "",
                                   document=None) -> AccountabilityDecision:
    """The 问责机关's own decision on the case, with its document number and
    date, set beside the ruling: ``follows_ruling`` says whether it is the
    decision the ruling proposed (exempt → 免予问责; mitigated → 从轻 or 减轻;
    rejected or revoked → 问责). ``document``: the decision itself (决定书),
    stored with the case's files after the checks every upload passes
    (``cases.uploads.check_upload``: count, size, type sniffed from the
    content); a refused file changes nothing."""
    case = case_lock(case)
    step_guard(case, actor, "record_accountability_decision")
    ruling = current_ruling(case)
    if decision not in Decision.values:
        raise ValidationError({"decision": _(BAD_CHOICE)})
    form = form or ""
    if form not in AccountabilityForm.values:
        raise ValidationError({"form": _(BAD_CHOICE)})
    if decision == Decision.EXEMPT and form:
        raise ValidationError({"form": _(FORM_NOT_WITH_EXEMPT)})
    if decision == Decision.ACCOUNTABLE and not form:
        raise ValidationError({"form": _(FORM_REQUIRED)})
    proposed = ruling.result if ruling is not None else Result.REJECTED  # revoked: accountability proceeds
    expected = FOLLOWS.get(proposed, set())
    if ruling is not None and ruling.result == Result.MITIGATED and ruling.mitigation:
        # The ruling said which (reviews.models.Mitigation): 从轻 or 减轻.
        expected = {Decision.LIGHTER if ruling.mitigation == Mitigation.LIGHTER else Decision.REDUCED}
    record = AccountabilityDecision(
        case=case, organ=_text(organ, "organ"), decision=decision, form=form,
        decided_on=_past(decided_on, "decided_on"), document_number=_text(document_number, "document_number"),
        note=(note or "").strip(), ruling=ruling, follows_ruling=decision in expected, recorded_by=actor,
    )
    record.document = _attach_document(case, actor, document)
    record.save()
    case_event_record(
        case=case, kind=EventKind.ACCOUNTABILITY_DECIDED, actor=actor, from_stage=case.stage, reason=record.note,
        data={"decision": decision, "form": form, "organ": record.organ, "document_number": record.document_number,
              "decided_on": record.decided_on.isoformat(), "follows_ruling": record.follows_ruling,
              "document": ({"attachment": record.document.pk, "name": record.document.original_name,
                            "sha256": record.document.sha256} if record.document else None)},
    )
    return record


def _attach_document(case: Case, actor: User, file) -> Attachment | None:
    """The decision document with the case's files, locked (a record, not
    the applicant's material); the checks every upload passes first."""
    if not file:
        return None
    checked = check_upload(file, field="document", existing=case.attachments.count())
    attachment = Attachment(case=case, kind=Attachment.Kind.OTHER, original_name=checked.name,
                            content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                            uploaded_by=actor, locked=True)
    # stored_upload removes the file if anything later in the block fails;
    # a failure after it (the transaction rolls back) leaves an orphan file,
    # as for every other upload of a step.
    with stored_upload(attachment.file, file):
        attachment.save()
    return attachment


# --- Revocation (撤销容错认定) ---------------------------------------------------------------------


def _withdraw(case: Case, uses: list[ResultUse], *, actor: User | None, reason: str) -> None:
    now = timezone.now()
    for use in uses:
        use.status, use.closed_at, use.withdrawn_reason = ResultUse.Status.WITHDRAWN, now, reason
        clocks.clock_stop(case=case, stage=TimeLimitStage.USE_APPLICATION, ref=f"use-{use.pk}", actor=actor)
        if use.period_clock_id:
            clocks.clock_stop(case=case, stage=TimeLimitStage.USE_PERIOD, ref=f"uses-{use.ruling_id}-"
                              f"{use.impact_months}m", actor=actor)
    if uses:
        ResultUse.objects.bulk_update(uses, ["status", "closed_at", "withdrawn_reason", "updated_at"])
    for ruling_id in {u.ruling_id for u in uses}:
        clocks.clock_stop(case=case, stage=TimeLimitStage.RESULT_USE_RECORD, ref=f"uses-{ruling_id}", actor=actor)
    for followup in FollowUp.objects.select_for_update().filter(case=case, status=FollowUp.Status.OPEN,
                                                                 ruling_id__in={u.ruling_id for u in uses}):
        stage = TimeLimitStage.FOLLOWUP_TALK if followup.kind == FollowUp.Kind.TALK else TimeLimitStage.FOLLOWUP_VISIT
        clocks.clock_stop(case=case, stage=stage, ref=f"followup-{followup.pk}", actor=actor)
        followup.status = FollowUp.Status.CANCELLED
        followup.save(update_fields=["status", "updated_at"])
    if uses:
        case_event_record(case=case, kind=EventKind.USES_WITHDRAWN, actor=actor, from_stage=case.stage,
                          reason=reason, data={"uses": [u.pk for u in uses], "titles": [u.title for u in uses]})


@transaction.atomic
def ruling_revoke(*, case: Case, actor: User, held_on: dt.date, participants: str, reason: str) -> Revocation:
    """撤销容错认定: the committee, in a recorded meeting, finds the ruling
    rests on false material. The ruling stays in the record but is no
    longer in force; the case's outcome becomes 不予容错 (accountability
    proceeds, and the accountability organ's decision is recorded next);
    the result uses are withdrawn, open follow-ups cancelled, a live
    publication of the outcome withdrawn, and the 撤销决定书 issued to the
    cadre with a copy to the organization department."""
    case = case_lock(case)
    step_guard(case, actor, "revoke_ruling")
    ruling = Ruling.objects.select_for_update().get(pk=current_ruling(case).pk)
    reason = _text(reason, "reason")
    revocation = Revocation.objects.create(
        case=case, ruling=ruling, held_on=_past(held_on, "held_on", not_before=ruling.decided_on),
        participants=_text(participants, "participants"), reason=reason, recorded_by=actor,
    )
    ruling.is_current = False
    ruling.save(update_fields=["is_current", "updated_at"])
    previous = case.outcome
    case.outcome = Outcome.REJECTED
    case.save(update_fields=["outcome", "updated_at"])
    uses = list(ResultUse.objects.select_for_update().filter(case=case, status=ResultUse.Status.ACTIVE)
                .order_by("policy_item__number", "id"))
    titles = [u.title for u in uses]
    _withdraw(case, uses, actor=actor, reason=_("The ruling was revoked."))
    withdrawn = publication_withdraw_for_case(case=case, actor=actor, reason=_("The ruling was revoked."))
    original = case.letters.filter(kind="ruling").order_by("-id").values_list("number", flat=True).first() or ""
    case_issue_letter(case, "revocation", actor, ref=str(ruling.pk), context={
        "reason": reason, "held_on": revocation.held_on.isoformat(), "held_on_cn": date_cn(revocation.held_on),
        "original_number": original, "uses": titles, "cc": [case.unit.name, _org_dept_name(case)],
    })
    case_event_record(
        case=case, kind=EventKind.RULING_REVOKED, actor=actor, from_stage=case.stage, reason=reason,
        data={"ruling": ruling.pk, "previous_outcome": previous, "held_on": revocation.held_on.isoformat(),
              "participants": revocation.participants, "uses_withdrawn": len(uses),
              "publications_withdrawn": withdrawn},
    )
    return revocation


# --- 典型案例 ---------------------------------------------------------------------------------


@transaction.atomic
def typical_case_mark(*, publication: Publication, actor: User, write_up: str) -> TypicalCase:
    """An administrator of the publication marks a published outcome as a
    typical case with a write-up (典型事迹). The write-up is redacted with the
    publication's own hidden terms and must pass the same leak check as the
    publication (the applicant's name, ID number and phone whatever was
    hidden); marking again replaces the write-up."""
    publication = Publication.objects.select_for_update().select_related("case__applicant").get(pk=publication.pk)
    if not publication_may_manage(case=publication.case, user=actor):
        raise _deny()
    if publication.kind != Publication.Kind.OUTCOME or publication.status != Publication.Status.PUBLISHED:
        _refuse(str(NOT_PUBLISHED_OUTCOME), code="not_published")
    write_up = _text(write_up, "write_up")
    redacted = redaction.redact(write_up, [t for t, _s in publication_terms(publication)])
    applicant = publication.case.applicant
    identifying = publication_terms(publication) + [
        (applicant.full_name, "name"), (applicant.id_number, "id_number"), (applicant.phone, "phone")]
    leaks = redaction.leak_check([("write_up", redacted)], [(t, s) for t, s in identifying if t])
    if leaks:
        raise ValidationError({"write_up": _(WRITE_UP_LEAKS) % {"terms": "、".join(sorted({x.term for x in leaks}))}})
    typical, _created = TypicalCase.objects.update_or_create(
        publication=publication,
        defaults={"write_up": write_up, "published_write_up": redacted, "recorded_by": actor})
    return typical
