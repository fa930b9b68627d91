"""Every change to a pre-filing (事前报备), its progress reports, early
warnings, evaluation and citations.

Each transition: keyword-only arguments with an explicit ``actor``, one
transaction with the filing row locked, a guard on the actor and the
status (``ApplicationError`` with a message constant below), a
``PreFilingEvent`` in the same transaction, and side effects (notifications,
the registration letter) scheduled after commit.

Allowed transitions (status → action → status):

    draft       submit              submitted
    submitted   request_supplement  supplement
    supplement  supplement          submitted
    submitted   register            registered   (number, letter, report clock)
    submitted   refuse              refused
    registered  report_progress     registered   (may raise early warnings)
    registered  evaluate            closed

The actions are steps of the kernel (``prefilings/steps.py``, subject
"prefiling"): the page's forms, the API's ``actions`` and each service's
guard (``core.steps.step_guard``) read those declarations. The due dates are
clocks (``deadlines``: the review, each progress report, the evaluation at
the end of the period), whose reminders and escalation the clocks' sweep
sends; the filing keeps a copy of their due dates for its lists.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, Role, User
from accounts.selectors import user_has_role
from cases.selectors import case_parties
from cases.services import case_event_record, case_guard, case_lock
from cases.uploads import check_upload, stored_upload
from core.events import event_audience, event_kind_require, event_written
from core.exceptions import ApplicationError
from core.history import chain_append
from core.steps import step_guard, steps_for_user
from deadlines import services as clocks
from letters.services import letter_issue_for_prefiling
from letters.snapshot import date_cn
from notifications.selectors import AudienceCache
from notifications.services import notify
from policies.calendar import CALENDAR_DAY, WorkCalendar, compute_due_date
from policies.models import PolicyItem, TimeLimitStage
from policies.procedure import prevention_procedures
from policies.selectors import policy_version_in_force, stage_time_limit
from reviews.selectors import inspector_may_handle as case_inspector

from .models import (
    Citation,
    EarlyWarning,
    Evaluation,
    PreFiling,
    PreFilingAttachment,
    PreFilingEvent,
    PreFilingEventKind,
    PreFilingNumberCounter,
    Procedure,
    ProgressReport,
)
from .selectors import prefiling_get_citable, prefiling_version_for

S = PreFiling.Status

# --- Messages (English msgids; translated when raised) -------------------------------
NOT_ALLOWED = gettext_lazy("You may not do this on this pre-filing.")
ILLEGAL_STATUS = gettext_lazy("This action is not possible while the pre-filing is “%(status)s”.")
NOT_OF_UNIT = gettext_lazy("You may file measures only for a unit where you hold the applicant or unit reviewer role.")
NO_POLICY = gettext_lazy("No published fault-tolerance policy is in force for %(unit)s.")
NO_JURISDICTION = gettext_lazy("The unit %(unit)s belongs to no jurisdiction.")
INCOMPLETE = gettext_lazy("The pre-filing is incomplete: %(missing)s.")
PERIOD_ORDER = gettext_lazy("The period must end after it starts.")
REASON_REQUIRED = gettext_lazy("Give the reasons.")
MISSING_REQUIRED = gettext_lazy("Say what is missing.")
ANSWER_REQUIRED = gettext_lazy("Describe what you supplied.")
INTERVAL_INVALID = gettext_lazy("The progress-report interval must be between 1 and 366 days.")
NO_INTERVAL = gettext_lazy("Set the progress-report interval: the policy sets no default.")
REPORT_RISKS = gettext_lazy("Say for every declared risk whether it was realised.")
SUMMARY_REQUIRED = gettext_lazy("Describe the progress of the measure.")
WARNING_RESOLVED = gettext_lazy("This early warning is already resolved.")
NO_OPEN_WARNING = gettext_lazy("The pre-filing has no open early warning.")
RESOLUTION_REQUIRED = gettext_lazy("Choose a reminder talk or guidance and record what was said or done.")
DATE_FUTURE = gettext_lazy("The date cannot be in the future.")
EVALUATION_REQUIRED = gettext_lazy("Record the outcome and the lessons learned.")
NOT_CITABLE = gettext_lazy(
    "Only a registered pre-filing can be cited; “%(filing)s” is %(status)s."
)
OTHER_JURISDICTION = gettext_lazy("The pre-filing belongs to another jurisdiction than the case.")
ALREADY_CITED = gettext_lazy("The case already cites this pre-filing.")
CASE_NOT_ALLOWED = gettext_lazy("You may not cite a pre-filing on this case now.")
TOO_MANY_FILES = gettext_lazy("A pre-filing can have at most %(max)s files.")
FILE_LOCKED = gettext_lazy("Files of a submitted pre-filing cannot be changed or removed.")
UNKNOWN_KIND = gettext_lazy("Unknown file kind.")

EDITABLE_FIELDS = ["title", "measure", "reasons", "risks", "procedures", "area", "responsible", "period_start",
                   "period_end"]
MAX_RISKS = 20


# --- Who may do what -----------------------------------------------------------------------


def is_unit_side(filing: PreFiling, user: User) -> bool:
    """The filer, or a unit reviewer of the filing's unit (the unit acts
    through them)."""
    return user.pk == filing.filed_by_id or user_has_role(user, Role.UNIT_REVIEWER, filing.unit)


def is_intake(filing: PreFiling, user: User) -> bool:
    return user_has_role(user, Role.INTAKE, filing.unit)


def inspector_may_handle(filing: PreFiling, user: User) -> bool:
    """An inspector of the jurisdiction who is neither the filer nor a
    member of the filing unit (回避, as for cases)."""
    if not user_has_role(user, Role.INSPECTOR, filing.unit):
        return False
    return user.pk != filing.filed_by_id and user.org_unit_id != filing.unit_id


def prefiling_actions_for_user(*, filing: PreFiling, user: User) -> list[str]:
    """The actions ``user`` may take on ``filing`` now (the page's forms,
    the API's ``actions``): the steps declared in ``prefilings/steps.py``."""
    return steps_for_user(filing, user, subject="prefiling")


def _guard(filing: PreFiling, actor: User, action: str) -> None:
    # The same declaration as the page's forms (prefilings/steps.py).
    step_guard(filing, actor, action, subject="prefiling")


def _lock(filing: PreFiling) -> PreFiling:
    return (PreFiling.objects.select_for_update(of=("self",))
            .select_related("unit", "jurisdiction", "policy_version__document__jurisdiction", "filed_by")
            .get(pk=filing.pk))


# --- History and notifications ----------------------------------------------------------


def _event(filing: PreFiling, *, kind: str, actor: User | None, from_status: str = "", to_status: str = "",
           reason: str = "", data: dict | None = None) -> PreFilingEvent:
    """Append a history event; its notifications go out after commit."""
    event_kind_require(kind, "prefiling")
    event = chain_append(
        PreFilingEvent, prefiling=filing, kind=kind, actor=actor, from_status=from_status or filing.status,
        to_status=to_status or from_status or filing.status, reason=reason, data=data or {},
    )
    # Whoever the kind's registered audience names hears of it: the
    # subscriber (prefilings/events.py) enqueues in this transaction (outbox).
    if event_audience(kind, "prefiling"):
        event_written(subject="prefiling", event_id=event.pk)
    return event


def prefiling_event_record_for(filing: PreFiling, kind: str, actor: User | None, reason: str = "",
                               data: dict | None = None) -> PreFilingEvent:
    """The history writer as the infrastructure calls it (core.subjects):
    letters record their events on the filing through it."""
    filing = PreFiling.objects.get(pk=filing.pk)
    return _event(filing, kind=kind, actor=actor, reason=reason, data=data)


def _move(filing: PreFiling, *, to: str, kind: str, actor: User, reason: str = "", data=None,
          extra_fields: tuple[str, ...] = ()) -> PreFilingEvent:
    from_status = filing.status
    filing.status = to
    filing.next_due = _next_due(filing)
    filing.save(update_fields=["status", "next_due", "updated_at", *extra_fields])
    return _event(filing, kind=kind, actor=actor, from_status=from_status, to_status=to, reason=reason, data=data)


UNIT = "unit"  # the filer and the unit reviewers of the filing's unit
INTAKE = "intake"
INSPECTORS = "inspectors"
SUPERVISORS = "supervisors"

# Who hears of each event: registered with its kind (prefilings/events.py).


def prefiling_url(filing_id: int) -> str:
    return reverse("prefilings:detail", args=[filing_id])


def _audience(filing: PreFiling, tokens, cache=None) -> list[User]:
    cache = cache or AudienceCache()
    out: list[User] = []
    for token in tokens:
        if token == UNIT:
            out.append(filing.filed_by)
            out.extend(cache.holders(Role.UNIT_REVIEWER, filing.unit))
        elif token == INTAKE:
            out.extend(cache.holders(Role.INTAKE, filing.unit))
        elif token == INSPECTORS:
            out.extend(u for u in cache.holders(Role.INSPECTOR, filing.unit) if inspector_may_handle(filing, u))
        elif token == SUPERVISORS:
            out.extend(cache.holders(Role.SUPERVISOR, filing.unit))
    return out


def prefiling_label(filing: PreFiling) -> str:
    return f"{filing.number or '#' + str(filing.pk)} {filing.title}".strip()


def prefiling_event_notify(*, event_id: int) -> int:
    """Notify whoever the event concerns (``EVENT_AUDIENCE``). Safe to run
    twice: the event row is locked and marked, a second run does nothing.
    Returns the number of notifications made."""
    with transaction.atomic():
        event = (PreFilingEvent.objects.select_for_update(of=("self",))
                 .select_related("prefiling__unit", "prefiling__filed_by").filter(pk=event_id).first())
        if event is None or event.notified_at is not None:
            return 0
        filing = event.prefiling
        with translation.override(settings.LANGUAGE_CODE):
            message = _("%(filing)s: %(event)s.") % {
                "filing": prefiling_label(filing), "event": PreFilingEventKind(event.kind).label}
            if event.reason:
                message += " " + event.reason[:500]
        made = notify(recipients=_audience(filing, event_audience(event.kind, "prefiling")), actor=event.actor,
                      kind=f"prefiling:{event.kind}", message=message, url=prefiling_url(filing.pk))
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return len(made)


# --- Due dates ---------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _next_due(filing: PreFiling) -> dt.date | None:
    """What the sweep watches: the review's due date while intake decides;
    the next report or the end of the period while the measure runs."""
    if filing.status == S.SUBMITTED:
        return filing.review_due
    if filing.status == S.REGISTERED:
        dates = [d for d in (filing.next_report_due, filing.period_end) if d]
        return min(dates) if dates else None
    return None


REVIEW, REPORT, EVALUATION = (TimeLimitStage.PREFILING_REVIEW, TimeLimitStage.PROGRESS_REPORT,
                              TimeLimitStage.PREFILING_EVALUATION)


def _open_review(filing: PreFiling, start: dt.date) -> None:
    """The intake's time limit, a clock: the policy's ``prefiling_review``
    limit (1 working day for the initial review under the Songming rule,
    sft.yn.gov.cn Pages_4_8737). No limit in the policy: no clock, no due
    date."""
    _stop(filing, REVIEW)
    clock = clocks.clock_open(record=filing, stage=REVIEW, start=start)
    filing.review_due = clock.due_date if clock else None
    filing.review_due_flagged = bool(clock and clock.flagged)


def _stop(filing: PreFiling, stage: str, reason: str = "") -> None:
    clocks.clock_stop(record=filing, stage=stage, reason=reason)


def _open_report_clock(filing: PreFiling) -> None:
    """The next progress report's clock, to the date set (``next_report_due``)."""
    _stop(filing, REPORT)
    if filing.next_report_due:
        clocks.clock_open(record=filing, stage=REPORT, due_date=filing.next_report_due)


@transaction.atomic
def prefiling_clock_extend(*, filing: PreFiling, clock_id: int, actor: User, days: int, reason: str):
    """A supervisor extends one of the filing's clocks, as a case's: the
    deadlines' one service (``clock_extension_grant``: who may, the policy's
    maximum, the reason kept on the clock's entry, the ``deadline_extended``
    event in the filing's history, notified after commit). The dates the
    filing keeps for its lists (the review's, the next report's) follow."""
    filing = _lock(filing)
    clock = clocks.clock_extension_grant(record=filing, clock_id=clock_id, actor=actor, days=days, reason=reason)
    if clock.stage == REVIEW and filing.status == S.SUBMITTED:
        filing.review_due, filing.review_due_flagged = clock.due_date, clock.flagged
    elif clock.stage == REPORT and filing.status == S.REGISTERED:
        filing.next_report_due = clock.due_date
    filing.next_due = _next_due(filing)
    filing.save(update_fields=["review_due", "review_due_flagged", "next_report_due", "next_due", "updated_at"])
    return clock


def _report_due_after(filing: PreFiling, start: dt.date, calendar: WorkCalendar | None = None) -> dt.date | None:
    """The next progress report: ``report_interval_days`` calendar days
    after ``start`` (a due date on a rest day moves to the next working
    day); none once that falls after the end of the period, when the
    evaluation takes over."""
    if not filing.report_interval_days:
        return None
    due = compute_due_date(start, filing.report_interval_days, CALENDAR_DAY,
                           start_rule=filing.policy_version.start_rule, calendar=calendar).due
    if filing.period_end and due > filing.period_end:
        return None
    return due


# --- Drafts --------------------------------------------------------------------------------------


def _jurisdiction_of(unit: OrgUnit) -> OrgUnit:
    ids = unit.ancestor_ids()
    found = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids, kind=OrgUnit.Kind.JURISDICTION)}
    for pk in reversed(ids):
        if pk in found:
            return found[pk]
    raise ApplicationError(_(NO_JURISDICTION) % {"unit": unit.name}, code="no_jurisdiction")


