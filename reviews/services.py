"""Verification, defence, deliberation, ruling, feedback, filing and review
(DESIGN §2, issue 5).

Every step locks the case (``cases.services.case_lock``), checks the
registered action (``case_guard``: stage and actor), writes its record and a
history event (``case_move`` / ``case_event_record``), opens or stops the
stage clocks, and leaves letters and notifications to run after commit.
Which action is legal from which stage, and for whom, is registered in
``reviews.apps`` from ``reviews.permissions``.
"""

import datetime as dt
import math
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, Role, User
from accounts.selectors import user_has_role
from cases.models import Attachment, Case, Origin, Stage
from cases.services import (
    case_allocate_number,
    case_event_record,
    case_guard,
    case_issue_letter,
    case_jurisdiction_of,
    case_lock,
    case_move,
)
from cases.uploads import check_upload, stored_upload
from core.exceptions import ApplicationError
from deadlines import services as clocks
from deadlines.models import Clock
from policies import procedure
from policies.models import PolicyItem, TimeLimitStage
from policies.selectors import policy_version_in_force, stage_time_limit_stated

from .models import (
    Assessment,
    Assignment,
    DefenceEntry,
    EventKind,
    Meeting,
    Mitigation,
    Notice,
    OptionalStep,
    PreliminaryReport,
    Recusal,
    Result,
    ReviewRequest,
    Ruling,
    RulingUse,
    VerificationRecord,
    Vote,
)
from .selectors import (
    BUILTIN_DISTINCTIONS,
    BUILTIN_FACTORS,
    COUNTERSIGN_AWAITED,
    RECUSAL_REASONS,
    assessment_blockers,
    countersign_awaited,
    eligible_members_for,
    first_ruling_voter_ids,
    inspector_must_recuse,
    meeting_current,
)

# --- Messages (English msgids; translated when raised) ---------------------------
MIN_INSPECTORS = gettext_lazy("At least two inspectors must be assigned to a case.")
NOT_INSPECTOR = gettext_lazy("%(name)s is not an inspector of this case's jurisdiction.")
MUST_RECUSE = gettext_lazy("%(name)s cannot be assigned: he must recuse himself (%(reason)s).")
ALREADY_RELATED = gettext_lazy("%(name)s is already marked as related to this case.")
TEXT_REQUIRED = gettext_lazy("This field is required.")
DATE_IN_FUTURE = gettext_lazy("The date cannot be in the future.")
ITEM_NOT_IN_VERSION = gettext_lazy("“%(item)s” is not an item of this case's policy version.")
CONDITION_UNANSWERED = gettext_lazy("Say whether condition %(number)s (%(title)s) is met, with reasons.")
NOT_POSITIVE = gettext_lazy("The scenario must be an item of the positive list.")
NOT_NEGATIVE = gettext_lazy("Only negative-list items can be marked as applying.")
CONTRADICTION = gettext_lazy(
    "Condition %(condition_number)s “%(condition)s” is marked as met, but negative-list item "
    "%(negative_number)s “%(negative)s” is ticked as applying: the two contradict each other. "
    "Correct one of them."
)
NEGATIVE_NOTE_REQUIRED = gettext_lazy(
    "Give the reasons of the negative-list comparison: why each ticked item applies, or why none does."
)
JUDGEMENT_REQUIRED = gettext_lazy("Give the judgement for “%(label)s”.")
NO_ASSESSMENT = gettext_lazy("Fill in the assessment before the preliminary report.")
BLOCKED_RESULT = gettext_lazy(
    "“%(result)s” cannot be recommended or ruled: %(why)s."
)
CONDITION_UNMET = gettext_lazy("condition %(number)s (%(title)s) is not met")
NEGATIVE_APPLIES = gettext_lazy("negative-list item %(number)s (%(title)s) applies")
DEFENCE_LATE = gettext_lazy("The time limit for the defence ended on %(due)s.")
DEFENCE_NOT_DUE = gettext_lazy(
    "Only the applicant may waive the defence until its time limit (%(due)s) has passed."
)
NOT_COMMITTEE = gettext_lazy("%(name)s is not a committee member who may sit on this decision.")
NO_MEETING = gettext_lazy("Record the deliberation meeting first.")
NOT_PRESENT = gettext_lazy("%(name)s was not recorded as present at the meeting.")
ALREADY_VOTED = gettext_lazy("%(name)s has already voted.")
VOTE_FOR_OTHERS = gettext_lazy(
    "You may vote only for yourself; a vote for %(name)s may be recorded only by the member who recorded "
    "the meeting, and %(name)s then confirms it."
)
NOTHING_TO_CONFIRM = gettext_lazy("There is no vote recorded for you that waits for your confirmation.")
VOTES_UNCONFIRMED = gettext_lazy("Votes recorded for %(names)s are not yet confirmed by the members.")
MEETING_EXISTS = gettext_lazy(
    "A meeting is already recorded for this decision; void it (with the reason) to record another."
)
MEETING_RULED = gettext_lazy("This meeting has made its ruling and cannot be voided.")
NO_QUORUM = gettext_lazy(
    "No quorum: %(present)s of %(total)s members were present, %(required)s are required."
)
NO_MAJORITY = gettext_lazy(
    "“%(result)s” has %(votes)s of %(present)s votes; a ruling needs a majority of the members present."
)
BAD_MITIGATION = gettext_lazy("Say whether the mitigated result is lighter (从轻) or reduced (减轻); only a mitigated "
                              "result says so.")
MITIGATION_REQUIRED = gettext_lazy("A mitigated ruling must say whether it is lighter (从轻) or reduced (减轻).")
PRELIMINARY_NOTICE_MISSING = gettext_lazy(
    "This 办法 requires the written notice of the preliminary opinion (初步认定意见告知书) before the defence."
)
HEARING_REQUIRED = gettext_lazy(
    "This 办法 requires a public hearing (听证会) for a matter of major public interest: record it first."
)
NO_SHARE = gettext_lazy(
    "“%(result)s” has %(votes)s of %(present)s votes; under this 办法 a ruling needs %(share)s of the members present."
)
NOT_RESULT_USE = gettext_lazy("Result uses must be result-use items of the policy version.")
EXEMPT_NO_PERIOD = gettext_lazy(
    "The policy version sets no impact period for an exempt ruling (“%(use)s”): leave the months empty."
)
COUNTERSIGN_NOT_JOINT = gettext_lazy("Under this 办法 the ruling is not made jointly: there is nothing to countersign.")
ALREADY_COUNTERSIGNED = gettext_lazy("The ruling is already countersigned and its letter issued.")
REVIEW_NOT_AWAITING = gettext_lazy("There is no review decision awaiting the countersign.")
ALREADY_DONE = gettext_lazy("This has already been recorded for the current ruling.")
REVIEW_ONCE = gettext_lazy("A review can be requested only once.")
REVIEW_LATE = gettext_lazy("The time limit for requesting a review ended on %(due)s.")
NO_POLICY = gettext_lazy("No published fault-tolerance policy is in force for %(unit)s.")
NOT_INSPECTOR_OF_UNIT = gettext_lazy("Only an inspector of the unit's jurisdiction may open a proactive case.")
CADRE_IS_YOU = gettext_lazy("You cannot open a proactive case about yourself.")


