"""The steps of filing, unit review and intake, declared once (core.steps):
legal stages, who may take them, the page's form, the API's input, the
service and the events they write. The case page's buttons, the API's
``actions``, the generic step view and API endpoint, and ``case_guard`` all
read this."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.steps import Step, StepClock, StepSubject, register_step_subject, register_steps
from notifications.selectors import APPLICANT, INSPECTORS, INTAKE, UNIT_REVIEWERS

from . import forms as f
from . import services as s
from .models import EventKind as K
from .models import Stage

register_step_subject(StepSubject(
    name="case", state_field="stage", state_label=lambda value: Stage(value).label, closed=(Stage.CLOSED,),
))


def _form(form_class):
    return lambda data, files, case: form_class(data)


# --- The API's inputs (Step.input), beside the steps: the generated
# POST /api/v1/cases/{id}/<step>/ (core.step_apis) and its schema read
# them from the declaration. Each keeps the name its schema component has
# always had (generated clients know it).


class _ReasonInput(serializers.Serializer):
    # Blank is let through so that the service says what it needs, in the
    # same words as the browser's form.
    reason = serializers.CharField(allow_blank=True, max_length=5000)


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class UnitForwardInput(serializers.Serializer):
    meeting_date = serializers.DateField(help_text=_("Date of the unit's small-scope meeting."))
    participants = serializers.CharField(allow_blank=True, max_length=5000)
    opinion = serializers.CharField(allow_blank=True, max_length=5000)


class UnitReturnInput(_ReasonInput):
    meeting_date = serializers.DateField(required=False, allow_null=True)
    participants = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AcceptInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# "Case" first: the pre-filings' generated inputs are named RequestSupplementInput
# and SupplementInput, and two schema components may not share a name.
class CaseRequestSupplementInput(serializers.Serializer):
    missing = serializers.CharField(allow_blank=True, max_length=5000)
    due_date = serializers.DateField(
        required=False, allow_null=True,
        help_text=_("Answer by this date; by default the policy's time limit for supplements."),
    )


class CaseSupplementInput(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True, max_length=5000)


class NotAcceptInput(_ReasonInput):
    pass


# The clocks these steps open, and who must act while each runs (the
# reminders; once overdue the jurisdiction's supervisors hear too).
UNIT_REVIEW_CLOCK = StepClock("unit_review", (UNIT_REVIEWERS,))
INTAKE_CLOCK = StepClock("intake", (INTAKE,))
# A proactive case opens it too (reviews.services.case_open_proactive).
VERIFICATION_CLOCK = StepClock("verification", (INSPECTORS,))
# The applicant's own time: not "overdue at the authority".
SUPPLEMENT_CLOCK = StepClock("supplement", (APPLICANT,), at_authority=False)


def _back_to_review(case) -> str:
    # A refused submission goes back to the last page of the filing form,
    # where what is missing is listed.
    return reverse("cases:edit", args=[case.pk, "review"])


register_steps(
    # The draft is edited on its own pages (cases:edit) and PATCHed on the
    # case's API resource: no generic form or endpoint.
    Step("edit", _("Edit"), (Stage.DRAFT,), s._is_filer, events=(K.EDITED,)),
    Step("submit", _("Submit"), (Stage.DRAFT,), s._is_filer, service=s.case_submit, events=(K.SUBMITTED,),
         clocks=(UNIT_REVIEW_CLOCK, INTAKE_CLOCK),
         success=_("The application was submitted."), refused_url=_back_to_review,
         summary=_("Submit a draft (the number is allocated at the first submission)"),
         # What submission checks, with when each applies (issue 15's schema).
         requirements=tuple((part, when) for part, _lacks, when in s.SUBMISSION_REQUIREMENTS)),
    Step("withdraw", _("Withdraw"), s.BEFORE_RULING, s._is_filer, service=s.case_withdraw,
         form=_form(f.OptionalReasonForm), input=WithdrawInput,
         events=(K.WITHDRAWN,), success=_("The application was withdrawn."), summary=_("Withdraw before a ruling")),
    Step("unit_forward", _("Forward (盖章报送)"), (Stage.UNIT_REVIEW,), s._unit_reviewer,
         service=s.case_unit_forward, form=_form(f.UnitForwardForm), input=UnitForwardInput,
         events=(K.UNIT_FORWARDED,), success=_("The application was forwarded to intake."), clocks=(INTAKE_CLOCK,),
         summary=_("Forward with the unit's opinion (盖章报送)")),
    Step("unit_return", _("Return to the applicant"), (Stage.UNIT_REVIEW,), s._unit_reviewer,
         service=s.case_unit_return, form=_form(f.UnitReturnForm), input=UnitReturnInput,
         events=(K.UNIT_RETURNED,), success=_("The application was returned to the applicant."),
         summary=_("Return to the applicant, with reasons")),
    Step("accept", _("Accept (受理)"), (Stage.SUBMITTED,), s._intake, service=s.case_accept,
         form=_form(f.OptionalReasonForm), input=AcceptInput,
         events=(K.ACCEPTED,), success=_("The case was accepted."), summary=_("Accept (受理)"),
         clocks=(VERIFICATION_CLOCK,)),
    Step("request_supplement", _("Ask for supplements (补正)"), (Stage.SUBMITTED, Stage.VERIFICATION),
         s._intake_or_inspector, service=s.case_request_supplement, form=_form(f.SupplementRequestForm),
         input=CaseRequestSupplementInput, events=(K.SUPPLEMENT_REQUESTED,), clocks=(SUPPLEMENT_CLOCK,),
         success=_("The applicant was asked for supplements."), summary=_("Ask for supplements (补正)")),
    Step("supplement", _("Answer the supplement request"), (Stage.SUPPLEMENT,), s._is_filer,
         service=s.case_supplement, form=_form(f.SupplementAnswerForm), input=CaseSupplementInput,
         events=(K.SUPPLEMENT_ANSWERED,), success=_("Your supplement was sent."),
         summary=_("Answer the supplement request")),
    Step("not_accept", _("Not accept (不予受理)"), (Stage.SUBMITTED, Stage.SUPPLEMENT), s._intake,
         service=s.case_not_accept, form=_form(f.ReasonForm), input=NotAcceptInput,
         events=(K.NOT_ACCEPTED,), success=_("The case was not accepted."),
         summary=_("Not accept (不予受理), with reasons")),
)