def _clean_risks(raw) -> list[dict]:
    rows = []
    for row in raw or []:
        risk = str((row or {}).get("risk", "")).strip()
        control = str((row or {}).get("control", "")).strip()
        if risk or control:
            if not risk:
                raise ValidationError({"risks": _("Every control needs the risk it answers.")})
            rows.append({"risk": risk[:1000], "control": control[:2000]})
    if len(rows) > MAX_RISKS:
        raise ValidationError({"risks": _("At most %(max)s risks.") % {"max": MAX_RISKS}})
    return rows


AREA_NOT_OF_VERSION = gettext_lazy("Choose one of the error-prevention areas (防错重点范围) of the policy version.")


def _clean_area(filing: PreFiling, value):
    """A ``prevention_area`` item of the filing's own version (an item or
    its id), or None."""
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    item = PolicyItem.objects.filter(pk=pk, version_id=filing.policy_version_id,
                                     kind=PolicyItem.Kind.PREVENTION_AREA).first()
    if item is None:
        raise ValidationError({"area": _(AREA_NOT_OF_VERSION)})
    return item


def _clean_procedures(raw, version=None) -> dict:
    """The version's decision procedures (issue 18), each done or not."""
    raw = raw or {}
    out = {}
    codes = prevention_procedures(version) if version is not None else Procedure.values
    for code in [c for c in Procedure.values if c in codes]:
        value = raw.get(code) or {}
        out[code] = {"done": bool(value.get("done")), "note": str(value.get("note", "")).strip()[:2000]}
    return out


