"""The case steps of careers, declared once (core.steps): the services'
guard (``step_guard``), the case panel's forms, the API's ``actions``, the
generic step view (core.step_views) and the generated endpoint
(``POST /api/v1/cases/{id}/<step>/``, core.step_apis) read them. Recording a result use's application and a follow-up are steps
on the obligation and the follow-up (``services.is_org_dept``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import Stage
from cases.registry import register_case_panel
from core.steps import Refusal, Step, StepClock, register_clocks, register_steps
from notifications.selectors import ORG_DEPT
from reviews.selectors import COUNTERSIGN_AWAITED, countersign_hold

from . import forms, selectors, services
from .models import AccountabilityForm, Decision
from .models import EventKind as K

# After the ruling, whatever came next (a closed case included: a ruling
# obtained by fraud is revoked whenever it is found out, and the
# accountability organ decides after the ruling).
AFTER_RULING = (Stage.RULED, Stage.CORRECTION, Stage.CLARIFICATION, Stage.CLOSED)


def _ready(refusal):
    def ready(case, user, ctx):
        # Issue 16: a joint decision is not in force before the 组织部门's
        # countersign; nothing is decided or revoked on it until then.
        held = countersign_hold(case)
        if held is not None:
            return held
        # The current ruling, read once per listing (core.steps.StepContext;
        # the corrections panel seeds the one it loaded).
        message = refusal(case, ctx.read("current_ruling", lambda: services.current_ruling(case)))
        return None if message is None else Refusal(message, code="illegal_transition")
    return ready


def _form(form_class):
    return lambda data, files, case, **kw: form_class(data, files, **kw)


PANEL = "#careers"


# The API's inputs (Step.input), beside the steps. POST
# /api/v1/cases/{id}/record_accountability_decision/ and .../revoke_ruling/
# come from these declarations through core.step_apis:
# the one answer of every step (the case with its actions, and ``step``
# naming the record made: careers.accountabilitydecision or careers.revocation).


class AccountabilityDecisionInput(serializers.Serializer):
    organ = serializers.CharField(max_length=200)
    decision = serializers.ChoiceField(choices=Decision.choices)
    form = serializers.ChoiceField(choices=AccountabilityForm.choices, required=False, default="", allow_blank=True)
    decided_on = serializers.DateField()
    document_number = serializers.CharField(max_length=100)
    document = serializers.FileField(required=False, allow_null=True, default=None, allow_empty_file=True,
                                     help_text="The decision document (决定书); multipart only.")
    note = serializers.CharField(required=False, default="", allow_blank=True)


class RevokeRulingInput(serializers.Serializer):
    held_on = serializers.DateField()
    participants = serializers.CharField(max_length=300)
    reason = serializers.CharField()


register_steps(
    Step("record_accountability_decision", _("Record the accountability decision (问责决定)"), AFTER_RULING,
         services.is_inspector, app="careers", ready=_ready(services.decision_refusal),
         service=services.accountability_decision_record, form=_form(forms.AccountabilityDecisionForm),
         input=AccountabilityDecisionInput, summary=_("Record the accountability organ's decision (问责决定)"),
         success=_("The accountability decision was recorded."), anchor=PANEL,
         refusals=(services.DECISION_EXISTS, services.NO_RULING, COUNTERSIGN_AWAITED), events=(K.ACCOUNTABILITY_DECIDED,)),
    Step("revoke_ruling", _("Revoke the ruling (撤销容错认定)"), AFTER_RULING, services.is_committee,
         app="careers", ready=_ready(services.revoke_refusal), service=services.ruling_revoke,
         form=_form(forms.RevokeForm), input=RevokeRulingInput,
         summary=_("Revoke a ruling resting on false material"), success=_("The ruling was revoked."), anchor=PANEL,
         refusals=(services.UNDER_REVIEW, services.NO_RULING, services.ALREADY_REVOKED, services.NOT_REVOCABLE,
                   COUNTERSIGN_AWAITED),
         events=(K.RULING_REVOKED, K.USES_WITHDRAWN)),
)
# The organization department's clocks, opened on the ruling's hand-off and
# on its own records (not case steps): who is reminded.
register_clocks(*(StepClock(stage, (ORG_DEPT,)) for stage in (
    "result_use_record", "use_application", "use_period", "followup_talk", "followup_visit")))
register_case_panel(order=40, template="careers/case_panel.html", context=selectors.case_panel_context)
