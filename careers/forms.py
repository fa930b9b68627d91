"""Forms of the careers pages: the shape of the input only; the services
decide everything else."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccountabilityForm, Decision


def _today():
    return timezone.localdate()


def _date(label, required=True, initial=_today):
    return forms.DateField(label=label, required=required, initial=initial,
                           widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


def _text(label, required=True, rows=3):
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


class UseApplyForm(forms.Form):
    occasion = forms.CharField(label=_("Occasion"), max_length=200,
                               help_text=_("When the use came up, e.g. 2026年度考核."))
    outcome = forms.CharField(label=_("How it was applied"), max_length=200,
                              help_text=_("e.g. 未受影响, 确定为称职等次."))
    applied_on = _date(_("Date"))
    note = _text(_("Note"), required=False, rows=2)
    next_due = _date(_("Next application due"), required=False, initial=None)


class FollowUpForm(forms.Form):
    held_on = _date(_("Date"))
    participants = forms.CharField(label=_("Participants"), max_length=300)
    summary = _text(_("What was said and agreed"))
    uses_respected = forms.TypedChoiceField(
        label=_("Were the result uses respected?"), required=False,
        choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: {"yes": True, "no": False}.get(v), empty_value=None,
    )


class AccountabilityDecisionForm(forms.Form):
    """The step ``record_accountability_decision`` (careers/steps.py),
    posted to the generic step view (core.step_views)."""

    organ = forms.CharField(label=_("Accountability organ"), max_length=200,
                            help_text=_("The organ that decided, e.g. 中共怀来县纪律检查委员会."))
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    form = forms.ChoiceField(label=_("Form of accountability"), choices=AccountabilityForm.choices, required=False)
    decided_on = _date(_("Decided on"))
    document_number = forms.CharField(label=_("Document number"), max_length=100)
    # The decision document itself (决定书), checked like every upload
    # (cases.uploads.check_upload) by the service.
    document = forms.FileField(label=_("Decision document"), required=False, allow_empty_file=True,
                               help_text=_("PDF or image of the decision (决定书), optional."))
    note = _text(_("Note"), required=False, rows=2)


class RevokeForm(forms.Form):
    """The step ``revoke_ruling`` (careers/steps.py)."""

    held_on = _date(_("Meeting date"))
    participants = forms.CharField(label=_("Members present"), max_length=300)
    reason = _text(_("False material found (弄虚作假)"), rows=4)


class TypicalCaseForm(forms.Form):
    """典型案例: the write-up (典型事迹) of a published outcome; it is redacted
    with the publication's hidden terms before the public sees it."""

    write_up = forms.CharField(label=_("Write-up (典型事迹)"), max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 8}))