def _apply(filing: PreFiling, data: dict) -> list[str]:
    changed = []
    for field in EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "risks":
            value = _clean_risks(value)
        elif field == "procedures":
            value = _clean_procedures(value, filing.policy_version)
        elif field == "area":
            value = _clean_area(filing, value)
        elif isinstance(value, str):
            value = value.strip()
        if getattr(filing, field) != value:
            setattr(filing, field, value)
            changed.append(field)
    if filing.period_start and filing.period_end and filing.period_end <= filing.period_start:
        raise ValidationError({"period_end": _(PERIOD_ORDER)})
    if not filing.title:
        raise ValidationError({"title": _("Name the measure.")})
    return changed


@transaction.atomic
def prefiling_create(*, actor: User, unit: OrgUnit | None = None, **data) -> PreFiling:
    """A draft filed by ``actor`` for ``unit`` (default: his own unit),
    under the policy in force there today."""
    unit = unit or actor.org_unit
    if unit is None or not (user_has_role(actor, Role.APPLICANT, unit)
                            or user_has_role(actor, Role.UNIT_REVIEWER, unit)):
        raise ApplicationError(_(NOT_OF_UNIT), code="permission_denied", status_code=403)
    version = prefiling_version_for(unit=unit)
    if version is None:
        raise ApplicationError(_(NO_POLICY) % {"unit": unit.name}, code="no_policy")
    filing = PreFiling(unit=unit, filed_by=actor, jurisdiction=_jurisdiction_of(unit), policy_version=version,
                       procedures=_clean_procedures({}, version))
    _apply(filing, data)
    filing.save()
    _event(filing, kind=PreFilingEventKind.CREATED, actor=actor, from_status=S.DRAFT)
    return filing