# --- Helpers ----------------------------------------------------------------------


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _(TEXT_REQUIRED)})
    return value


def _past_date(value: dt.date | None, field: str) -> dt.date:
    value = value or timezone.localdate()
    if value > timezone.localdate():
        raise ValidationError({field: _(DATE_IN_FUTURE)})
    return value


def _attach(case: Case, actor: User, file, kind: str = Attachment.Kind.EVIDENCE, *,
            internal: bool = False) -> Attachment | None:
    """Store an uploaded record with the case's files (content-sniffed, like
    the applicant's uploads); files added after submission are locked.
    ``internal``: the inspectors' own records, for the handling staff only."""
    if not file:
        return None
    checked = check_upload(file, existing=case.attachments.count())
    name, content_type, size, sha = checked.name, checked.content_type, checked.size, checked.sha256
    attachment = Attachment(case=case, kind=kind, original_name=name, content_type=content_type, size=size,
                            sha256=sha, uploaded_by=actor, locked=True, internal=internal)
    with stored_upload(attachment.file, file):
        attachment.save()
    return attachment


def _stop(case: Case, stage: str, actor: User, ref: str = "") -> None:
    clocks.clock_stop(case=case, stage=stage, actor=actor, ref=ref)


def _clock_due(case: Case, stage: str) -> dt.date | None:
    clock = Clock.objects.filter(case=case, stage=stage).order_by("-id").first()
    return clock.due_date if clock else None


def _items(case: Case, ids, kind: str | None = None) -> list[PolicyItem]:
    ids = [int(getattr(i, "pk", i)) for i in (ids or [])]
    found = {i.pk: i for i in PolicyItem.objects.filter(version=case.policy_version_id, pk__in=ids)}
    out = []
    for pk in ids:
        item = found.get(pk)
        if item is None:
            raise ValidationError({"items": _(ITEM_NOT_IN_VERSION) % {"item": pk}})
        if kind and item.kind != kind:
            raise ValidationError({"items": _(ITEM_NOT_IN_VERSION) % {"item": str(item)}})
        out.append(item)
    return out


def _check_result(result: str, blockers: list[str]) -> None:
    """A condition unmet or a negative-list item applying rules out any
    tolerance: exempt and mitigated are both 容错 results, and the negative
    list is the list of 不予容错情形 (e.g. 大理州 2019: 屡错屡犯 “不得从轻、
    减轻或免予责任追究”). Only “rejected” remains."""
    if result not in Result.values:
        raise ValidationError({"result": _("Choose a result.")})
    if result != Result.REJECTED and blockers:
        raise ApplicationError(
            _(BLOCKED_RESULT) % {"result": Result(result).label, "why": "；".join(blockers)},
            code="result_blocked", extra={"blockers": blockers},
        )


def _blocker_texts(*, conditions_unmet, negatives) -> list[str]:
    out = [_(CONDITION_UNMET) % {"number": i.number, "title": i.title or i.text[:20]} for i in conditions_unmet]
    out += [_(NEGATIVE_APPLIES) % {"number": i.number, "title": i.title or i.text[:20]} for i in negatives]
    return out


# --- Proactive cases -------------------------------------------------------------


@transaction.atomic
def case_open_proactive(*, actor: User, applicant: User, unit: OrgUnit, title: str, matter: str = "",
                        trigger: str = "", accountability_considered: str = "",
                        facts_reasons: str = "") -> Case:
    """主动容错: an inspector, during an accountability investigation,
    opens a case for a named cadre and unit (Kunming, Jiangsu). It starts at
    verification under the policy in force today, numbered at once; the
    cadre sees it as his case."""
    if not user_has_role(actor, Role.INSPECTOR, unit):
        raise ApplicationError(_(NOT_INSPECTOR_OF_UNIT), code="permission_denied", status_code=403)
    if applicant.pk == actor.pk:
        raise ApplicationError(_(CADRE_IS_YOU), code="permission_denied", status_code=403)
    version = policy_version_in_force(org_unit=unit, on_date=timezone.localdate())
    if version is None:
        raise ApplicationError(_(NO_POLICY) % {"unit": unit.name}, code="no_policy")
    title = _text(title, "title")
    case = Case(
        origin=Origin.PROACTIVE, stage=Stage.VERIFICATION, applicant=applicant, created_by=actor, unit=unit,
        jurisdiction=case_jurisdiction_of(unit), policy_version=version, title=title, matter=matter.strip(),
        trigger=trigger.strip(), accountability_considered=accountability_considered.strip(),
        facts_reasons=facts_reasons.strip(), submitted_at=timezone.now(), accepted_at=timezone.now(),
    )
    case.save()
    case = case_lock(case)
    case_allocate_number(case)
    parts = [case.number, case.title, applicant.full_name, applicant.username, unit.name, case.matter,
             case.facts_reasons]
    case.search_text = "\n".join(p for p in parts if p)
    case.save(update_fields=["number", "number_year", "number_seq", "search_text"])
    case_event_record(case=case, kind=EventKind.PROACTIVE_OPENED, actor=actor, from_stage="",
                      to_stage=Stage.VERIFICATION, reason=case.trigger,
                      data={"applicant": applicant.pk, "unit": unit.pk})
    clocks.clock_open(case=case, stage=TimeLimitStage.VERIFICATION)
    return case


# --- Assignment and recusal --------------------------------------------------------


def _active_inspectors_sync(case: Case, count: int | None = None) -> None:
    """The case's stored count of active inspectors (``Case.active_inspectors``,
    the supervisor's queue reads it off an index), after its assignments
    changed; inside the changing service's transaction, the case locked."""
    if count is None:
        count = Assignment.objects.filter(case=case, active=True).count()
    case.active_inspectors = count
    Case.objects.filter(pk=case.pk).update(active_inspectors=count)


