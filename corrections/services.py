"""Correction (纠错), clarification (澄清正名) and closing a ruled case.

Stages (DESIGN §2): ``ruled`` → ``correction`` (Kunming's five steps) →
``clarification`` → ``closed``. Skipping the correction (with a reason)
goes from ``ruled`` straight to ``clarification``. The case stays in
``clarification`` until its clarification is issued or skipped (with a
reason); then it may be closed, keeping the ruling's outcome.

Every service: one transaction, the case row locked (``case_lock``), the
registered action checked for the actor and the stage (``case_guard``,
which also refuses everything on a closed case), then the step order
checked (``_state_error``, the one place that says which step may come
next; the case page reads it too), the change saved, a ``CaseEvent``
written, and side effects (letters, notifications) after commit.
"""

import datetime as dt
from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from cases.models import Case, Stage
from cases.services import case_close, case_event_record, case_guard, case_issue_letter, case_lock, case_move
from cases.uploads import check_upload, stored_upload
from core.exceptions import ApplicationError
from core.referrals import referral_write
from core.steps import steps_of
from deadlines import services as clocks
from letters.models import Letter
from policies.models import TimeLimitStage
from policies.procedure import correction_mode
from policies.procedure import four_forms as version_four_forms
from reviews.models import Ruling

from .models import (
    Clarification,
    Correction,
    CorrectionFile,
    EventKind,
    FourForms,
    Method,
    RectificationReport,
    RectificationTask,
    Scope,
    UntruePoint,
)

# --- Messages (English msgids; translated when raised) ---------------------------------
NO_RULING = gettext_lazy("The case has no ruling in force.")
CORRECTION_DECIDED = gettext_lazy("The correction has already been started or skipped.")
STEP_DONE = gettext_lazy("This step has already been recorded.")
STEP_ORDER = gettext_lazy("Complete the step “%(step)s” first.")
TASKS_NOT_ACCEPTED = gettext_lazy("Every rectification task must be accepted before the rules are improved.")
NO_OPEN_TASK = gettext_lazy("No rectification task is awaiting a report.")
NO_REPORT = gettext_lazy("No rectification report is awaiting a decision.")
TASK_NOT_OPEN = gettext_lazy("This rectification task is not awaiting a report.")
TASK_NOT_REPORTED = gettext_lazy("This rectification task has no report awaiting a decision.")
UNKNOWN_TASK = gettext_lazy("Unknown rectification task.")
CLARIFICATION_EXISTS = gettext_lazy("A clarification has already been requested or skipped.")
NO_CLARIFICATION = gettext_lazy("No clarification has been requested or proposed.")
CLARIFICATION_DONE = gettext_lazy("The clarification has already been issued or skipped.")
NO_POINTS = gettext_lazy("Record at least one untrue point first.")
REFERRAL_EXISTS = gettext_lazy("A referral has already been recorded.")
NOT_FINISHED = gettext_lazy("A case closes only when its correction and its clarification are finished or skipped.")
REQUIRED = gettext_lazy("This field is required.")
TALK_BEFORE_START = gettext_lazy("The talk cannot precede the start of the correction.")
FUTURE_DATE = gettext_lazy("The date cannot be in the future.")
TOO_MANY_FILES = gettext_lazy("At most %(max)s files may be added.")
FOUR_FORMS_ONLY = gettext_lazy(
    "This 办法 corrects errors by the four forms (分类处置): the five correction steps do not apply."
)
FOUR_FORMS_REQUIRED = gettext_lazy("Choose the form (四种形态) and record how it is handled.")
NO_PROCEDURE = gettext_lazy(
    "This 办法 names no correction procedure (参照同类规定拟定（待核定）): record what is corrected and how it is "
    "handled; the five correction steps are another jurisdiction's."
)
HANDLING_REQUIRED = gettext_lazy("Record how the error is handled (处置情况).")

STEP_LABELS = {
    1: gettext_lazy("Start the correction"),
    2: gettext_lazy("Correction notice"),
    3: gettext_lazy("Reminder talk"),
    4: gettext_lazy("Supervised rectification"),
    5: gettext_lazy("Improve the rules"),
}

CORRECTION_STEP_ACTIONS = (
    "send_correction_notice", "record_talk", "add_rectification_task", "submit_rectification_report",
    "accept_rectification", "return_rectification", "record_rule_change",
)