@transaction.atomic
def prefiling_update(*, filing: PreFiling, actor: User, **data) -> PreFiling:
    filing = _lock(filing)
    _guard(filing, actor, "edit")
    changed = _apply(filing, data)
    if changed:
        filing.save(update_fields=[*changed, "updated_at"])
        _event(filing, kind=PreFilingEventKind.EDITED, actor=actor, data={"fields": changed})
    return filing


def prefiling_missing_parts(*, filing: PreFiling) -> list[str]:
    """What must be filled before submission."""
    missing = []
    if not filing.measure:
        missing.append(_("what the measure is"))
    if not filing.reasons:
        missing.append(_("why it is needed"))
    if not filing.risks:
        missing.append(_("at least one risk foreseen, with its control"))
    if not filing.responsible:
        missing.append(_("the people responsible"))
    if not (filing.period_start and filing.period_end):
        missing.append(_("the period"))
    if filing.area_id is None and filing.policy_version.items.filter(kind=PolicyItem.Kind.PREVENTION_AREA).exists():
        missing.append(_("the error-prevention area (防错重点范围)"))
    procedures = filing.procedures or {}
    if not any(p.get("done") for p in procedures.values()):
        missing.append(_("the decision procedure followed"))
    kinds = set(filing.attachments.values_list("kind", flat=True))
    for code, label in Procedure.choices:
        if procedures.get(code, {}).get("done") and code not in kinds:
            missing.append(_("the documents of: %(procedure)s") % {"procedure": label})
    return missing


@transaction.atomic
def prefiling_submit(*, filing: PreFiling, actor: User) -> PreFiling:
    """Submit to intake: files lock, the review clock starts (the policy
    version in force today is fixed on the filing)."""
    filing = _lock(filing)
    _guard(filing, actor, "submit")
    missing = prefiling_missing_parts(filing=filing)
    if missing:
        raise ApplicationError(_(INCOMPLETE) % {"missing": "、".join(missing)}, code="incomplete",
                               extra={"missing": missing})
    version = policy_version_in_force(org_unit=filing.unit, on_date=_today())
    if version is None:
        raise ApplicationError(_(NO_POLICY) % {"unit": filing.unit.name}, code="no_policy")
    filing.policy_version = version
    filing.submitted_at = timezone.now()
    _open_review(filing, _today())
    filing.attachments.update(locked=True)
    _move(filing, to=S.SUBMITTED, kind=PreFilingEventKind.SUBMITTED, actor=actor,
          data={"review_due": filing.review_due.isoformat() if filing.review_due else None},
          extra_fields=("policy_version", "submitted_at", "review_due", "review_due_flagged"))
    return filing


# --- Intake --------------------------------------------------------------------------------------


