"""One service per step of a clarification case (澄清正名事项). Each locks
the case, asks the kernel's guard (``case_guard``: who, stage, readiness,
from ``clarifications/steps.py``), writes, and records one history event;
notifications, clocks and letters are the kernel's."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit, Role, User
from accounts.selectors import user_has_role
from cases.models import Case, Origin, Outcome, Stage
from cases.services import (
    case_event_record,
    case_guard,
    case_issue_letter,
    case_jurisdiction_of,
    case_lock,
    case_move,
)
from core.exceptions import ApplicationError
from core.models import Method, Scope
from core.referrals import referral_write
from deadlines import services as clocks
from letters.models import Letter, LetterKind
from policies.models import TimeLimitStage
from policies.selectors import policy_version_in_force
from publication import services as publication_services
from publication.models import Publication

from .models import (
    CLEARED_FINDINGS,
    Channel,
    ClarificationCounter,
    EventKind,
    Finding,
    PetitionRecord,
    ReportMatter,
    ReportPoint,
)

NOT_INSPECTOR = gettext_lazy("Only an inspector of the unit's jurisdiction may open a clarification case.")
CADRE_IS_YOU = gettext_lazy("You cannot open a clarification case about yourself.")
NO_POLICY = gettext_lazy("No policy is in force for %(unit)s.")
NO_POINTS = gettext_lazy("List at least one point the report makes.")
EMPTY = gettext_lazy("This field is required.")
UNKNOWN_POINT = gettext_lazy("The report has no point %(number)s.")
NOT_REPORTED_YET = gettext_lazy("The report cannot have been received in the future.")
# Readiness (steps.py; the schema lists them as the 409s of each step).
POINTS_OPEN = gettext_lazy("Record a finding on every point of the report first.")
VIEW_NOT_SOUGHT = gettext_lazy("Seek the cadre's view first.")
VIEW_ALREADY_SOUGHT = gettext_lazy("The cadre's view has already been sought.")
VIEW_MISSING = gettext_lazy("Record the cadre's view first.")
VIEW_ALREADY_GIVEN = gettext_lazy("The cadre's view has already been recorded.")
SCOPE_MISSING = gettext_lazy("The scope and method of the clarification are not decided yet.")
ALREADY_ISSUED = gettext_lazy("The clarification statement has already been issued.")
NOT_ISSUED = gettext_lazy("The clarification statement has not been issued yet.")
NOT_PUBLIC = gettext_lazy("Only a clarification with public scope (社会公开) is published on the portal.")
ALREADY_PUBLISHED = gettext_lazy("The clarification is already on the portal.")
NOTHING_UNTRUE = gettext_lazy("No point of the report was found untrue or without evidence: there is no false "
                              "accusation to refer.")
ALREADY_REFERRED = gettext_lazy("The referral has already been recorded.")

CHECK, CLARIFY = Stage.REPORT_CHECK, Stage.REPORT_CLARIFICATION


def _text(value, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _(EMPTY)})
    return value


def _matter(case: Case) -> ReportMatter:
    return ReportMatter.objects.select_for_update().get(case=case)


def _number(case: Case) -> None:
    """Next number of the jurisdiction's clarification series (gapless:
    the counter row is locked until the opening commits)."""
    year = timezone.localdate().year
    ClarificationCounter.objects.get_or_create(jurisdiction=case.jurisdiction, year=year)
    counter = ClarificationCounter.objects.select_for_update().get(jurisdiction=case.jurisdiction, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    prefix = case.jurisdiction.short_name or case.jurisdiction.name
    case.number = f"{prefix}澄〔{year}〕第{counter.last:04d}号"


# --- Opening ------------------------------------------------------------------------------------


@transaction.atomic
def clarification_case_open(*, actor: User, cadre: User, unit: OrgUnit, title: str, report_number: str,
                            received_on: dt.date, points: list[str], channel: str = Channel.LETTER,
                            reporter_name: str = "", reporter_contact: str = "") -> Case:
    """An inspector opens a clarification case from a 信访举报 against
    ``cadre`` of ``unit``: no 容错 application, under the policy in force
    today. It starts at ``report_check`` with the clarification clock."""
    if not user_has_role(actor, Role.INSPECTOR, unit):
        raise ApplicationError(_(NOT_INSPECTOR), code="permission_denied", status_code=403)
    if cadre.pk == actor.pk:
        raise ApplicationError(_(CADRE_IS_YOU), code="permission_denied", status_code=403)
    version = policy_version_in_force(org_unit=unit, on_date=timezone.localdate())
    if version is None:
        raise ApplicationError(_(NO_POLICY) % {"unit": unit.name}, code="no_policy")
    title = _text(title, "title")
    report_number = _text(report_number, "report_number")
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _(NOT_REPORTED_YET)})
    allegations = [p.strip() for p in points or [] if p and p.strip()]
    if not allegations:
        raise ValidationError({"points": _(NO_POINTS)})
    if channel not in Channel.values:
        raise ValidationError({"channel": _(EMPTY)})
    now = timezone.now()
    case = Case(origin=Origin.REPORT, stage=CHECK, applicant=cadre, created_by=actor, unit=unit,
                jurisdiction=case_jurisdiction_of(unit), policy_version=version, title=title[:200],
                accepted_at=now)
    case.save()
    case = case_lock(case)
    _number(case)
    # Searchable by number, title, cadre and unit; never by the reporter.
    parts = [case.number, case.title, cadre.full_name, cadre.username, unit.name]
    case.search_text = "\n".join(p for p in parts if p)
    case.save(update_fields=["number", "search_text"])
    matter = ReportMatter.objects.create(
        case=case, report_number=report_number[:60], received_on=received_on, channel=channel,
        reporter_name=(reporter_name or "").strip()[:100], reporter_contact=(reporter_contact or "").strip()[:200],
    )
    ReportPoint.objects.bulk_create(
        [ReportPoint(matter=matter, number=n, allegation=text) for n, text in enumerate(allegations, 1)]
    )
    # The event says how many points, never who reported.
    case_event_record(case=case, kind=EventKind.OPENED, actor=actor, from_stage="", to_stage=CHECK,
                      data={"applicant": cadre.pk, "unit": unit.pk, "points": len(allegations)})
    clocks.clock_open(case=case, stage=TimeLimitStage.CLARIFICATION)
    return case


# --- The check ---------------------------------------------------------------------------------


@transaction.atomic
def point_finding_record(*, case: Case, actor: User, number: int, finding: str, basis: str) -> ReportPoint:
    """The finding on one point (属实 / 部分属实 / 失实 / 查无实据), with
    what the check found. May be recorded again until the check concludes."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="record_finding")
    if finding not in Finding.values:
        raise ValidationError({"finding": _(EMPTY)})
    point = ReportPoint.objects.select_for_update().filter(matter__case=case, number=number).first()
    if point is None:
        raise ValidationError({"number": _(UNKNOWN_POINT) % {"number": number}})
    point.finding, point.basis = finding, _text(basis, "basis")
    point.found_at, point.found_by = timezone.now(), actor
    point.save(update_fields=["finding", "basis", "found_at", "found_by", "updated_at"])
    case_event_record(case=case, kind=EventKind.POINT_FOUND, actor=actor, from_stage=case.stage,
                      data={"point": number, "finding": finding})
    return point