@transaction.atomic
def recusal_mark(*, case: Case, actor: User, user: User, reason: str) -> Recusal:
    """Mark ``user`` as related to the case (回避): he may neither see it as
    an inspector nor be assigned; an active assignment of his ends."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="mark_recusal")
    reason = _text(reason, "reason")
    if Recusal.objects.filter(case=case, user=user).exists():
        raise ValidationError({"user": _(ALREADY_RELATED) % {"name": user.display_name}})
    recusal = Recusal.objects.create(case=case, user=user, reason=reason, marked_by=actor)
    Assignment.objects.filter(case=case, inspector=user, active=True).update(
        active=False, ended_reason=reason[:200], updated_at=timezone.now()
    )
    _active_inspectors_sync(case)
    case_event_record(case=case, kind=EventKind.RECUSAL_MARKED, actor=actor, from_stage=case.stage,
                      reason=reason, data={"user": user.pk, "name": user.display_name})
    return recusal


@transaction.atomic
def case_assign(*, case: Case, actor: User, inspectors: list[User], reason: str = "") -> list[Assignment]:
    """A supervisor sets the case's inspectors (at least two, none who must
    recuse). Inspectors left out are unassigned with ``reason``; the history
    keeps every assignment."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="assign")
    wanted = list({u.pk: u for u in inspectors}.values())
    if len(wanted) < 2:
        raise ValidationError({"inspectors": _(MIN_INSPECTORS)})
    for user in wanted:
        if not user_has_role(user, Role.INSPECTOR, case.unit):
            raise ApplicationError(_(NOT_INSPECTOR) % {"name": user.display_name}, code="not_inspector")
        why = inspector_must_recuse(case=case, user=user)
        if why:
            raise ApplicationError(
                _(MUST_RECUSE) % {"name": user.display_name, "reason": RECUSAL_REASONS[why]},
                code="must_recuse", extra={"user": user.pk, "reason": why},
            )
    active = {a.inspector_id: a for a in Assignment.objects.select_for_update().filter(case=case, active=True).order_by("pk")}
    wanted_ids = {u.pk for u in wanted}
    removed = [pk for pk in active if pk not in wanted_ids]
    reason = (reason or "").strip()
    if removed:
        Assignment.objects.filter(case=case, active=True, inspector_id__in=removed).update(
            active=False, ended_reason=(reason or _("Reassigned"))[:200], updated_at=timezone.now()
        )
    added = [u for u in wanted if u.pk not in active]
    Assignment.objects.bulk_create(Assignment(case=case, inspector=u, assigned_by=actor) for u in added)
    assigned = list(Assignment.objects.filter(case=case, active=True).select_related("inspector"))
    _active_inspectors_sync(case, len(assigned))
    if added or removed:
        case_event_record(
            case=case, kind=EventKind.ASSIGNED, actor=actor, from_stage=case.stage, reason=reason,
            data={"inspectors": sorted(wanted_ids), "added": [u.pk for u in added], "removed": removed,
                  "names": [u.display_name for u in wanted]},
        )
    return assigned


# --- Verification -------------------------------------------------------------------


@transaction.atomic
def interview_record(*, case: Case, actor: User, person: str, held_on: dt.date, summary: str,
                     file=None) -> VerificationRecord:
    """谈话: who was heard, when, what he said, and the signed record."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="record_interview")
    record = VerificationRecord.objects.create(
        case=case, kind=VerificationRecord.Kind.INTERVIEW, recorded_by=actor, person=_text(person, "person"),
        held_on=_past_date(held_on, "held_on"), text=_text(summary, "summary"),
        attachment=_attach(case, actor, file, internal=True),
    )
    case_event_record(case=case, kind=EventKind.INTERVIEW_RECORDED, actor=actor, from_stage=case.stage,
                      data={"record": record.pk, "person": record.person, "held_on": record.held_on.isoformat()})
    return record


@transaction.atomic
def evidence_record(*, case: Case, actor: User, text: str, kind: str = VerificationRecord.Kind.EVIDENCE,
                    file=None) -> VerificationRecord:
    """Evidence gathered or an inspector's note."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="record_evidence")
    if kind not in (VerificationRecord.Kind.EVIDENCE, VerificationRecord.Kind.NOTE):
        raise ValidationError({"kind": _("Choose evidence or note.")})
    record = VerificationRecord.objects.create(
        case=case, kind=kind, recorded_by=actor, text=_text(text, "text"),
        attachment=_attach(case, actor, file, internal=True),
    )
    case_event_record(case=case, kind=EventKind.EVIDENCE_RECORDED, actor=actor, from_stage=case.stage,
                      data={"record": record.pk, "kind": kind})
    return record


def _judgements(items: list[PolicyItem], builtin: list[tuple[str, str]], given: dict) -> dict:
    keys = [(str(i.pk), i.title or i.text) for i in items] or builtin
    given = {str(k): (v or "").strip() for k, v in (given or {}).items()}
    out = {}
    for key, label in keys:
        if not given.get(key):
            raise ValidationError({"judgements": _(JUDGEMENT_REQUIRED) % {"label": label}})
        out[key] = given[key]
    return out


@transaction.atomic
def case_assess(*, case: Case, actor: User, conditions: dict, positive_item=None, negative_items=None,
                negative_note: str = "", distinctions: dict | None = None,
                factors: dict | None = None) -> Assessment:
    """The assessment against the case's policy version: every condition met
    or not with reasons, the positive-list scenario that applies, the
    negative-list items that apply, the three distinctions (三个区分开来) and
    the six factors (看程度、看动机、看条件、看程序、看政策、看后果). Saved
    again replaces the previous one (the history keeps each)."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="assess")
    version_items = list(case.policy_version.items.all())
    by_kind: dict[str, list[PolicyItem]] = {}
    for item in version_items:
        by_kind.setdefault(item.kind, []).append(item)
    findings = {}
    given = {str(k): v for k, v in (conditions or {}).items()}
    for item in sorted(by_kind.get(PolicyItem.Kind.CONDITION, []), key=lambda i: i.number):
        row = given.get(str(item.pk)) or {}
        met, reason = row.get("met"), (row.get("reason") or "").strip()
        if met not in (True, False) or not reason:
            raise ValidationError({"conditions": _(CONDITION_UNANSWERED) % {
                "number": item.number, "title": item.title or item.text[:20]}})
        findings[str(item.pk)] = {"met": met, "reason": reason}
    positive = None
    if positive_item:
        positive = _items(case, [positive_item])[0]
        if positive.kind != PolicyItem.Kind.POSITIVE:
            raise ValidationError({"positive_item": _(NOT_POSITIVE)})
    negatives = _items(case, negative_items)
    if any(i.kind != PolicyItem.Kind.NEGATIVE for i in negatives):
        raise ValidationError({"negative_items": _(NOT_NEGATIVE)})
    # A condition found met cannot stand beside a negative-list item the
    # policy declares its opposite (policies.PolicyItem.contradicts).
    met = {pk for pk, row in findings.items() if row["met"]}
    for negative in negatives:
        for condition in negative.contradicts.all():
            if str(condition.pk) in met:
                raise ValidationError({"negative_items": _(CONTRADICTION) % {
                    "condition_number": condition.number, "condition": condition.title or condition.text[:20],
                    "negative_number": negative.number, "negative": negative.title or negative.text[:20]}})
    negative_note = (negative_note or "").strip()
    if not negative_note:
        raise ValidationError({"negative_note": _(NEGATIVE_NOTE_REQUIRED)})
    distinctions = _judgements(by_kind.get(PolicyItem.Kind.DISTINCTION, []), BUILTIN_DISTINCTIONS, distinctions)
    factors = _judgements(by_kind.get(PolicyItem.Kind.FACTOR, []), BUILTIN_FACTORS, factors)
    assessment, _created = Assessment.objects.update_or_create(
        case=case,
        defaults={"assessed_by": actor, "conditions": findings, "positive_item": positive,
                  "negative_note": negative_note, "distinctions": distinctions,
                  "factors": factors},
    )
    assessment.negative_items.set(negatives)
    case_event_record(
        case=case, kind=EventKind.ASSESSED, actor=actor, from_stage=case.stage,
        data={"conditions": findings, "positive_item": positive.pk if positive else None,
              "negative_items": [i.pk for i in negatives]},
    )
    return assessment


@transaction.atomic
def case_preliminary_report(*, case: Case, actor: User, recommended_result: str,
                            summary: str, major_public_interest: bool = False) -> PreliminaryReport:
    """初步调查报告 with the recommended result. Refuses a tolerance result
    that the assessment rules out, saying which items. The applicant is then
    told the preliminary opinion (the event notifies him) and the defence
    time limit starts."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="preliminary_report")
    assessment = Assessment.objects.filter(case=case).first()
    if assessment is None:
        raise ApplicationError(_(NO_ASSESSMENT), code="no_assessment")
    summary = _text(summary, "summary")
    _check_result(recommended_result, _blocker_texts(**assessment_blockers(assessment)))
    report, _created = PreliminaryReport.objects.update_or_create(
        case=case, defaults={"author": actor, "recommended_result": recommended_result, "summary": summary}
    )
    _stop(case, TimeLimitStage.VERIFICATION, actor)
    case.major_public_interest = bool(major_public_interest)
    case_move(case, to=Stage.DEFENCE, kind=EventKind.PRELIMINARY_REPORT, actor=actor, reason=summary,
              data={"recommended_result": recommended_result, "major_public_interest": case.major_public_interest},
              extra_fields=("major_public_interest",))
    clocks.clock_open(case=case, stage=TimeLimitStage.DEFENCE)
    if procedure.preliminary_notice_required(case.policy_version):
        # The 办法 says the applicant is told the preliminary opinion in
        # writing before his 申辩 (初步认定意见告知书).
        case_issue_letter(case, "preliminary_notice", actor, ref=str(report.pk),
                          context={"result": recommended_result, "summary": summary})
    return report