@transaction.atomic
def prefiling_request_supplement(*, filing: PreFiling, actor: User, missing: str) -> PreFiling:
    """Intake asks for more; the review clock stops until the unit answers."""
    filing = _lock(filing)
    _guard(filing, actor, "request_supplement")
    missing = (missing or "").strip()
    if not missing:
        raise ValidationError({"missing": _(MISSING_REQUIRED)})
    filing.review_due = None
    _stop(filing, REVIEW, reason=missing)
    _move(filing, to=S.SUPPLEMENT, kind=PreFilingEventKind.SUPPLEMENT_REQUESTED, actor=actor, reason=missing,
          extra_fields=("review_due",))
    return filing


@transaction.atomic
def prefiling_supplement(*, filing: PreFiling, actor: User, answer: str) -> PreFiling:
    """The unit answers; intake has its full review limit again from today
    (the initial review is of the completed filing)."""
    filing = _lock(filing)
    _guard(filing, actor, "supplement")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _(ANSWER_REQUIRED)})
    _open_review(filing, _today())
    filing.attachments.update(locked=True)
    _move(filing, to=S.SUBMITTED, kind=PreFilingEventKind.SUPPLEMENT_ANSWERED, actor=actor, reason=answer,
          extra_fields=("review_due", "review_due_flagged"))
    return filing