@transaction.atomic
def cadre_view_seek(*, case: Case, actor: User, note: str = "") -> ReportMatter:
    """The cadre is asked for his view of the points (听取本人意见): he sees
    the points and gives it on the case, or the inspector records what he
    said. He never learns who reported."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="seek_cadre_view")
    matter = _matter(case)
    matter.view_sought_on, matter.view_sought_by = timezone.localdate(), actor
    matter.save(update_fields=["view_sought_on", "view_sought_by", "updated_at"])
    case_event_record(case=case, kind=EventKind.VIEW_SOUGHT, actor=actor, from_stage=case.stage,
                      reason=(note or "").strip())
    return matter


@transaction.atomic
def cadre_view_record(*, case: Case, actor: User, view: str) -> ReportMatter:
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="record_cadre_view")
    matter = _matter(case)
    matter.cadre_view = _text(view, "view")
    matter.cadre_view_at, matter.cadre_view_by = timezone.now(), actor
    matter.save(update_fields=["cadre_view", "cadre_view_at", "cadre_view_by", "updated_at"])
    case_event_record(case=case, kind=EventKind.VIEW_RECORDED, actor=actor, from_stage=case.stage,
                      data={"by_cadre": actor.pk == case.applicant_id})
    return matter


def _stop_clocks(case: Case, actor: User, reason: str) -> None:
    for clock in case.clocks.exclude(status="stopped"):
        clocks.clock_stop(case=case, stage=clock.stage, ref=clock.ref, actor=actor, reason=reason)


def _close(case: Case, actor: User, reason: str) -> None:
    case.outcome = Outcome.NONE
    case.closed_at = timezone.now()
    _stop_clocks(case, actor, reason)
    case_move(case, to=Stage.CLOSED, kind=EventKind.CLOSED, actor=actor, reason=reason,
              extra_fields=("outcome", "closed_at"))


@transaction.atomic
def check_conclude(*, case: Case, actor: User, conclusion: str) -> ReportMatter:
    """Every point has its finding and the cadre's view is on record: where
    a point proved untrue (or partly, or without evidence) the case goes on
    to clear his name; where all proved true it closes (the matter is for
    accountability, not for this case)."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="conclude_check")
    matter = _matter(case)
    matter.conclusion = _text(conclusion, "conclusion")
    matter.concluded_at = timezone.now()
    matter.save(update_fields=["conclusion", "concluded_at", "updated_at"])
    cleared = [p.number for p in matter.points.all() if p.finding in CLEARED_FINDINGS]
    if cleared:
        case_move(case, to=CLARIFY, kind=EventKind.CHECK_CONCLUDED, actor=actor, reason=matter.conclusion,
                  data={"cleared": cleared})
    else:
        case_event_record(case=case, kind=EventKind.CHECK_CONCLUDED, actor=actor, from_stage=case.stage,
                          reason=matter.conclusion, data={"cleared": []})
        _close(case, actor, matter.conclusion)
    return matter