# --- Defence ------------------------------------------------------------------------


def _to_deliberation(case: Case, actor: User, kind: str, reason: str, data: dict) -> None:
    _stop(case, TimeLimitStage.DEFENCE, actor)
    case_move(case, to=Stage.DELIBERATION, kind=kind, actor=actor, reason=reason, data=data)
    clocks.clock_open(case=case, stage=TimeLimitStage.DELIBERATION)


@transaction.atomic
def case_defend(*, case: Case, actor: User, text: str, file=None) -> DefenceEntry:
    """申辩: the applicant's statement, with evidence, within the defence
    time limit where the version takes it from its text; the case then goes
    to deliberation."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="defend")
    due = _clock_due(case, TimeLimitStage.DEFENCE)
    # Issue 16, as for the review window: only a limit taken from the
    # jurisdiction's text shuts the 申辩; an example default runs the clock
    # (reminders, overdue, the inspector may record the waiver) but the
    # 初步认定意见告知书 states no limit, so it does not refuse the cadre.
    if (due is not None and timezone.localdate() > due
            and stage_time_limit_stated(version=case.policy_version, stage=TimeLimitStage.DEFENCE)):
        raise ApplicationError(_(DEFENCE_LATE) % {"due": due.isoformat()}, code="late")
    entry = DefenceEntry.objects.create(case=case, kind=DefenceEntry.Kind.DEFENCE, submitted_by=actor,
                                        text=_text(text, "text"), attachment=_attach(case, actor, file))
    _to_deliberation(case, actor, EventKind.DEFENCE_SUBMITTED, entry.text, {"entry": entry.pk})
    return entry


@transaction.atomic
def case_waive_defence(*, case: Case, actor: User, reason: str = "") -> DefenceEntry:
    """The applicant waives the defence; once its time limit has passed
    unanswered, an inspector records it as waived."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="waive_defence")
    if actor.pk != case.applicant_id:
        due = _clock_due(case, TimeLimitStage.DEFENCE)
        if due is None or timezone.localdate() <= due:
            raise ApplicationError(_(DEFENCE_NOT_DUE) % {"due": due.isoformat() if due else "—"},
                                   code="not_due", status_code=403)
    entry = DefenceEntry.objects.create(case=case, kind=DefenceEntry.Kind.WAIVER, submitted_by=actor,
                                        text=(reason or "").strip())
    _to_deliberation(case, actor, EventKind.DEFENCE_WAIVED, entry.text,
                     {"entry": entry.pk, "by_applicant": actor.pk == case.applicant_id})
    return entry