# --- The order of the steps: one place ------------------------------------------------------


def state_error(action: str, *, case: Case, correction: Correction | None,
                 clarification: Clarification | None, tasks: list[RectificationTask]):
    """Why ``action`` may not come next in the correction/clarification
    record (the stage is checked by ``case_guard``), or None."""
    if action in ("start_correction", "skip_correction"):
        return CORRECTION_DECIDED if correction is not None else None
    # Issue 16: a 办法 that corrects by the four forms (怀来: 运用“四种形态”
    # 分类处置) has no five steps; its correction is the classification and
    # handling recorded when it starts.
    # A 办法 that names no correction procedure (issue 16) runs none of the
    # five steps either: they are Kunming's, not a default.
    mode = correction_mode(case.policy_version) if action in CORRECTION_STEP_ACTIONS else "five_steps"
    if mode == "four_forms":
        return FOUR_FORMS_ONLY
    if mode != "five_steps":
        return NO_PROCEDURE
    if action in CORRECTION_STEP_ACTIONS:
        if correction is None or correction.status != Correction.Status.IN_PROGRESS:
            return STEP_ORDER % {"step": STEP_LABELS[1]}
        if action == "send_correction_notice":
            return STEP_DONE if correction.notice_sent_at else None
        if not correction.notice_sent_at:
            return STEP_ORDER % {"step": STEP_LABELS[2]}
        if action == "record_talk":
            return STEP_DONE if correction.talk_on else None
        if not correction.talk_on:
            return STEP_ORDER % {"step": STEP_LABELS[3]}
        statuses = {t.status for t in tasks}
        if action == "add_rectification_task":
            return None
        if action == "submit_rectification_report":
            return None if RectificationTask.Status.OPEN in statuses else NO_OPEN_TASK
        if action in ("accept_rectification", "return_rectification"):
            return None if RectificationTask.Status.REPORTED in statuses else NO_REPORT
        # record_rule_change: step 4 is done when every task is accepted.
        if not tasks or statuses != {RectificationTask.Status.ACCEPTED}:
            return TASKS_NOT_ACCEPTED
        return None
    done = clarification is not None and clarification.status in (
        Clarification.Status.ISSUED, Clarification.Status.SKIPPED)
    if action == "request_clarification":
        return CLARIFICATION_EXISTS if clarification is not None else None
    if action == "record_clarification":
        if clarification is None:
            return NO_CLARIFICATION
        return CLARIFICATION_DONE if done else None
    if action == "issue_clarification":
        if done:
            return CLARIFICATION_DONE
        return None if clarification is not None and clarification.status == Clarification.Status.RECORDED \
            else NO_POINTS
    if action == "record_referral":
        if clarification is None or clarification.status not in (
                Clarification.Status.RECORDED, Clarification.Status.ISSUED):
            return NO_POINTS
        return REFERRAL_EXISTS if clarification.referred_on else None
    if action == "skip_clarification":
        return CLARIFICATION_DONE if done else None
    if action == "close":
        correction_done = correction is not None and correction.status != Correction.Status.IN_PROGRESS
        return None if done and correction_done else NOT_FINISHED
    raise KeyError(action)


def correction_next_actions(*, case: Case, correction: Correction | None,
                            clarification: Clarification | None, tasks: list[RectificationTask]) -> set[str]:
    """The actions of this app that the record allows next (whoever takes
    them), from the steps declared in ``corrections/steps.py``."""
    return {
        name for name, step in steps_of("case").items()
        if step.app == "corrections" and case.stage in step.stages and state_error(name, case=case, correction=correction,
                                                 clarification=clarification, tasks=tasks) is None
    }