def _allocate_number(filing: PreFiling) -> None:
    """Next number of the jurisdiction and year; the counter row stays
    locked until the registering transaction ends, so numbers are gapless."""
    year = _today().year
    PreFilingNumberCounter.objects.get_or_create(jurisdiction=filing.jurisdiction, year=year)
    counter = PreFilingNumberCounter.objects.select_for_update().get(jurisdiction=filing.jurisdiction, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    jurisdiction = filing.policy_version.document.jurisdiction
    prefix = (jurisdiction.case_prefix or f"{filing.jurisdiction.short_name}容") + "备"
    filing.number_year, filing.number_seq = year, counter.last
    filing.number = f"{prefix}〔{year}〕第{counter.last:04d}号"


def default_report_interval(*, filing: PreFiling) -> int | None:
    """The policy's ``progress_report`` limit, in days, as the form's
    default (months count as 30 days)."""
    found = stage_time_limit(version=filing.policy_version, stage=TimeLimitStage.PROGRESS_REPORT)
    if found is None:
        return None
    return found.amount * 30 if found.unit == "month" else found.amount


@transaction.atomic
def prefiling_register(*, filing: PreFiling, actor: User, report_interval_days: int | None = None,
                       reason: str = "") -> PreFiling:
    """登记受理: the filing gets its number and the registration letter
    (报备容错受理决定书, rendered after commit), and the progress-report clock
    starts with the interval set now (default: the policy's
    ``progress_report`` limit)."""
    filing = _lock(filing)
    _guard(filing, actor, "register")
    interval = report_interval_days or default_report_interval(filing=filing)
    if interval is None:
        raise ValidationError({"report_interval_days": _(NO_INTERVAL)})
    if not 1 <= int(interval) <= 366:
        raise ValidationError({"report_interval_days": _(INTERVAL_INVALID)})
    today = _today()
    _allocate_number(filing)
    filing.registered_at = timezone.now()
    filing.report_interval_days = int(interval)
    # Reports run from the start of the measure, or from today if it started.
    start = max(today, filing.period_start or today)
    filing.next_report_due = _report_due_after(filing, start)
    _stop(filing, REVIEW)
    _open_report_clock(filing)
    if filing.period_end:
        clocks.clock_open(record=filing, stage=EVALUATION, due_date=filing.period_end)
    _move(filing, to=S.REGISTERED, kind=PreFilingEventKind.REGISTERED, actor=actor, reason=(reason or "").strip(),
          data={"number": filing.number, "report_interval_days": filing.report_interval_days,
                "next_report_due": filing.next_report_due.isoformat() if filing.next_report_due else None,
                "review_due": filing.review_due.isoformat() if filing.review_due else None,
                "in_time": filing.review_due is None or today <= filing.review_due},
          extra_fields=("number", "number_year", "number_seq", "registered_at", "report_interval_days",
                        "next_report_due"))
    _letter_issue(filing, actor)
    return filing


@transaction.atomic
def prefiling_refuse(*, filing: PreFiling, actor: User, reason: str) -> PreFiling:
    """不予登记, with reasons: the filing closes and can never be cited."""
    filing = _lock(filing)
    _guard(filing, actor, "refuse")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    filing.closed_at = timezone.now()
    _stop(filing, REVIEW, reason=reason)
    _move(filing, to=S.REFUSED, kind=PreFilingEventKind.REFUSED, actor=actor, reason=reason,
          extra_fields=("closed_at",))
    return filing


# --- The registration letter ------------------------------------------------------------


def _letter_body(filing: PreFiling) -> str:
    """The issuing body's 机关代字: the registration letter takes its place in
    that body's one sequence of 发文字号 (GB/T 9704 §7.2.4), shared with the
    case letters (letters.LetterNumberCounter)."""
    jurisdiction = filing.policy_version.document.jurisdiction
    return jurisdiction.letter_prefix or f"{filing.jurisdiction.short_name}纪容"


def _masthead_class(text: str) -> str:
    # As letters.snapshot: a longer issuing body gets a smaller masthead.
    n = len(text)
    return "" if n <= 10 else "mh-m" if n <= 13 else "mh-s" if n <= 16 else "mh-xs"


def _letter_context(filing: PreFiling, number: str, issued_on: dt.date) -> dict:
    """The snapshot the template ``letters/pdf/prefiling_registration.html``
    prints (its keys: the base letter keys, ``measure``, ``risks``,
    ``case.number``)."""
    jurisdiction = filing.policy_version.document.jurisdiction
    body = jurisdiction.issuing_body or f"中共{filing.jurisdiction.name}纪律检查委员会"
    # The letter format (信函格式, GB/T 9704 §10.1), as every letter: the mark is the body's name.
    masthead = body
    risks = "\n".join(
        f"{i}. {row['risk']}" + (f"（控制措施：{row['control']}）" if row.get("control") else "")
        for i, row in enumerate(filing.risks, start=1)
    )
    return {
        "kind": "prefiling_registration", "title": "报备容错受理决定书", "number": number, "issuing_body": body,
        "masthead": masthead, "masthead_class": _masthead_class(masthead), "recipient": filing.unit.name,
        "date": issued_on.isoformat(), "date_cn": date_cn(issued_on), "cc": [],
        "measure": filing.title, "risks": risks,
        # The template prints the filing's number where a case's would go.
        "case": {"number": filing.number},
        "prefiling": {
            "number": filing.number, "title": filing.title,
            "period_start": filing.period_start.isoformat() if filing.period_start else "",
            "period_end": filing.period_end.isoformat() if filing.period_end else "",
            "report_interval_days": filing.report_interval_days,
        },
    }


def _letter_issue(filing: PreFiling, actor: User):
    """The registration decision, a letter of the filing (letters.services):
    numbered in the issuing body's one sequence, rendered after commit, and
    regenerated by an administrator like every other letter."""
    return letter_issue_for_prefiling(
        prefiling=filing, body=_letter_body(filing), actor=actor,
        context_for=lambda number, issued_on: _letter_context(filing, number, issued_on))


# --- Prevention in progress (事中控制) ------------------------------------------------------


def _warning_raise(filing: PreFiling, *, source: str, description: str, report: ProgressReport | None = None,
                   due_date: dt.date | None = None) -> EarlyWarning:
    warning = EarlyWarning.objects.create(prefiling=filing, source=source, report=report, due_date=due_date,
                                          description=description)
    _event(filing, kind=PreFilingEventKind.WARNING_RAISED, actor=None, reason=description,
           data={"warning": warning.pk, "source": source,
                 "due_date": due_date.isoformat() if due_date else None})
    return warning


@transaction.atomic
def prefiling_report_progress(*, filing: PreFiling, actor: User, summary: str, risks: list[dict]) -> ProgressReport:
    """A progress report: for every declared risk, realised or not, with a
    note. A realised risk raises an early warning (苗头性问题) to the
    inspectors at once. The next report falls due one interval later."""
    filing = _lock(filing)
    _guard(filing, actor, "report_progress")
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _(SUMMARY_REQUIRED)})
    by_index = {}
    for row in risks or []:
        try:
            index = int(row.get("risk"))
        except (TypeError, ValueError):
            continue
        if 0 <= index < len(filing.risks):
            by_index[index] = {"risk": index, "realised": bool(row.get("realised")),
                               "note": str(row.get("note", "")).strip()[:2000]}
    if len(by_index) != len(filing.risks):
        raise ValidationError({"risks": _(REPORT_RISKS)})
    rows = [by_index[i] for i in range(len(filing.risks))]
    realised = [r for r in rows if r["realised"]]
    report = ProgressReport.objects.create(prefiling=filing, reported_by=actor, answers_due=filing.next_report_due,
                                           summary=summary, risks=rows, any_realised=bool(realised))
    filing.next_report_due = _report_due_after(filing, _today())
    _open_report_clock(filing)
    filing.next_due = _next_due(filing)
    filing.save(update_fields=["next_report_due", "next_due", "updated_at"])
    _event(filing, kind=PreFilingEventKind.PROGRESS_REPORTED, actor=actor, reason=summary,
           data={"report": report.pk, "realised": [r["risk"] for r in realised],
                 "next_report_due": filing.next_report_due.isoformat() if filing.next_report_due else None})
    for row in realised:
        declared = filing.risks[row["risk"]]["risk"]
        # Stored text: in the site's language, whatever the reporter's.
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Risk realised: %(risk)s.") % {"risk": declared}
        if row["note"]:
            text += " " + row["note"]
        _warning_raise(filing, source=EarlyWarning.Source.RISK_REALISED, description=text, report=report)
    return report