@transaction.atomic
def testimony_add(*, case: Case, actor: User, person: str, text: str, file=None) -> DefenceEntry:
    """Testimony of a related person (证言), taken down by an inspector or
    given by the applicant, before the ruling."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="add_testimony")
    entry = DefenceEntry.objects.create(
        case=case, kind=DefenceEntry.Kind.TESTIMONY, submitted_by=actor, person=_text(person, "person"),
        text=_text(text, "text"), attachment=_attach(case, actor, file),
    )
    case_event_record(case=case, kind=EventKind.TESTIMONY_ADDED, actor=actor, from_stage=case.stage,
                      data={"entry": entry.pk, "person": entry.person})
    return entry


@transaction.atomic
def optional_step_record(*, case: Case, actor: User, kind: str, held_on: dt.date, body: str,
                         conclusion: str, file=None) -> OptionalStep:
    """第三方评估 or 听证会, recorded with its document before the ruling."""
    action = "record_assessment_report" if kind == OptionalStep.Kind.THIRD_PARTY else "record_hearing"
    case = case_lock(case)
    case_guard(case=case, actor=actor, action=action)
    step = OptionalStep.objects.create(
        case=case, kind=kind, held_on=_past_date(held_on, "held_on"), body=_text(body, "body"),
        conclusion=_text(conclusion, "conclusion"), attachment=_attach(case, actor, file), recorded_by=actor,
    )
    event = EventKind.ASSESSMENT_REPORT if kind == OptionalStep.Kind.THIRD_PARTY else EventKind.HEARING
    case_event_record(case=case, kind=event, actor=actor, from_stage=case.stage, reason=step.conclusion,
                      data={"step": step.pk, "held_on": step.held_on.isoformat(), "body": step.body})
    return step


# --- Deliberation and ruling ------------------------------------------------------------


def hearing_required(case: Case) -> bool:
    """Whether this case needs a public hearing before deliberation: the
    version says when (procedure.hearing) and the case meets it."""
    when = procedure.hearing_required_when(case.policy_version)
    return when == "major_public_interest" and case.major_public_interest


def hearing_missing(case: Case) -> bool:
    """A hearing the 办法 requires has not been recorded yet (the
    ``deliberate`` step's ready check, reviews/steps/)."""
    return hearing_required(case) and not OptionalStep.objects.filter(
        case=case, kind=OptionalStep.Kind.HEARING).exists()


def preliminary_notice_missing(case: Case) -> bool:
    """The 办法 says the applicant is told the preliminary opinion in
    writing before his 申辩, and the notice has not been issued (the defence
    steps' ready check)."""
    return procedure.preliminary_notice_required(case.policy_version) and not case.letters.filter(
        kind="preliminary_notice").exists()


def _meeting_kind(case: Case) -> str:
    return Ruling.Kind.REVIEW if case.stage == Stage.REVIEW else Ruling.Kind.FIRST


def _eligible_members(case: Case) -> list[User]:
    # Members of the jurisdiction's committee, minus those who must recuse;
    # for 复核, also minus those who voted on the first ruling.
    return eligible_members_for(case=case)


def quorum_for(case: Case, total: int) -> int:
    """Members who must be present: the policy version's share (default
    two thirds) of the members entitled to sit, rounded up."""
    version = case.policy_version
    return max(1, math.ceil(total * version.quorum_numerator / version.quorum_denominator))


@transaction.atomic
def meeting_record(*, case: Case, actor: User, held_on: dt.date, members_present: list[User],
                   votes: list[dict] = ()) -> Meeting:
    """集体研究: the meeting's date and the members present. For a review,
    only members who did not vote on the first ruling may sit. A meeting
    without its quorum is refused before anything is saved (a decision of
    fewer members than the quorum could not stand anyway). ``votes``
    (member, result, opinion), if given, are recorded by the same actor in
    the same transaction (``vote_record``)."""
    case = case_lock(case)
    # The hearing the 办法 requires: the step's ready check (reviews/steps/).
    case_guard(case=case, actor=actor, action="deliberate")
    eligible = {u.pk: u for u in _eligible_members(case)}
    present = list({u.pk: u for u in members_present}.values())
    if not present:
        raise ValidationError({"members_present": _(TEXT_REQUIRED)})
    for user in present:
        if user.pk not in eligible:
            raise ApplicationError(_(NOT_COMMITTEE) % {"name": user.display_name}, code="not_member")
    required = quorum_for(case, len(eligible))
    if len(present) < required:
        raise ApplicationError(_(NO_QUORUM) % {"present": len(present), "total": len(eligible),
                                               "required": required}, code="no_quorum")
    held_on = _past_date(held_on, "held_on")
    # One meeting in force per decision: a new one is recorded only after
    # the earlier one is voided (with its reason, in the history).
    if meeting_current(case=case, kind=_meeting_kind(case), lock=True) is not None:
        raise ApplicationError(_(MEETING_EXISTS), code="meeting_exists", status_code=409)
    meeting = Meeting.objects.create(
        case=case, kind=_meeting_kind(case), held_on=held_on, recorded_by=actor,
        members_total=len(eligible), quorum_required=required,
    )
    meeting.members_present.set(present)
    case_event_record(
        case=case, kind=EventKind.MEETING_RECORDED, actor=actor, from_stage=case.stage,
        data={"meeting": meeting.pk, "held_on": meeting.held_on.isoformat(),
              "present": [u.pk for u in present], "names": [u.display_name for u in present],
              "total": meeting.members_total, "quorum": meeting.quorum_required},
    )
    for vote in votes:
        vote_record(case=case, actor=actor, **vote)
    return meeting


@transaction.atomic
def meeting_void(*, case: Case, actor: User, reason: str) -> Meeting:
    """A wrongly recorded meeting is voided, with the reason: it stays in
    the record (never deleted), its votes no longer count, and a new
    meeting may be recorded. A meeting that has ruled cannot be voided."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="void_meeting")
    reason = _text(reason, "reason")
    meeting = meeting_current(case=case, kind=_meeting_kind(case), lock=True)
    if meeting is None:
        raise ApplicationError(_(NO_MEETING), code="no_meeting")
    if Ruling.objects.filter(meeting=meeting).exists():
        raise ApplicationError(_(MEETING_RULED), code="meeting_ruled", status_code=409)
    meeting.voided_at = timezone.now()
    meeting.voided_by = actor
    meeting.void_reason = reason[:300]
    meeting.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    case_event_record(case=case, kind=EventKind.MEETING_VOIDED, actor=actor, from_stage=case.stage,
                      reason=meeting.void_reason,
                      data={"meeting": meeting.pk, "held_on": meeting.held_on.isoformat()})
    return meeting


@transaction.atomic
def vote_record(*, case: Case, actor: User, result: str, opinion: str = "", member: User | None = None) -> Vote:
    """A member's vote and opinion. A member votes only for himself; the
    member who recorded the meeting (keeping the minutes) may record a vote
    for another member present, marked as recorded by him, which counts
    once that member confirms it (``vote_confirm``). A member's own vote
    replaces a recorded one he has not confirmed. One vote per member and
    meeting."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="vote")
    member = member or actor
    meeting = meeting_current(case=case, kind=_meeting_kind(case), lock=True)
    if meeting is None:
        raise ApplicationError(_(NO_MEETING), code="no_meeting")
    if member.pk != actor.pk and actor.pk != meeting.recorded_by_id:
        raise ApplicationError(_(VOTE_FOR_OTHERS) % {"name": member.display_name}, code="not_own_vote",
                               status_code=403)
    if not meeting.members_present.filter(pk=member.pk).exists():
        raise ApplicationError(_(NOT_PRESENT) % {"name": member.display_name}, code="not_present")
    if result not in Result.values:
        raise ValidationError({"result": _("Choose a result.")})
    existing = Vote.objects.select_for_update().filter(meeting=meeting, member=member).first()
    own = member.pk == actor.pk
    if existing is not None and not (own and existing.confirmed_at is None):
        raise ApplicationError(_(ALREADY_VOTED) % {"name": member.display_name}, code="already_voted",
                               status_code=409)
    opinion = (opinion or "").strip()
    if existing is not None:
        existing.result, existing.opinion, existing.recorded_by = result, opinion, actor
        existing.confirmed_at = timezone.now()
        existing.save(update_fields=["result", "opinion", "recorded_by", "confirmed_at", "updated_at"])
        vote = existing
    else:
        vote = Vote.objects.create(meeting=meeting, member=member, result=result, opinion=opinion,
                                   recorded_by=actor, confirmed_at=timezone.now() if own else None)
    case_event_record(case=case, kind=EventKind.VOTE_CAST, actor=actor, from_stage=case.stage,
                      reason=vote.opinion,
                      data={"meeting": meeting.pk, "member": member.pk, "name": member.display_name,
                            "result": result, "by_proxy": not own})
    return vote


@transaction.atomic
def vote_confirm(*, case: Case, actor: User) -> Vote:
    """The member confirms the vote the minute-taker recorded for him."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="confirm_vote")
    meeting = meeting_current(case=case, kind=_meeting_kind(case), lock=True)
    vote = None
    if meeting is not None:
        vote = Vote.objects.select_for_update().filter(meeting=meeting, member=actor).first()
    if vote is None or vote.confirmed_at is not None:
        raise ApplicationError(_(NOTHING_TO_CONFIRM), code="nothing_to_confirm", status_code=409)
    vote.confirmed_at = timezone.now()
    vote.save(update_fields=["confirmed_at", "updated_at"])
    case_event_record(case=case, kind=EventKind.VOTE_CONFIRMED, actor=actor, from_stage=case.stage,
                      data={"meeting": meeting.pk, "vote": vote.pk, "recorded_by": vote.recorded_by_id})
    return vote


def _carries(votes: int, present: int, version) -> bool:
    """Whether ``votes`` of ``present`` members carry a decision: the
    version's majority (issue 16, ``procedure.majority``: more than, or with
    ``inclusive`` at least, numerator/denominator of those present), else
    more than half."""
    share = procedure.majority(version)
    if share is None:
        return votes * 2 > present
    n, d = share
    if (version.procedure.get("majority") or {}).get("inclusive"):
        return votes * d >= present * n
    return votes * d > present * n


def _check_decision(meeting: Meeting | None, result: str) -> dict:
    """Quorum of members present, then a majority of them for ``result``."""
    if meeting is None:
        raise ApplicationError(_(NO_MEETING), code="no_meeting")
    present = meeting.members_present.count()
    if present < meeting.quorum_required:
        raise ApplicationError(_(NO_QUORUM) % {"present": present, "total": meeting.members_total,
                                               "required": meeting.quorum_required}, code="no_quorum")
    if result not in Result.values:
        raise ValidationError({"result": _("Choose a result.")})
    unconfirmed = [v.member.display_name for v in meeting.votes.filter(confirmed_at__isnull=True)
                   .select_related("member")]
    if unconfirmed:
        raise ApplicationError(_(VOTES_UNCONFIRMED) % {"names": "、".join(unconfirmed)},
                               code="votes_unconfirmed")
    tally = Counter(meeting.votes.values_list("result", flat=True))
    version = meeting.case.policy_version
    if not _carries(tally[result], present, version):
        share = procedure.majority(version)
        if share is None:
            message = _(NO_MAJORITY) % {"result": Result(result).label, "votes": tally[result], "present": present}
        else:
            message = _(NO_SHARE) % {"result": Result(result).label, "votes": tally[result], "present": present,
                                     "share": f"{share[0]}/{share[1]}"}
        raise ApplicationError(message, code="no_majority")
    return {"present": present, "tally": dict(tally)}


def _use_months(item: PolicyItem, result: str, months: int | None) -> int | None:
    """The impact period of one use: as given, else the version's default
    for the result where its duration is not an example default. An exempt ruling has none unless the version sets one
    (大理州 [V]: 容错免责的干部 "年度考核、评先评优、职级职称晋升、提拔任用、
    廉政审查等均不受影响"); a period typed for it is refused rather than
    printed to the cadre as a rule nobody configured."""
    if result == Result.EXEMPT:
        if months and not item.exempt_duration_months:
            raise ValidationError({"uses": _(EXEMPT_NO_PERIOD) % {"use": item.title or item.text}})
        return item.exempt_duration_months if months is None else (months or None)
    if months is None:
        # Issue 16: an example-default period is no rule of the version, so
        # it is not applied (nor printed in the 认定书) unless typed.
        return item.default_duration_months if item.duration_confirmed else None
    return months


def _uses(case: Case, uses, result: str) -> list[tuple[PolicyItem, int | None]]:
    out = []
    for row in uses or []:
        item = row["item"] if isinstance(row, dict) else row
        item = _items(case, [item])[0]
        if item.kind != PolicyItem.Kind.RESULT_USE:
            raise ValidationError({"uses": _(NOT_RESULT_USE)})
        months = row.get("duration_months") if isinstance(row, dict) else None
        out.append((item, _use_months(item, result, months)))
    return out


def _ruling_blockers(case: Case, applied: list[PolicyItem]) -> list[str]:
    """What rules out tolerance: negative-list items the ruling relies on,
    and the assessment's unmet conditions and applicable negative items."""
    found = {"conditions_unmet": [], "negatives": [i for i in applied if i.kind == PolicyItem.Kind.NEGATIVE]}
    assessment = Assessment.objects.filter(case=case).first()
    if assessment is not None:
        b = assessment_blockers(assessment)
        found["conditions_unmet"] = b["conditions_unmet"]
        found["negatives"] += [i for i in b["negatives"] if i not in found["negatives"]]
    return _blocker_texts(**found)


def _assessed_items(case: Case) -> list[int]:
    """By default a ruling relies on what the assessment found: the
    positive-list scenario and any negative-list items."""
    assessment = Assessment.objects.filter(case=case).first()
    if assessment is None:
        return []
    ids = [assessment.positive_item_id] if assessment.positive_item_id else []
    return ids + list(assessment.negative_items.values_list("pk", flat=True))


def _arabic(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _found_facts(case: Case) -> str:
    """基本事实 of the ruling letter: what the inspectors found (the findings
    of their preliminary report), and the verification records that bear it
    out (issue 22: not the applicant's own 事实与理由)."""
    report = PreliminaryReport.objects.filter(case=case).first()
    records = list(VerificationRecord.objects.filter(case=case).order_by("held_on", "created_at", "id"))
    parts = []
    if report is not None and report.summary.strip():
        parts.append(f"经调查核实，查明：{report.summary.strip()}")
    interviews = [r for r in records if r.kind == VerificationRecord.Kind.INTERVIEW]
    evidence = [r for r in records if r.kind == VerificationRecord.Kind.EVIDENCE]
    notes = [r for r in records if r.kind == VerificationRecord.Kind.NOTE]
    sources = [f"与{r.person}的谈话记录" + (f"（{_arabic(r.held_on)}）" if r.held_on else "") for r in interviews]
    if evidence:
        sources.append(f"书证材料{len(evidence)}份")
    if notes:
        sources.append(f"核实情况说明{len(notes)}份")
    if sources:
        lead = "上述事实，有" if parts else "经调查核实，有"
        parts.append(f"{lead}{'、'.join(sources)}等核实材料证实。")
    if not parts:
        # No report and no record (never in the workflow: deliberation comes
        # after the preliminary report): say so rather than reprint the
        # application.
        parts.append("经调查核实，相关事实见核实材料。")
    return "\n".join(parts)


def _letter_context(case: Case, ruling: Ruling, meeting: Meeting, uses) -> dict:
    assessment = Assessment.objects.filter(case=case).prefetch_related("negative_items").first()
    rows = []
    if assessment is not None:
        for pk, row in assessment.conditions.items():
            rows.append({"item_id": int(pk), "finding": "met" if row["met"] else "not_met", "note": row["reason"]})
        if assessment.positive_item_id:
            rows.append({"item_id": assessment.positive_item_id, "finding": "applies", "note": ""})
        for item in assessment.negative_items.all():
            rows.append({"item_id": item.pk, "finding": "applies", "note": assessment.negative_note})
    return {
        "result": ruling.result, "mitigation": ruling.mitigation, "reasons": ruling.reasons, "assessment": rows,
        "result_uses": [{"item_id": item.pk, "duration_months": months} for item, months in uses],
        "meeting_on": meeting.held_on.isoformat(),
        "facts": _found_facts(case),
    }


def _mitigation(result: str, mitigation: str) -> str:
    """从轻 or 减轻 for a mitigated result (issue 16: kept apart); nothing
    for the other results."""
    mitigation = (mitigation or "").strip()
    if mitigation not in Mitigation.values or (mitigation and result != Result.MITIGATED):
        raise ValidationError({"mitigation": _(BAD_MITIGATION)})
    if result == Result.MITIGATED and not mitigation:
        raise ValidationError({"mitigation": _(MITIGATION_REQUIRED)})
    return mitigation


@transaction.atomic
def case_rule(*, case: Case, actor: User, result: str, reasons: str, applied_items=None, uses=None,
              needs_correction: bool = False, needs_clarification: bool = False, mitigation: str = "") -> Ruling:
    """认定: the ruling of the deliberation meeting, which needs a quorum and
    a majority of the members present for ``result``. Sets the outcome, issues
    the ruling letter (容错认定书), and starts the feedback, filing and
    review-request time limits. Where the version rules jointly with the
    组织部门 (issue 16), the letter waits for its countersign
    (``ruling_countersign``), which issues it."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="rule")
    reasons = _text(reasons, "reasons")
    meeting = meeting_current(case=case, kind=Ruling.Kind.FIRST)
    tally = _check_decision(meeting, result)
    mitigation = _mitigation(result, mitigation)
    if applied_items is None:
        applied_items = _assessed_items(case)
    applied = _items(case, applied_items)
    _check_result(result, _ruling_blockers(case, applied))
    chosen_uses = _uses(case, uses, result)
    ruling = Ruling.objects.create(
        case=case, kind=Ruling.Kind.FIRST, result=result, mitigation=mitigation, reasons=reasons,
        needs_correction=needs_correction,
        needs_clarification=needs_clarification, decided_on=meeting.held_on, recorded_by=actor,
        is_current=True, meeting=meeting,
    )
    ruling.applied_items.set(applied)
    RulingUse.objects.bulk_create(RulingUse(ruling=ruling, policy_item=i, duration_months=m) for i, m in chosen_uses)
    case.outcome = result
    _stop(case, TimeLimitStage.DELIBERATION, actor)
    case_move(case, to=Stage.RULED, kind=EventKind.RULED, actor=actor, reason=reasons,
              data={"ruling": ruling.pk, "result": result, **tally, "needs_correction": needs_correction,
                    "needs_clarification": needs_clarification},
              extra_fields=("outcome",))
    if procedure.joint_ruling(case.policy_version):
        # Issue 16: what follows the ruling (its letter, 反馈, 报备, 复核, the
        # correction, the result uses) waits for the 组织部门, who is told;
        # the time limits run from its countersign.
        _countersign_request(case, ruling, actor)
        return ruling
    _after_ruling_clocks(case)
    case_issue_letter(case, "ruling", actor, context=_letter_context(case, ruling, meeting, chosen_uses))
    return ruling


RULING_CLOCKS = (TimeLimitStage.FEEDBACK, TimeLimitStage.FILING, TimeLimitStage.REVIEW_REQUEST)
REVIEW_CLOCKS = (TimeLimitStage.FEEDBACK, TimeLimitStage.FILING)


def _after_ruling_clocks(case: Case, stages=RULING_CLOCKS) -> None:
    for stage in stages:
        clocks.clock_open(case=case, stage=stage)


def _countersign_request(case: Case, ruling: Ruling, actor: User) -> None:
    case_event_record(case=case, kind=EventKind.COUNTERSIGN_REQUESTED, actor=actor, from_stage=case.stage,
                      data={"ruling": ruling.pk, "decision": ruling.kind,
                            "body": procedure.joint_ruling(case.policy_version).get("body", "")})


def decision_success(case: Case, *, joint, alone):
    """The page's message after a ruling or a review decision: on a joint
    version it waits for the 组织部门's countersign, and says so."""
    return joint if procedure.joint_ruling(case.policy_version) else alone


def is_org_dept(case: Case, user: User) -> bool:
    """The 组织部门 of the case's jurisdiction (the careers app's role)."""
    return user_has_role(user, Role.ORG_DEPT, case.unit)


def countersign_pending(case: Case, kind: str = Ruling.Kind.FIRST) -> str | None:
    """Why the joint decision ``kind`` (the ruling, or the review decision)
    cannot be countersigned now (a message), or None: the version rules
    jointly and it is the decision awaiting the countersign
    (``selectors.countersign_awaited``: its letter is not issued yet)."""
    if not procedure.joint_ruling(case.policy_version):
        return COUNTERSIGN_NOT_JOINT
    if countersign_awaited(case) != kind:
        return ALREADY_COUNTERSIGNED if kind == Ruling.Kind.FIRST else REVIEW_NOT_AWAITING
    return None


@transaction.atomic
def ruling_countersign(*, case: Case, actor: User, note: str = "") -> Ruling:
    """会签: the 组织部门 of the jurisdiction countersigns a joint ruling
    (the version's ``joint_ruling``); the 认定书, signed by both bodies, is
    issued now rather than at the ruling."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="countersign_ruling")
    ruling = Ruling.objects.select_related("meeting").get(case=case, kind=Ruling.Kind.FIRST, is_current=True)
    uses = [(u.policy_item, u.duration_months) for u in RulingUse.objects.filter(ruling=ruling)
            .select_related("policy_item").order_by("pk")]
    case_event_record(case=case, kind=EventKind.COUNTERSIGNED, actor=actor, reason=(note or "").strip()[:500],
                      data={"ruling": ruling.pk, "body": procedure.joint_ruling(case.policy_version).get("body", "")})
    # The time limits after the ruling run from now (the 认定书 prints the
    # review-request limit's due date).
    _after_ruling_clocks(case)
    case_issue_letter(case, "ruling", actor, context=_letter_context(case, ruling, ruling.meeting, uses))
    return ruling


@transaction.atomic
def review_countersign(*, case: Case, actor: User, note: str = "") -> Ruling:
    """会签 of the 复核 decision on a version that rules jointly: the
    组织部门 of the jurisdiction countersigns it, and the 复核决定书, signed by
    both bodies, is issued now rather than at the decision; 反馈 and 报备 of
    it run from now."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="countersign_review")
    ruling = Ruling.objects.select_related("meeting").get(case=case, kind=Ruling.Kind.REVIEW)
    case_event_record(case=case, kind=EventKind.REVIEW_COUNTERSIGNED, actor=actor,
                      reason=(note or "").strip()[:500],
                      data={"ruling": ruling.pk, "body": procedure.joint_ruling(case.policy_version).get("body", "")})
    _after_ruling_clocks(case, REVIEW_CLOCKS)
    case_issue_letter(case, "review_decision", actor, context=_review_letter_context(case, ruling))
    return ruling


# --- Feedback and filing ---------------------------------------------------------------


def _latest_ruling(case: Case) -> Ruling:
    """The ruling the applicant and the higher level must hear of: the
    review decision once there is one (upheld or changed), else the first."""
    return Ruling.objects.filter(case=case).order_by("-id").first()


@transaction.atomic
def notice_record(*, case: Case, actor: User, kind: str, done_on: dt.date | None = None, recipients: str,
                  note: str = "", file=None) -> Notice:
    """反馈 (to the applicant and unit), 报备 (to the higher level) or 备案 (at
    the same level) of the current ruling, with its date and document; each
    once per ruling, 反馈 and 报备 under their own time limits."""
    action = NOTICE_ACTIONS.get(kind)
    if action is None:
        raise ValidationError({"kind": _(TEXT_REQUIRED)})
    case = case_lock(case)
    case_guard(case=case, actor=actor, action=action)
    ruling = _latest_ruling(case)  # once per ruling: the step's ``ready`` (reviews/steps/)
    notice = Notice.objects.create(case=case, ruling=ruling, kind=kind, done_on=_past_date(done_on, "done_on"),
                                   recipients=_text(recipients, "recipients"), note=(note or "").strip(),
                                   recorded_by=actor,
                                   document=_attach(case, actor, file, internal=kind != Notice.Kind.FEEDBACK))
    stage = {Notice.Kind.FEEDBACK: TimeLimitStage.FEEDBACK, Notice.Kind.FILING: TimeLimitStage.FILING}.get(kind)
    if stage:
        _stop(case, stage, actor)
    event = {Notice.Kind.FEEDBACK: EventKind.FEEDBACK, Notice.Kind.FILING: EventKind.FILED,
             Notice.Kind.RECORD: EventKind.RECORDED}[kind]
    case_event_record(
        case=case, kind=event, actor=actor, from_stage=case.stage, reason=notice.note,
        data={"notice": notice.pk, "ruling": ruling.pk, "done_on": notice.done_on.isoformat(),
              "recipients": notice.recipients, "document": notice.document_id},
    )
    return notice


NOTICE_ACTIONS = {Notice.Kind.FEEDBACK: "feedback", Notice.Kind.FILING: "file_report",
                  Notice.Kind.RECORD: "record_same_level"}


# --- Review (复核) --------------------------------------------------------------------


@transaction.atomic
def case_request_review(*, case: Case, actor: User, reasons: str) -> ReviewRequest:
    """The applicant asks once, with reasons, after the ruling: within the
    review-request time limit where the version takes it from its text."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="request_review")
    due = _clock_due(case, TimeLimitStage.REVIEW_REQUEST)
    # Issue 16: only a limit taken from the jurisdiction's text shuts the
    # window; an example default runs the clock (reminders, overdue) but the
    # ruling letter states no limit, so it does not refuse the cadre.
    if (due is not None and timezone.localdate() > due
            and stage_time_limit_stated(version=case.policy_version, stage=TimeLimitStage.REVIEW_REQUEST)):
        raise ApplicationError(_(REVIEW_LATE) % {"due": due.isoformat()}, code="late")
    request = ReviewRequest.objects.create(case=case, requested_by=actor, reasons=_text(reasons, "reasons"),
                                           requested_on=timezone.localdate())
    _stop(case, TimeLimitStage.REVIEW_REQUEST, actor)
    case_move(case, to=Stage.REVIEW, kind=EventKind.REVIEW_REQUESTED, actor=actor, reason=request.reasons)
    clocks.clock_open(case=case, stage=TimeLimitStage.REVIEW_DECISION)
    return request


@transaction.atomic
def case_decide_review(*, case: Case, actor: User, result: str, reasons: str, applied_items=None, uses=None,
                       needs_correction: bool = False, needs_clarification: bool = False,
                       mitigation: str = "") -> Ruling:
    """The review decision of members who did not vote on the first ruling
    (quorum and majority as for the first). A different result replaces the
    first ruling (the review becomes current); the same result upholds it.
    Both rulings stay."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="decide_review")
    reasons = _text(reasons, "reasons")
    meeting = meeting_current(case=case, kind=Ruling.Kind.REVIEW)
    tally = _check_decision(meeting, result)
    mitigation = _mitigation(result, mitigation)
    applied = _items(case, applied_items)
    _check_result(result, _ruling_blockers(case, applied))
    chosen_uses = _uses(case, uses, result)
    first = Ruling.objects.select_for_update().get(case=case, kind=Ruling.Kind.FIRST)
    changed = (result, mitigation) != (first.result, first.mitigation)
    if changed:
        Ruling.objects.filter(case=case, is_current=True).update(is_current=False, updated_at=timezone.now())
    ruling = Ruling.objects.create(
        case=case, kind=Ruling.Kind.REVIEW, result=result, mitigation=mitigation, reasons=reasons,
        needs_correction=needs_correction,
        needs_clarification=needs_clarification, decided_on=meeting.held_on, recorded_by=actor,
        is_current=changed, meeting=meeting, review_decision="changed" if changed else "upheld",
    )
    ruling.applied_items.set(applied)
    RulingUse.objects.bulk_create(RulingUse(ruling=ruling, policy_item=i, duration_months=m) for i, m in chosen_uses)
    if changed:
        case.outcome = result
    _stop(case, TimeLimitStage.REVIEW_DECISION, actor)
    case_move(case, to=Stage.RULED, kind=EventKind.REVIEW_DECIDED, actor=actor, reason=reasons,
              data={"ruling": ruling.pk, "result": result, "decision": ruling.review_decision, **tally},
              extra_fields=("outcome",))
    # The review decision is fed back and filed like the first ruling.
    for stage in REVIEW_CLOCKS:
        _stop(case, stage, actor)
    if procedure.joint_ruling(case.policy_version):
        # Issue 16: as the first ruling, its letter and what follows wait
        # for the 组织部门's countersign (``review_countersign``).
        _countersign_request(case, ruling, actor)
        return ruling
    _after_ruling_clocks(case, REVIEW_CLOCKS)
    case_issue_letter(case, "review_decision", actor, context=_review_letter_context(case, ruling))
    return ruling


def _review_letter_context(case: Case, ruling: Ruling) -> dict:
    request = ReviewRequest.objects.get(case=case)
    return {
        "decision": ruling.review_decision, "result": ruling.result, "mitigation": ruling.mitigation,
        "reasons": ruling.reasons, "requested_on": request.requested_on.isoformat(),
        "meeting_on": ruling.meeting.held_on.isoformat(),
    }


__all__ = ["BUILTIN_DISTINCTIONS", "BUILTIN_FACTORS", "COUNTERSIGN_AWAITED", "first_ruling_voter_ids"]