def _begin(case: Case, actor: User, action: str):
    """Lock the case, check the actor and the stage, then the step order.
    Returns (case, correction, clarification, tasks), the rows locked."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action=action)
    correction = Correction.objects.select_for_update().filter(case=case).first()
    clarification = Clarification.objects.select_for_update().filter(case=case).first()
    tasks = list(RectificationTask.objects.select_for_update().filter(correction=correction).order_by("pk")) \
        if correction else []
    error = state_error(action, case=case, correction=correction, clarification=clarification, tasks=tasks)
    if error is not None:
        raise ApplicationError(str(error), code="illegal_transition", status_code=409)
    return case, correction, clarification, tasks


def _required(**values) -> dict:
    cleaned = {k: (v or "").strip() for k, v in values.items()}
    missing = {k: [_(REQUIRED)] for k, v in cleaned.items() if not v}
    if missing:
        raise ValidationError(missing)
    return cleaned


def _not_future(field: str, value: dt.date) -> None:
    if value > timezone.localdate():
        raise ValidationError({field: _(FUTURE_DATE)})


def _check_files(files, *, already: int = 0) -> list[tuple]:
    """Sniff and measure every file before anything is stored."""
    files = list(files or [])
    if already + len(files) > settings.CASE_ATTACHMENT_MAX_COUNT:
        raise ValidationError({"files": _(TOO_MANY_FILES) % {"max": settings.CASE_ATTACHMENT_MAX_COUNT}})
    checked = []
    for f in files:
        c = check_upload(f, field="files")
        checked.append((f, c.name, c.content_type, c.size, c.sha256))
    return checked


def _store_files(checked, *, case: Case, actor: User, report=None, correction=None) -> list[CorrectionFile]:
    """Store checked files. Called last in a step, after every check, so a
    refused step stores nothing; a failure while storing removes what was
    stored (like ``cases.services.attachment_add``)."""
    stored: list[CorrectionFile] = []
    # Each file is removed again if storing any later one fails.
    with ExitStack() as files:
        for f, name, content_type, size, sha in checked:
            row = CorrectionFile(case=case, report=report, correction=correction, original_name=name,
                                 content_type=content_type, size=size, sha256=sha, uploaded_by=actor)
            files.enter_context(stored_upload(row.file, f))
            row.save()
            stored.append(row)
    return stored


def _file_data(rows: list[CorrectionFile]) -> list[dict]:
    return [{"id": r.pk, "name": r.original_name, "sha256": r.sha256} for r in rows]


def _current_ruling(case: Case):
    return Ruling.objects.filter(case=case, is_current=True).first()


def _enter_clarification(case: Case, *, kind: str, actor: User, reason: str = "", data=None) -> None:
    """Move to the clarification stage and open its clock (Huailai's
    clarification time limit, from the policy version of the case)."""
    case_move(case, to=Stage.CLARIFICATION, kind=kind, actor=actor, reason=reason, data=data)
    if not case.clocks.filter(stage=TimeLimitStage.CLARIFICATION).exists():
        clocks.clock_open(case=case, stage=TimeLimitStage.CLARIFICATION)


# --- Correction --------------------------------------------------------------------------------


@transaction.atomic
def correction_start(*, case: Case, actor: User, decided_by: str, problems: str,
                     four_forms: str = "", four_forms_note: str = "") -> Correction:
    """Step 1 (启动纠错): who decided, what is to be corrected and, where
    discipline applies, the four-forms classification. Opens the correction
    clock (the policy's correction time limit)."""
    case, correction, _c, _t = _begin(case, actor, "start_correction")
    ruling = _current_ruling(case)
    if ruling is None:
        raise ApplicationError(_(NO_RULING), code="illegal_transition", status_code=409)
    values = _required(decided_by=decided_by, problems=problems)
    if four_forms not in FourForms.values:
        raise ValidationError({"four_forms": _("Choose one of the four forms, or none.")})
    mode = correction_mode(case.policy_version)
    by_forms = mode == "four_forms"
    if by_forms and not (four_forms_note or "").strip():
        # The handling the 办法 gives the chosen form, where it gives one.
        four_forms_note = next((f["handling"] for f in version_four_forms(case.policy_version)
                                if f["form"] == four_forms), "")
    if by_forms and (not four_forms or not (four_forms_note or "").strip()):
        raise ValidationError({"four_forms": _(FOUR_FORMS_REQUIRED)})
    if mode != "five_steps" and not by_forms and not (four_forms_note or "").strip():
        raise ValidationError({"four_forms_note": _(HANDLING_REQUIRED)})
    correction = Correction.objects.create(
        case=case, started_by=actor, started_on=timezone.localdate(), four_forms=four_forms,
        four_forms_note=(four_forms_note or "").strip(), **values,
    )
    case_move(case, to=Stage.CORRECTION, kind=EventKind.CORRECTION_STARTED, actor=actor,
              reason=values["problems"],
              data={"decided_by": values["decided_by"], "four_forms": four_forms, "ruling": ruling.pk})
    if by_forms:
        # 分类处置: the form and its handling are the correction; it is
        # complete and the case moves on to clarification.
        correction.status = Correction.Status.COMPLETED
        correction.completed_at = timezone.now()
        correction.save(update_fields=["status", "completed_at", "updated_at"])
        _enter_clarification(case, kind=EventKind.FOUR_FORMS_HANDLED, actor=actor,
                             reason=correction.four_forms_note,
                             data={"four_forms": four_forms, "handling": correction.four_forms_note})
        return correction
    if mode != "five_steps":
        # No procedure configured: the record of what is corrected and how
        # is the correction; no step, notice or time limit is invented.
        correction.status = Correction.Status.COMPLETED
        correction.completed_at = timezone.now()
        correction.save(update_fields=["status", "completed_at", "updated_at"])
        _enter_clarification(case, kind=EventKind.CORRECTION_HANDLED, actor=actor,
                             reason=correction.four_forms_note,
                             data={"four_forms": four_forms, "handling": correction.four_forms_note,
                                   "procedure": "unspecified"})
        return correction
    clocks.clock_open(case=case, stage=TimeLimitStage.CORRECTION)
    return correction


@transaction.atomic
def correction_notice_send(*, case: Case, actor: User, recipients: str = "") -> Correction:
    """Step 2 (发送通知): the correction notice (纠错通知书) to the cadre and
    his unit, with the correction's due date."""
    case, correction, _c, _t = _begin(case, actor, "send_correction_notice")
    recipients = (recipients or "").strip() or f"{case.applicant.display_name}、{case.unit.name}"
    clock = case.clocks.filter(stage=TimeLimitStage.CORRECTION).order_by("-id").first()
    context = {"problems": correction.problems}
    if clock is not None and clock.due_date:
        context["due_on"] = clock.due_date.isoformat()
    case_issue_letter(case, "correction_notice", actor, context=context)
    correction.notice_letter = Letter.objects.filter(case=case, kind="correction_notice", ref="").first()
    correction.notice_sent_at = timezone.now()
    correction.notice_recipients = recipients
    correction.save(update_fields=["notice_letter", "notice_sent_at", "notice_recipients", "updated_at"])
    case_event_record(case=case, kind=EventKind.CORRECTION_NOTICE_SENT, actor=actor, from_stage=case.stage,
                      data={"recipients": recipients, "letter": correction.notice_letter_id,
                            "number": correction.notice_letter.number if correction.notice_letter else ""})
    return correction


@transaction.atomic
def correction_talk_record(*, case: Case, actor: User, talk_on: dt.date, participants: str, record: str,
                           acknowledgement: str) -> Correction:
    """Step 3 (谈话提醒): date, participants, the record and the cadre's
    acknowledgement."""
    case, correction, _c, _t = _begin(case, actor, "record_talk")
    values = _required(participants=participants, record=record, acknowledgement=acknowledgement)
    _not_future("talk_on", talk_on)
    if correction.started_on and talk_on < correction.started_on:
        raise ValidationError({"talk_on": _(TALK_BEFORE_START)})
    correction.talk_on = talk_on
    correction.talk_participants = values["participants"]
    correction.talk_record = values["record"]
    correction.talk_acknowledgement = values["acknowledgement"]
    correction.talk_recorded_by = actor
    correction.save(update_fields=["talk_on", "talk_participants", "talk_record", "talk_acknowledgement",
                                   "talk_recorded_by", "updated_at"])
    case_event_record(case=case, kind=EventKind.TALK_RECORDED, actor=actor, from_stage=case.stage,
                      reason=values["record"],
                      data={"talk_on": talk_on.isoformat(), "participants": values["participants"]})
    return correction


def _open_task_clock(case: Case, task: RectificationTask) -> None:
    """The task's deadline: the policy's rectification time limit (working
    days) from today, one clock per deadline."""
    task.clock = clocks.clock_open(case=case, stage=TimeLimitStage.RECTIFICATION, ref=str(task.pk))
    task.save(update_fields=["clock", "updated_at"])


@transaction.atomic
def rectification_task_add(*, case: Case, actor: User, description: str) -> RectificationTask:
    """Step 4 (督促整改): a task for the cadre, due within the policy's
    rectification time limit."""
    case, correction, _c, tasks = _begin(case, actor, "add_rectification_task")
    values = _required(description=description)
    task = RectificationTask.objects.create(
        correction=correction, number=len(tasks) + 1, description=values["description"], set_by=actor,
    )
    _open_task_clock(case, task)
    case_event_record(case=case, kind=EventKind.RECTIFICATION_TASK_ADDED, actor=actor, from_stage=case.stage,
                      reason=values["description"],
                      data={"task": task.pk, "number": task.number,
                            "due": task.clock.due_date.isoformat() if task.clock and task.clock.due_date else None})
    return task


def _task(tasks: list[RectificationTask], task_id) -> RectificationTask:
    for task in tasks:
        if str(task.pk) == str(task_id):
            return task
    raise ValidationError({"task_id": _(UNKNOWN_TASK)})


@transaction.atomic
def rectification_report_submit(*, case: Case, actor: User, task_id: int, text: str,
                                files=()) -> RectificationReport:
    """The cadre's rectification report (整改报告) with evidence. Only the
    case's applicant may submit it (the registered action says so). The
    task's clock stops: the cadre's part is done in time or not."""
    case, correction, _c, tasks = _begin(case, actor, "submit_rectification_report")
    task = _task(tasks, task_id)
    if task.status != RectificationTask.Status.OPEN:
        raise ApplicationError(_(TASK_NOT_OPEN), code="illegal_transition", status_code=409)
    values = _required(text=text)
    checked = _check_files(files, already=case.correction_files.count())
    report = RectificationReport.objects.create(task=task, submitted_by=actor, text=values["text"])
    task.status = RectificationTask.Status.REPORTED
    task.save(update_fields=["status", "updated_at"])
    clocks.clock_stop(case=case, stage=TimeLimitStage.RECTIFICATION, ref=str(task.pk), actor=actor,
                      reason=_("Rectification report submitted"))
    stored = _store_files(checked, case=case, actor=actor, report=report)
    case_event_record(case=case, kind=EventKind.RECTIFICATION_REPORT_SUBMITTED, actor=actor,
                      from_stage=case.stage, reason=values["text"],
                      data={"task": task.pk, "number": task.number, "report": report.pk,
                            "files": _file_data(stored)})
    return report


def _pending_report(task: RectificationTask) -> RectificationReport:
    report = task.reports.select_for_update().filter(decision=RectificationReport.Decision.PENDING) \
        .order_by("-id").first()
    if task.status != RectificationTask.Status.REPORTED or report is None:
        raise ApplicationError(_(TASK_NOT_REPORTED), code="illegal_transition", status_code=409)
    return report


@transaction.atomic
def rectification_accept(*, case: Case, actor: User, task_id: int, reason: str = "") -> RectificationTask:
    case, correction, _c, tasks = _begin(case, actor, "accept_rectification")
    task = _task(tasks, task_id)
    report = _pending_report(task)
    report.decision = RectificationReport.Decision.ACCEPTED
    report.decision_reason = (reason or "").strip()
    report.decided_by, report.decided_at = actor, timezone.now()
    report.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at", "updated_at"])
    task.status = RectificationTask.Status.ACCEPTED
    task.save(update_fields=["status", "updated_at"])
    case_event_record(case=case, kind=EventKind.RECTIFICATION_ACCEPTED, actor=actor, from_stage=case.stage,
                      reason=report.decision_reason,
                      data={"task": task.pk, "number": task.number, "report": report.pk})
    return task


@transaction.atomic
def rectification_return(*, case: Case, actor: User, task_id: int, reason: str) -> RectificationTask:
    """The report falls short: it goes back to the cadre with the reasons
    and a new deadline (a new clock from today)."""
    case, correction, _c, tasks = _begin(case, actor, "return_rectification")
    task = _task(tasks, task_id)
    report = _pending_report(task)
    values = _required(reason=reason)
    report.decision = RectificationReport.Decision.RETURNED
    report.decision_reason = values["reason"]
    report.decided_by, report.decided_at = actor, timezone.now()
    report.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at", "updated_at"])
    task.status = RectificationTask.Status.OPEN
    old_due = task.clock.due_date if task.clock else None
    _open_task_clock(case, task)
    task.save(update_fields=["status", "updated_at"])
    case_event_record(case=case, kind=EventKind.RECTIFICATION_RETURNED, actor=actor, from_stage=case.stage,
                      reason=values["reason"],
                      data={"task": task.pk, "number": task.number, "report": report.pk,
                            "due_before": old_due.isoformat() if old_due else None,
                            "due": task.clock.due_date.isoformat() if task.clock and task.clock.due_date else None})
    return task


@transaction.atomic
def correction_rule_change_record(*, case: Case, actor: User, rule_change: str, document_title: str,
                                  files=()) -> Correction:
    """Step 5 (完善制度): what rule or procedure the unit changed, with the
    document. The correction is then complete: its clock stops and the case
    moves on to clarification."""
    case, correction, _c, _t = _begin(case, actor, "record_rule_change")
    values = _required(rule_change=rule_change, document_title=document_title)
    checked = _check_files(files, already=case.correction_files.count())
    now = timezone.now()
    correction.rule_change = values["rule_change"]
    correction.rule_document_title = values["document_title"]
    correction.rule_recorded_at = correction.completed_at = now
    correction.rule_recorded_by = actor
    correction.status = Correction.Status.COMPLETED
    correction.save(update_fields=["rule_change", "rule_document_title", "rule_recorded_at", "completed_at",
                                   "rule_recorded_by", "status", "updated_at"])
    stored = _store_files(checked, case=case, actor=actor, correction=correction)
    clocks.clock_stop(case=case, stage=TimeLimitStage.CORRECTION, actor=actor)
    _enter_clarification(case, kind=EventKind.RULE_CHANGE_RECORDED, actor=actor, reason=values["rule_change"],
                         data={"document": values["document_title"], "files": _file_data(stored)})
    return correction


@transaction.atomic
def correction_skip(*, case: Case, actor: User, reason: str) -> Correction:
    """No correction for this case, with the recorded reason; the case
    moves on to clarification."""
    case, _co, _c, _t = _begin(case, actor, "skip_correction")
    if _current_ruling(case) is None:
        raise ApplicationError(_(NO_RULING), code="illegal_transition", status_code=409)
    values = _required(reason=reason)
    correction = Correction.objects.create(case=case, started_by=actor, status=Correction.Status.SKIPPED,
                                           skip_reason=values["reason"])
    _enter_clarification(case, kind=EventKind.CORRECTION_SKIPPED, actor=actor, reason=values["reason"])
    return correction


# --- Clarification ---------------------------------------------------------------------------


@transaction.atomic
def clarification_request(*, case: Case, actor: User, reason: str) -> Clarification:
    """The cadre requests a clarification, or the handling department
    proposes one (the actor's role decides which)."""
    case, _co, _c, _t = _begin(case, actor, "request_clarification")
    values = _required(reason=reason)
    by_cadre = actor.pk == case.applicant_id
    clarification = Clarification.objects.create(
        case=case, status=Clarification.Status.REQUESTED, requested_by=actor, request_reason=values["reason"],
        origin=Clarification.Origin.CADRE if by_cadre else Clarification.Origin.DEPARTMENT,
    )
    kind = EventKind.CLARIFICATION_REQUESTED if by_cadre else EventKind.CLARIFICATION_PROPOSED
    case_event_record(case=case, kind=kind, actor=actor, from_stage=case.stage, reason=values["reason"])
    return clarification


@transaction.atomic
def clarification_record(*, case: Case, actor: User, points: list[dict]) -> list[UntruePoint]:
    """Which points of the report proved untrue (失实): each what the report
    said and what verification found. Only these are clarified; there is
    deliberately no field for an overall judgement of the person. May be
    called again to add points until the statement is issued."""
    case, _co, clarification, _t = _begin(case, actor, "record_clarification")
    cleaned = []
    for p in points or []:
        allegation, finding = (p.get("allegation") or "").strip(), (p.get("finding") or "").strip()
        if allegation or finding:
            cleaned.append(_required(allegation=allegation, finding=finding))
    if not cleaned:
        raise ValidationError({"points": _(NO_POINTS)})
    start = clarification.points.count()
    rows = UntruePoint.objects.bulk_create(
        UntruePoint(clarification=clarification, number=start + i, recorded_by=actor, **p)
        for i, p in enumerate(cleaned, 1)
    )
    clarification.status = Clarification.Status.RECORDED
    clarification.save(update_fields=["status", "updated_at"])
    case_event_record(case=case, kind=EventKind.CLARIFICATION_RECORDED, actor=actor, from_stage=case.stage,
                      data={"points": [{"number": r.number, "allegation": r.allegation, "finding": r.finding}
                                       for r in rows]})
    return rows


def _findings_text(points) -> str:
    # The letter is an official Chinese document whatever the UI language.
    return "\n".join(f"{p.number}. 关于反映“{p.allegation}”的问题。经核实，{p.finding}" for p in points)


@transaction.atomic
def clarification_issue(*, case: Case, actor: User, scope: str, method: str) -> Clarification:
    """The clarification statement (澄清说明) for the chosen scope and
    method, stating the untrue points only."""
    case, _co, clarification, _t = _begin(case, actor, "issue_clarification")
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose the scope: the unit, the system or public.")})
    if method not in Method.values:
        raise ValidationError({"method": _("Choose the method: letter, meeting or notice.")})
    points = list(clarification.points.all())
    case_issue_letter(case, "clarification", actor,
                      context={"findings": _findings_text(points), "scope": scope, "method": method})
    clarification.letter = Letter.objects.filter(case=case, kind="clarification", ref="").first()
    clarification.scope, clarification.method = scope, method
    clarification.issued_at, clarification.issued_by = timezone.now(), actor
    clarification.status = Clarification.Status.ISSUED
    clarification.save(update_fields=["letter", "scope", "method", "issued_at", "issued_by", "status",
                                      "updated_at"])
    clocks.clock_stop(case=case, stage=TimeLimitStage.CLARIFICATION, actor=actor)
    case_event_record(case=case, kind=EventKind.CLARIFICATION_ISSUED, actor=actor, from_stage=case.stage,
                      data={"scope": scope, "method": method, "letter": clarification.letter_id,
                            "number": clarification.letter.number if clarification.letter else "",
                            "points": [p.number for p in points]})
    return clarification


@transaction.atomic
def clarification_referral_record(*, case: Case, actor: User, referred_to: str, facts: str,
                                   referred_on: dt.date | None = None) -> Clarification:
    """诬告陷害: the false report was a malicious accusation; the referral
    (to the body that handles it) is recorded."""
    case, _co, clarification, _t = _begin(case, actor, "record_referral")
    data = referral_write(clarification, actor=actor, referred_to=referred_to, facts=facts,
                          referred_on=referred_on)
    case_event_record(case=case, kind=EventKind.REFERRAL_RECORDED, actor=actor, from_stage=case.stage,
                      reason=clarification.referral_facts, data=data)
    return clarification


@transaction.atomic
def clarification_skip(*, case: Case, actor: User, reason: str) -> Clarification:
    case, _co, clarification, _t = _begin(case, actor, "skip_clarification")
    values = _required(reason=reason)
    if clarification is None:
        clarification = Clarification(case=case, origin=Clarification.Origin.NONE)
    clarification.status = Clarification.Status.SKIPPED
    clarification.skip_reason = values["reason"]
    clarification.save()
    clocks.clock_stop(case=case, stage=TimeLimitStage.CLARIFICATION, actor=actor, reason=values["reason"])
    case_event_record(case=case, kind=EventKind.CLARIFICATION_SKIPPED, actor=actor, from_stage=case.stage,
                      reason=values["reason"])
    return clarification


# --- Closing ------------------------------------------------------------------------------------


@transaction.atomic
def correction_case_close(*, case: Case, actor: User, reason: str = "") -> Case:
    """Close a ruled case whose correction and clarification are finished
    or skipped. The ruling's outcome is kept; every clock stops; the case is
    read-only from now on (``case_guard`` refuses every action)."""
    case, _co, _c, _t = _begin(case, actor, "close")
    case_close(case, outcome=case.outcome, kind=EventKind.CASE_CLOSED, actor=actor, reason=(reason or "").strip())
    return case


# The service of each registered action (views and APIs dispatch on it).
ACTION_SERVICES = {
    "start_correction": correction_start,
    "send_correction_notice": correction_notice_send,
    "record_talk": correction_talk_record,
    "add_rectification_task": rectification_task_add,
    "submit_rectification_report": rectification_report_submit,
    "accept_rectification": rectification_accept,
    "return_rectification": rectification_return,
    "record_rule_change": correction_rule_change_record,
    "skip_correction": correction_skip,
    "request_clarification": clarification_request,
    "record_clarification": clarification_record,
    "issue_clarification": clarification_issue,
    "record_referral": clarification_referral_record,
    "skip_clarification": clarification_skip,
    "close": correction_case_close,
}
