"""The steps of correction and clarification, declared once (core.steps):
where each is legal, who takes it, and when it is ready (the step order
of the record, ``services.state_error``). The case panel's forms, the API's
``actions`` and the services' guard read this."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Role
from accounts.selectors import user_has_role
from cases.registry import register_case_panel
from core.referrals import referral_step
from core.steps import Refusal, Step, StepClock, register_steps, step_cache
from notifications.selectors import APPLICANT, INSPECTORS
from reviews.selectors import COUNTERSIGN_AWAITED, countersign_hold, inspector_may_handle

from . import services
from .forms import action_form
from .models import Clarification, Correction, FourForms, Method, RectificationTask, Scope
from .selectors import correction_panel_context

# Where each action is legal (cases.models.Stage values). After the ruling:
# ``ruled`` → ``correction`` → ``clarification`` → ``closed``; a skipped
# correction goes from ``ruled`` to ``clarification``. A case under review
# (stage ``review``) takes none of these until the review is decided.
RULED, CORRECTION, CLARIFICATION = "ruled", "correction", "clarification"
ACTION_STAGES = {
    "start_correction": (RULED,),
    "skip_correction": (RULED,),
    "send_correction_notice": (CORRECTION,),
    "record_talk": (CORRECTION,),
    "add_rectification_task": (CORRECTION,),
    "submit_rectification_report": (CORRECTION,),
    "accept_rectification": (CORRECTION,),
    "return_rectification": (CORRECTION,),
    "record_rule_change": (CORRECTION,),
    # The cadre may ask for clarification as soon as he has his ruling.
    "request_clarification": (RULED, CORRECTION, CLARIFICATION),
    "record_clarification": (CLARIFICATION,),
    "issue_clarification": (CLARIFICATION,),
    "record_referral": (CLARIFICATION,),
    "skip_clarification": (CLARIFICATION,),
    "close": (CLARIFICATION,),
}


# --- Who acts: the one place --------------------------------------------------------


def _inspector(case, user) -> bool:
    """An inspector of the case's jurisdiction who need not recuse himself
    records the steps (Kunming: the discipline-inspection organ carries out
    the correction)."""
    # Asked once per action when the page lists what the user may do: read
    # once per listing (the listing's core.steps.StepContext, shared with
    # careers' steps; a service's guard asks afresh).
    return inspector_may_handle(case=case, user=user)


def _deciding_body(case, user) -> bool:
    """The supervisor or the committee decides whether a correction or a
    clarification takes place at all."""
    return user_has_role(user, Role.SUPERVISOR, case.unit) or user_has_role(user, Role.COMMITTEE, case.unit)


def _cadre(case, user) -> bool:
    """The cadre himself (the case's applicant): only he reports on his
    rectification."""
    return user.is_authenticated and user.pk == case.applicant_id


def _handling_department(case, user) -> bool:
    return _inspector(case, user) or user_has_role(user, Role.INTAKE, case.unit)


def _cadre_or_department(case, user) -> bool:
    return _cadre(case, user) or _handling_department(case, user)


def _inspector_or_deciding_body(case, user) -> bool:
    return _inspector(case, user) or _deciding_body(case, user)


WHO = {
    "start_correction": _deciding_body,
    "skip_correction": _deciding_body,
    "send_correction_notice": _inspector,
    "record_talk": _inspector,
    "add_rectification_task": _inspector,
    "submit_rectification_report": _cadre,
    "accept_rectification": _inspector,
    "return_rectification": _inspector,
    "record_rule_change": _inspector,
    "request_clarification": _cadre_or_department,
    "record_clarification": _inspector,
    "issue_clarification": _inspector,
    "skip_clarification": _deciding_body,
    "close": _inspector_or_deciding_body,
}

LABELS = {
    "start_correction": _("Start the correction (启动纠错)"),
    "skip_correction": _("Skip the correction"),
    "send_correction_notice": _("Send the correction notice (纠错通知书)"),
    "record_talk": _("Record the reminder talk (谈话提醒)"),
    "add_rectification_task": _("Set a rectification task (督促整改)"),
    "submit_rectification_report": _("Submit the rectification report"),
    "accept_rectification": _("Accept the rectification"),
    "return_rectification": _("Return the rectification report"),
    "record_rule_change": _("Record the rule change (完善制度)"),
    "request_clarification": _("Request a clarification (澄清正名)"),
    "record_clarification": _("Record the untrue points"),
    "issue_clarification": _("Issue the clarification statement (澄清说明)"),
    "skip_clarification": _("Skip the clarification"),
    "close": _("Close the case"),
}


def _record(case):
    """The correction, clarification and tasks, read once per listing
    (core.steps.step_cache; a service re-reads under its lock)."""
    cache = step_cache(case)
    if "corrections_record" not in cache:
        correction = Correction.objects.filter(case=case).first()
        cache["corrections_record"] = {
            "correction": correction,
            "clarification": Clarification.objects.filter(case=case).first(),
            "tasks": list(RectificationTask.objects.filter(correction=correction)) if correction else [],
        }
    return cache["corrections_record"]


def _ready(name):
    def ready(case):
        # Issue 16: nothing follows a joint decision before the 组织部门's countersign.
        held = countersign_hold(case)
        if held is not None:
            return held
        error = services.state_error(name, case=case, **_record(case))
        return None if error is None else Refusal(error, code="illegal_transition")
    return ready


SUCCESS = {
    "start_correction": _("The correction was started."),
    "send_correction_notice": _("The correction notice was sent."),
    "record_talk": _("The reminder talk was recorded."),
    "add_rectification_task": _("The rectification task was set."),
    "submit_rectification_report": _("Your rectification report was submitted."),
    "accept_rectification": _("The rectification was accepted."),
    "return_rectification": _("The report was returned with a new deadline."),
    "record_rule_change": _("The rule change was recorded; the correction is complete."),
    "skip_correction": _("The correction was skipped."),
    "request_clarification": _("The clarification was requested."),
    "record_clarification": _("The untrue points were recorded."),
    "issue_clarification": _("The clarification statement was issued."),
    "skip_clarification": _("The clarification was skipped."),
    "close": _("The case was closed."),
}


# The clocks the steps open, and who must act while each runs. The
# clarification's opens on whichever step leads there (a correction
# completed or skipped, or its four forms handled).
CLARIFICATION_CLOCK = StepClock("clarification", (INSPECTORS,))
CLOCKS = {
    "start_correction": (StepClock("correction", (INSPECTORS,)), CLARIFICATION_CLOCK),
    "skip_correction": (CLARIFICATION_CLOCK,),
    "record_rule_change": (CLARIFICATION_CLOCK,),
    "request_clarification": (CLARIFICATION_CLOCK,),
    # The cadre's own time (整改), watched by the inspectors.
    "add_rectification_task": (StepClock("rectification", (APPLICANT, INSPECTORS), at_authority=False),),
}


# --- The API's inputs (Step.input), beside the steps: the generated
# POST /api/v1/cases/{id}/<step>/ (core.step_apis) and its schema read
# them from the declaration. Each keeps the name its schema component has
# always had (generated clients know it).


class StartCorrectionInput(serializers.Serializer):
    decided_by = serializers.CharField(max_length=200)
    problems = serializers.CharField()
    four_forms = serializers.ChoiceField(choices=FourForms.choices, required=False, default="", allow_blank=True)
    four_forms_note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class SendCorrectionNoticeInput(serializers.Serializer):
    recipients = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class RecordTalkInput(serializers.Serializer):
    talk_on = serializers.DateField()
    participants = serializers.CharField()
    record = serializers.CharField()
    acknowledgement = serializers.CharField()


class AddRectificationTaskInput(serializers.Serializer):
    description = serializers.CharField()


class SubmitRectificationReportInput(serializers.Serializer):
    task_id = serializers.IntegerField()
    text = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False, default=list,
                                  help_text="Evidence files (multipart, field repeated).")


class AcceptRectificationInput(serializers.Serializer):
    task_id = serializers.IntegerField()
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class ReturnRectificationInput(serializers.Serializer):
    task_id = serializers.IntegerField()
    reason = serializers.CharField()


class RecordRuleChangeInput(serializers.Serializer):
    rule_change = serializers.CharField()
    document_title = serializers.CharField(max_length=300)
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False, default=list,
                                  help_text="The rule document (multipart, field repeated).")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class OptionalReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class UntruePointInput(serializers.Serializer):
    allegation = serializers.CharField()
    finding = serializers.CharField()


class RecordClarificationInput(serializers.Serializer):
    points = UntruePointInput(many=True, allow_empty=False)


class IssueClarificationInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices)
    method = serializers.ChoiceField(choices=Method.choices)


# step name: (its input, the endpoint's summary, whether it takes files)
API = {
    "start_correction": (StartCorrectionInput, _("Start the correction (step 1)"), False),
    "send_correction_notice": (SendCorrectionNoticeInput, _("Send the correction notice (step 2)"), False),
    "record_talk": (RecordTalkInput, _("Record the reminder talk (step 3)"), False),
    "add_rectification_task": (AddRectificationTaskInput, _("Set a rectification task (step 4)"), False),
    "submit_rectification_report": (SubmitRectificationReportInput,
                                    _("The cadre's rectification report, with evidence"), True),
    "accept_rectification": (AcceptRectificationInput, _("Accept a rectification"), False),
    "return_rectification": (ReturnRectificationInput, _("Return a rectification report (new deadline)"), False),
    "record_rule_change": (RecordRuleChangeInput, _("Record the rule change (step 5)"), True),
    "skip_correction": (ReasonInput, _("Skip the correction, with the reason"), False),
    "request_clarification": (ReasonInput, _("Request (cadre) or propose (department) a clarification"), False),
    "record_clarification": (RecordClarificationInput, _("Record the untrue points"), False),
    "issue_clarification": (IssueClarificationInput, _("Issue the clarification statement"), False),
    "skip_clarification": (ReasonInput, _("Skip the clarification, with the reason"), False),
    "close": (OptionalReasonInput, _("Close the case"), False),
}


def _form(name):
    return lambda data, files, case, **kw: action_form(name, data, files)


def _declared(name) -> dict:
    """What every correction step declares alike."""
    # Every correction step waits for a joint decision's countersign (409 countersign_pending).
    return {"app": "corrections", "ready": _ready(name), "form": _form(name), "clocks": CLOCKS.get(name, ()),
            "refusals": (COUNTERSIGN_AWAITED,)}


def _step(name, stages):
    if name == "record_referral":
        # The 诬告陷害 referral, declared as a clarification case's (core.referrals).
        return referral_step(name, stages, _inspector, services.ACTION_SERVICES[name],
                             input_name="RecordReferralInput", summary=_("Record a false-accusation referral"),
                             **_declared(name))
    api_input, summary, takes_files = API[name]
    return Step(name, LABELS[name], stages, WHO[name], service=services.ACTION_SERVICES[name], input=api_input,
                summary=summary, files="files" if takes_files else "", success=SUCCESS[name], **_declared(name))


register_steps(*(_step(name, stages) for name, stages in ACTION_STAGES.items()))
register_case_panel(order=30, template="corrections/case_panel.html", context=correction_panel_context)