@transaction.atomic
def early_warning_resolve(*, warning: EarlyWarning, actor: User, resolution: str, note: str,
                          resolved_on: dt.date | None = None) -> EarlyWarning:
    """抓早抓小: an inspector records the reminder talk or the guidance."""
    filing = _lock(warning.prefiling)
    warning = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
    _guard(filing, actor, "resolve_warning")
    if warning.status == EarlyWarning.Status.RESOLVED:
        raise ApplicationError(_(WARNING_RESOLVED), code="illegal_transition", status_code=409)
    note = (note or "").strip()
    if resolution not in EarlyWarning.Resolution.values or not note:
        raise ValidationError({"resolution": _(RESOLUTION_REQUIRED)})
    resolved_on = resolved_on or _today()
    if resolved_on > _today():
        raise ValidationError({"resolved_on": _(DATE_FUTURE)})
    warning.status = EarlyWarning.Status.RESOLVED
    warning.resolution, warning.resolution_note, warning.resolved_on = resolution, note, resolved_on
    warning.resolved_by, warning.resolved_at = actor, timezone.now()
    warning.save(update_fields=["status", "resolution", "resolution_note", "resolved_on", "resolved_by",
                                "resolved_at", "updated_at"])
    _event(filing, kind=PreFilingEventKind.WARNING_RESOLVED, actor=actor, reason=note,
           data={"warning": warning.pk, "resolution": resolution, "resolved_on": resolved_on.isoformat()})
    return warning


@transaction.atomic
def prefiling_warning_resolve(*, filing: PreFiling, actor: User, warning, resolution: str, note: str,
                              resolved_on: dt.date | None = None) -> EarlyWarning:
    """The step ``resolve_warning`` (prefilings/steps.py): ``warning`` is the
    id the form or the API carried; one of another filing is a 404 (after
    the step's guard: a refused step is refused whatever the id)."""
    filing = _lock(filing)
    _guard(filing, actor, "resolve_warning")
    found = EarlyWarning.objects.filter(pk=getattr(warning, "pk", warning), prefiling=filing).first()
    if found is None:
        raise Http404
    found.prefiling = filing
    return early_warning_resolve(warning=found, actor=actor, resolution=resolution, note=note,
                                 resolved_on=resolved_on)


# --- Evaluation (事后评估) ---------------------------------------------------------------------


@transaction.atomic
def prefiling_evaluate(*, filing: PreFiling, actor: User, outcome: str, lessons: str,
                       rules_improved: str = "") -> Evaluation:
    """The unit's evaluation at the end of the period; closes the filing
    (reminders stop). Open warnings stay open for the inspectors."""
    filing = _lock(filing)
    _guard(filing, actor, "evaluate")
    outcome, lessons = (outcome or "").strip(), (lessons or "").strip()
    if not outcome or not lessons:
        raise ValidationError({"outcome": _(EVALUATION_REQUIRED)})
    evaluation = Evaluation.objects.create(prefiling=filing, filed_by=actor, outcome=outcome, lessons=lessons,
                                           rules_improved=(rules_improved or "").strip())
    filing.closed_at = timezone.now()
    filing.next_report_due = None
    _stop(filing, REPORT)
    _stop(filing, EVALUATION)
    _move(filing, to=S.CLOSED, kind=PreFilingEventKind.EVALUATED, actor=actor, reason=outcome,
          data={"evaluation": evaluation.pk}, extra_fields=("closed_at", "next_report_due"))
    return evaluation


# --- Files ---------------------------------------------------------------------------------------


@transaction.atomic
def prefiling_attachment_add(*, filing: PreFiling, actor: User, file,
                             kind: str = PreFilingAttachment.Kind.OTHER) -> PreFilingAttachment:
    """A document of the filing (the type is sniffed from the content, as
    for case evidence)."""
    filing = _lock(filing)
    _guard(filing, actor, "attach")
    if filing.status == S.SUPPLEMENT:
        kind = PreFilingAttachment.Kind.SUPPLEMENT if kind not in Procedure.values else kind
    elif filing.status == S.REGISTERED:
        kind = PreFilingAttachment.Kind.REPORT
    if kind not in PreFilingAttachment.Kind.values:
        raise ValidationError({"kind": _(UNKNOWN_KIND)})
    checked = check_upload(file, existing=filing.attachments.count(), too_many=TOO_MANY_FILES)
    name, content_type, size, sha = checked.name, checked.content_type, checked.size, checked.sha256
    attachment = PreFilingAttachment(prefiling=filing, kind=kind, original_name=name, content_type=content_type,
                                     size=size, sha256=sha, uploaded_by=actor,
                                     locked=filing.status == S.REGISTERED)
    with stored_upload(attachment.file, file):
        attachment.save()
        _event(filing, kind=PreFilingEventKind.ATTACHMENT_ADDED, actor=actor,
               data={"attachment": attachment.pk, "name": name, "kind": kind, "sha256": sha})
    return attachment


