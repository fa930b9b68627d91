"""The steps of a clarification case (澄清正名事项), declared once
(core.steps): where each is legal, who takes it, when it is ready, its
form, its API input and its service. The case page's forms, the API's
``actions``, the generated ``POST /api/v1/cases/{id}/<step>/`` and the
services' guard read this.

Roles are a 容错 case's: inspectors who need not recuse check the report
and issue the statement; the supervisor or the committee decides the scope
and method; the cadre gives his view; the case-work administrator
publishes (the portal's redaction and leak check). Stages:
``report_check`` → ``report_clarification`` → ``closed`` (a check that
finds every point true closes at once)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Role
from accounts.selectors import user_has_role
from cases.models import Stage
from cases.registry import register_case_panel
from core.referrals import referral_step
from core.steps import Refusal, Step, register_steps
from corrections.models import Method, Scope
from publication.services import publication_may_manage
from reviews.selectors import inspector_may_handle

from . import services
from .forms import step_form
from .models import EventKind as K
from .models import Finding
from .selectors import live_publication, matter_for_steps, panel_context

CHECK, CLARIFY, CLOSED = Stage.REPORT_CHECK, Stage.REPORT_CLARIFICATION, Stage.CLOSED


# --- Who ------------------------------------------------------------------------------------------


def _is_report(case) -> bool:
    return case.origin == "report"


def _inspector(case, user) -> bool:
    if not _is_report(case):
        return False
    cache = case.__dict__.setdefault("_clarifications_inspector", {})
    if user.pk not in cache:
        cache[user.pk] = inspector_may_handle(case=case, user=user)
    return cache[user.pk]


def _deciding_body(case, user) -> bool:
    return _is_report(case) and (user_has_role(user, Role.SUPERVISOR, case.unit)
                                 or user_has_role(user, Role.COMMITTEE, case.unit))


def _cadre_or_inspector(case, user) -> bool:
    return _is_report(case) and (user.pk == case.applicant_id or _inspector(case, user))


def _inspector_or_intake(case, user) -> bool:
    return _inspector(case, user) or (_is_report(case) and user_has_role(user, Role.INTAKE, case.unit))


def _inspector_or_deciding_body(case, user) -> bool:
    return _inspector(case, user) or _deciding_body(case, user)


def _admin(case, user) -> bool:
    return _is_report(case) and publication_may_manage(case=case, user=user)


# --- When -----------------------------------------------------------------------------------------


def _refuse(message):
    return Refusal(message, code="not_ready")


def _not_sought(case):
    m = matter_for_steps(case)
    return None if m and m.view_sought_on is None else _refuse(services.VIEW_ALREADY_SOUGHT)


def _view_open(case):
    m = matter_for_steps(case)
    if m is None or m.view_sought_on is None:
        return _refuse(services.VIEW_NOT_SOUGHT)
    return _refuse(services.VIEW_ALREADY_GIVEN) if m.cadre_view else None


def _check_done(case):
    m = matter_for_steps(case)
    if m is None or any(not p.finding for p in m.points.all()):
        return _refuse(services.POINTS_OPEN)
    return None if m.cadre_view else _refuse(services.VIEW_MISSING)


def _not_issued(case):
    m = matter_for_steps(case)
    return None if m and m.issued_at is None else _refuse(services.ALREADY_ISSUED)


def _decided(case):
    m = matter_for_steps(case)
    if m is None or not m.scope or not m.method:
        return _refuse(services.SCOPE_MISSING)
    return None if m.issued_at is None else _refuse(services.ALREADY_ISSUED)


def _issued(case):
    m = matter_for_steps(case)
    return None if m and m.issued_at else _refuse(services.NOT_ISSUED)


def _publishable(case):
    m = matter_for_steps(case)
    if m is None or m.issued_at is None:
        return _refuse(services.NOT_ISSUED)
    if m.scope != Scope.PUBLIC:
        return _refuse(services.NOT_PUBLIC)
    return _refuse(services.ALREADY_PUBLISHED) if live_publication(case) else None


def _referable(case):
    m = matter_for_steps(case)
    if m is None or not any(p.finding in (Finding.UNTRUE, Finding.UNFOUNDED) for p in m.points.all()):
        return _refuse(services.NOTHING_UNTRUE)
    return None if not m.referred_on else _refuse(services.ALREADY_REFERRED)


# --- The API's inputs (Step.input) ----------------------------------------------------------------
# The generated POST /api/v1/cases/{id}/<step>/ (core.step_apis) and
# its schema read them from the declaration. Each keeps the name its schema
# component has always had (generated clients know it).


class FindingInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, help_text="The point's number in the report.")
    finding = serializers.ChoiceField(choices=Finding.choices)
    basis = serializers.CharField(help_text="What the check found on this point.")


class SeekViewInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ViewInput(serializers.Serializer):
    view = serializers.CharField(help_text="The cadre's view of the points.")


class ConcludeInput(serializers.Serializer):
    conclusion = serializers.CharField()


class DecideInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices)
    method = serializers.ChoiceField(choices=Method.choices)


class PetitionInput(serializers.Serializer):
    occurred_on = serializers.DateField()
    description = serializers.CharField()
    handling = serializers.CharField()


class CloseInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _form(name):
    return lambda data, files, case: step_form(name, data)


def _step(name, label, stages, who, service, success, *, input=None, ready=None, events=(), summary="",
          refusals=()):
    # ``input``: the API's body (None: the step takes none).
    return Step(name, label, stages, who, app="clarifications", ready=ready, service=service, form=_form(name),
                input=input, events=events, success=success, summary=summary, anchor="#clarification",
                refusals=refusals)


register_steps(
    _step("record_finding", _("Record the finding on a point"), (CHECK,), _inspector,
          services.point_finding_record, _("The finding was recorded."), events=(K.POINT_FOUND,),
          summary=_("Record the finding on one reported point (属实 / 部分属实 / 失实 / 查无实据)"),
          input=FindingInput),
    _step("seek_cadre_view", _("Seek the cadre's view"), (CHECK,), _inspector, services.cadre_view_seek,
          _("The cadre was asked for his view."), ready=_not_sought, events=(K.VIEW_SOUGHT,),
          summary=_("Seek the cadre's view of the points (听取本人意见)"), refusals=(services.VIEW_ALREADY_SOUGHT,),
          input=SeekViewInput),
    _step("record_cadre_view", _("Give the view on the points"), (CHECK,), _cadre_or_inspector,
          services.cadre_view_record, _("The view was recorded."), ready=_view_open, events=(K.VIEW_RECORDED,),
          summary=_("The cadre's view, given by him or recorded by the inspector"),
          refusals=(services.VIEW_NOT_SOUGHT, services.VIEW_ALREADY_GIVEN),
          input=ViewInput),
    _step("conclude_check", _("Conclude the check"), (CHECK,), _inspector, services.check_conclude,
          _("The check was concluded."), ready=_check_done, events=(K.CHECK_CONCLUDED, K.CLOSED),
          summary=_("Conclude the check: on to clarification, or closed when every point proved true"),
          refusals=(services.POINTS_OPEN, services.VIEW_MISSING),
          input=ConcludeInput),
    _step("decide_clarification", _("Decide the scope and method"), (CLARIFY,), _deciding_body,
          services.clarification_scope_decide, _("The scope and method were decided."), ready=_not_issued,
          events=(K.SCOPE_DECIDED,), summary=_("Decide the scope (本单位/本系统/社会公开) and method of the clarification"),
          refusals=(services.ALREADY_ISSUED,),
          input=DecideInput),
    _step("issue_statement", _("Issue the clarification statement (澄清说明)"), (CLARIFY,), _inspector,
          services.clarification_statement_issue, _("The clarification statement was issued."), ready=_decided,
          events=(K.STATEMENT_ISSUED,), summary=_("Issue the clarification statement (澄清说明)"),
          refusals=(services.SCOPE_MISSING, services.ALREADY_ISSUED)),
    _step("publish_clarification", _("Publish on the portal"), (CLARIFY, CLOSED), _admin,
          services.clarification_publish, _("The clarification is on the portal."), ready=_publishable,
          events=(K.PUBLISHED,), summary=_("Publish a public-scope clarification on the portal (names hidden)"),
          refusals=(services.NOT_ISSUED, services.NOT_PUBLIC, services.ALREADY_PUBLISHED)),
    # The 诬告陷害 referral, declared as a ruled case's clarification's (core.referrals).
    referral_step("refer_false_accusation", (CHECK, CLARIFY, CLOSED), _inspector, services.false_accusation_refer,
                  input_name="ReferralInput", app="clarifications", form=_form("refer_false_accusation"),
                  anchor="#clarification", ready=_referable, events=(K.REFERRED,),
                  summary=_("Record the referral of a false accusation (诬告陷害)"),
                  refusals=(services.NOTHING_UNTRUE, services.ALREADY_REFERRED)),
    _step("record_petition", _("Record persistent unreasonable petitioning (持续无理上访)"), (CHECK, CLARIFY, CLOSED),
          _inspector_or_intake, services.petition_record, _("The petitioning and its handling were recorded."),
          events=(K.PETITION_RECORDED,), summary=_("Record persistent unreasonable petitioning and its handling"),
          input=PetitionInput),
    _step("close_clarification", _("Close the clarification case"), (CLARIFY,), _inspector_or_deciding_body,
          services.clarification_case_close, _("The case was closed."), ready=_issued, events=(K.CLOSED,),
          summary=_("Close the clarification case"), refusals=(services.NOT_ISSUED,),
          input=CloseInput),
)

register_case_panel(order=25, template="clarifications/case_panel.html", context=panel_context)