# --- The clarification -----------------------------------------------------------------------


@transaction.atomic
def clarification_scope_decide(*, case: Case, actor: User, scope: str, method: str) -> ReportMatter:
    """The deciding body sets where the name is cleared (本单位 / 本系统 /
    社会公开) and how (书面 / 会议 / 通报); again until the statement goes out."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="decide_clarification")
    if scope not in Scope.values:
        raise ValidationError({"scope": _(EMPTY)})
    if method not in Method.values:
        raise ValidationError({"method": _(EMPTY)})
    matter = _matter(case)
    matter.scope, matter.method = scope, method
    matter.decided_at, matter.decided_by = timezone.now(), actor
    matter.save(update_fields=["scope", "method", "decided_at", "decided_by", "updated_at"])
    case_event_record(case=case, kind=EventKind.SCOPE_DECIDED, actor=actor, from_stage=case.stage,
                      data={"scope": scope, "method": method})
    return matter


@transaction.atomic
def clarification_statement_issue(*, case: Case, actor: User) -> Letter:
    """The 澄清说明 letter: the points cleared with their findings, the
    scope and method. Its wording is neutral; it cites no rule."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="issue_statement")
    matter = _matter(case)
    case_issue_letter(case, LetterKind.REPORT_CLARIFICATION, actor, context={
        "report_received_on": matter.received_on.isoformat(), "points": matter.statement_points(),
        "scope": matter.scope, "method": matter.method,
    })
    letter = Letter.objects.get(case=case, kind=LetterKind.REPORT_CLARIFICATION, ref="")
    matter.letter, matter.issued_at, matter.issued_by = letter, timezone.now(), actor
    matter.save(update_fields=["letter", "issued_at", "issued_by", "updated_at"])
    case_event_record(case=case, kind=EventKind.STATEMENT_ISSUED, actor=actor, from_stage=case.stage,
                      data={"letter": letter.pk, "scope": matter.scope, "method": matter.method})
    return letter


def live_publication(case: Case) -> Publication | None:
    return (Publication.objects.filter(case=case, kind=Publication.Kind.CLARIFICATION)
            .exclude(status=Publication.Status.WITHDRAWN).first())


@transaction.atomic
def clarification_publish(*, case: Case, actor: User) -> Publication:
    """Public scope: the statement goes on the portal at once, through the
    publication service's redaction and leak check (the cadre's and the
    reporter's names are hidden; a name left in the text refuses it)."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="publish_clarification")
    matter = _matter(case)
    publication = publication_services.publication_draft_create(
        case=case, actor=actor, kind=Publication.Kind.CLARIFICATION, clarification_id=str(matter.pk))
    publication = publication_services.publication_publish(publication=publication, actor=actor)
    case_event_record(case=case, kind=EventKind.PUBLISHED, actor=actor, from_stage=case.stage,
                      data={"publication": publication.pk})
    return publication


@transaction.atomic
def false_accusation_refer(*, case: Case, actor: User, referred_to: str, facts: str,
                           referred_on: dt.date | None = None) -> ReportMatter:
    """诬告陷害: a report found untrue that was made on purpose is referred
    to the body that deals with it. Internal: the cadre does not see it."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="refer_false_accusation")
    matter = _matter(case)
    data = referral_write(matter, actor=actor, referred_to=referred_to, facts=facts, referred_on=referred_on)
    case_event_record(case=case, kind=EventKind.REFERRED, actor=actor, from_stage=case.stage, data=data)
    return matter


@transaction.atomic
def petition_record(*, case: Case, actor: User, occurred_on: dt.date, description: str,
                    handling: str) -> PetitionRecord:
    """持续无理上访: one occurrence and how it was handled (internal)."""
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="record_petition")
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _(NOT_REPORTED_YET)})
    matter = _matter(case)
    record = PetitionRecord.objects.create(
        matter=matter, occurred_on=occurred_on, description=_text(description, "description"),
        handling=_text(handling, "handling"), recorded_by=actor,
    )
    case_event_record(case=case, kind=EventKind.PETITION_RECORDED, actor=actor, from_stage=case.stage,
                      data={"record": record.pk})
    return record


@transaction.atomic
def clarification_case_close(*, case: Case, actor: User, reason: str = "") -> Case:
    case = case_lock(case)
    case_guard(case=case, actor=actor, action="close_clarification")
    _close(case, actor, (reason or "").strip())
    return case