@transaction.atomic
def prefiling_attachment_delete(*, attachment: PreFilingAttachment, actor: User) -> None:
    filing = _lock(attachment.prefiling)
    attachment = PreFilingAttachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.locked:
        raise ApplicationError(_(FILE_LOCKED), code="locked", status_code=409)
    _guard(filing, actor, "attach")
    storage, path = attachment.file.storage, attachment.file.name
    _event(filing, kind=PreFilingEventKind.ATTACHMENT_REMOVED, actor=actor,
           data={"name": attachment.original_name, "sha256": attachment.sha256})
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))


# --- Citations -----------------------------------------------------------------------------------


def case_may_cite(*, case, user: User) -> bool:
    """An application still in draft, by its filer; or a proactive case in
    verification, by an inspector who may handle it."""
    if case.stage == "draft":
        return user in case_parties(case)
    if case.origin == "proactive" and case.stage == "verification":
        return case_inspector(case=case, user=user)
    return False


@transaction.atomic
def case_cite_prefiling(*, case, prefiling: PreFiling | int, actor: User) -> Citation:
    """The case cites a registered filing. Both histories record it: the
    filing shows every case that cited it. ``prefiling`` may be the id the
    form or the API carried: a filing the actor may not refer to is a 404."""
    if not isinstance(prefiling, PreFiling):
        prefiling = prefiling_get_citable(case=case, user=actor, prefiling_id=prefiling)
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="cite_prefiling")  # prefilings/steps.py
    filing = _lock(prefiling)
    if not filing.is_registered:
        raise ApplicationError(_(NOT_CITABLE) % {"filing": filing.number or filing.title,
                                                 "status": S(filing.status).label},
                               code="not_citable", status_code=409)
    if filing.jurisdiction_id != case.jurisdiction_id:
        raise ApplicationError(_(OTHER_JURISDICTION), code="not_citable", status_code=409)
    if Citation.objects.filter(case=case, prefiling=filing).exists():
        raise ApplicationError(_(ALREADY_CITED), code="already_cited", status_code=409)
    citation = Citation.objects.create(case=case, prefiling=filing, cited_by=actor)
    _event(filing, kind=PreFilingEventKind.CITED, actor=actor,
           data={"case": case.pk, "case_number": case.number, "case_title": case.title})
    case_event_record(case=case, kind=CASE_EVENT_CITED, actor=actor, from_stage=case.stage,
                      data={"prefiling": filing.pk, "number": filing.number, "title": filing.title})
    return citation


# CaseEvent kind written on the case (labels registered in apps.py).
CASE_EVENT_CITED = "prefiling_cited"


# --- Reminders: the clocks' (deadlines), through these hooks -------------------------------
#
# The clocks' sweep sends a filing's reminders (T-3 and T-1 working days, the
# due day, then once overdue the escalation and a daily reminder) to the
# actors its steps declare (prefilings/steps.py); it asks this app, through
# core.subjects hooks (prefilings/events.py), whom the tokens name, how the
# reminder reads, and what an overdue clock sets off here: a missed progress
# report raises an early warning (once per due date: the clock escalates
# once).

MISSED_REPORT = gettext_lazy("Progress report due on %(due)s not filed.")


def clock_records(ids) -> dict:
    """The filings of a batch of reminders, with what their audience reads."""
    return PreFiling.objects.select_related("unit", "filed_by").in_bulk(ids)


def clock_audience(filing: PreFiling, tokens, cache=None) -> list[User]:
    return _audience(filing, tokens, cache)


def clock_overdue(filing: PreFiling, *, clock, due: dt.date) -> None:
    """An overdue clock of the filing: a missed progress report raises the
    early warning (苗头性问题) to the inspectors."""
    if clock.stage == REPORT and filing.status == S.REGISTERED:
        _warning_raise(filing, source=EarlyWarning.Source.MISSED_REPORT, due_date=due,
                       description=_(MISSED_REPORT) % {"due": due.isoformat()})


def clock_message(filing: PreFiling, *, clock, kind: str, offset: int, due: dt.date, today: dt.date) -> str:
    """A reminder's text, in the active language (the sweep activates the
    site's)."""
    args = {"filing": prefiling_label(filing), "due": due.isoformat(), "n": offset}
    overdue = kind in ("escalation", "overdue")
    if clock.stage == REVIEW:
        if overdue:
            return _("%(filing)s: the review of the pre-filing was due on %(due)s and is overdue.") % args
        if kind == "due":
            return _("%(filing)s: the review of the pre-filing is due today (%(due)s).") % args
        return _("%(filing)s: the review of the pre-filing is due on %(due)s, in %(n)s working day(s).") % args
    if clock.stage == REPORT:
        if overdue:
            return _("%(filing)s: the progress report due on %(due)s was not filed; an early warning "
                     "is raised.") % args
        if kind == "due":
            return _("%(filing)s: the progress report is due today (%(due)s).") % args
        return _("%(filing)s: the next progress report is due on %(due)s.") % args
    if overdue or kind == "due":
        return _("%(filing)s: the period ended on %(due)s; file the evaluation.") % args
    return _("%(filing)s: the period ends on %(due)s; the evaluation follows.") % args
