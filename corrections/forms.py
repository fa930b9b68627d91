"""Forms of the correction panel: they check the shape of the input only;
the services decide everything else."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FourForms, Method, Scope


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        # Empty files reach the upload check (its message, as the API's).
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _text(label, help_text="", required=True, rows=3):
    return forms.CharField(label=label, help_text=help_text, required=required,
                           widget=forms.Textarea(attrs={"rows": rows}))


class ActionForm(forms.Form):
    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class StartForm(ActionForm):
    decided_by = forms.CharField(label=_("Decided by"), max_length=200,
                                 help_text=_("The body or meeting that decided to correct, e.g. 纪委常委会."))
    problems = _text(_("What is to be corrected"))
    four_forms = forms.ChoiceField(label=_("Four forms (四种形态)"), choices=FourForms.choices, required=False,
                                   help_text=_("Only where discipline applies."))
    four_forms_note = forms.CharField(label=_("Handling under the four forms"), max_length=300, required=False)


class NoticeForm(ActionForm):
    recipients = forms.CharField(label=_("Sent to"), max_length=300, required=False,
                                 help_text=_("Leave empty for the cadre and his unit."))


class TalkForm(ActionForm):
    talk_on = forms.DateField(label=_("Date of the talk"), widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(label=_("Participants"), max_length=500)
    record = _text(_("Record of the talk"))
    acknowledgement = _text(_("The cadre's acknowledgement"), rows=2,
                            help_text=_("What the cadre stated or signed at the talk."))


class TaskForm(ActionForm):
    description = _text(_("What is to be rectified"),
                        help_text=_("The deadline follows the policy's rectification time limit."))


class _TaskChoiceForm(ActionForm):
    task_id = forms.IntegerField(label=_("Task"), widget=forms.Select)

    def set_tasks(self, tasks) -> None:
        self.fields["task_id"].widget.choices = [(t.pk, f"{t.number}. {t.description[:60]}") for t in tasks]


class ReportForm(_TaskChoiceForm):
    text = _text(_("Rectification report"), rows=5)
    files = MultipleFileField(label=_("Evidence"),
                              help_text=_("PDF, images, Word/WPS or OFD documents."))


class AcceptForm(_TaskChoiceForm):
    reason = _text(_("Remarks"), required=False, rows=2)


class ReturnForm(_TaskChoiceForm):
    reason = _text(_("Why the report is returned"))


class RuleChangeForm(ActionForm):
    rule_change = _text(_("Rule or procedure the unit changed"))
    document_title = forms.CharField(label=_("Document"), max_length=300,
                                     help_text=_("Title and number of the rule document."))
    files = MultipleFileField(label=_("The document"))


class ReasonForm(ActionForm):
    reason = _text(_("Reason"))


class OptionalReasonForm(ActionForm):
    reason = _text(_("Remarks"), required=False, rows=2)


POINT_ROWS = 3


class PointsForm(ActionForm):
    """Up to three untrue points per submission (send again for more)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, POINT_ROWS + 1):
            self.fields[f"allegation_{i}"] = _text(
                _("Point %(n)s: what the report said") % {"n": i}, required=i == 1, rows=2)
            self.fields[f"finding_{i}"] = _text(
                _("Point %(n)s: what verification found") % {"n": i}, required=i == 1, rows=2)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"points": [{"allegation": d.get(f"allegation_{i}", ""), "finding": d.get(f"finding_{i}", "")}
                           for i in range(1, POINT_ROWS + 1)]}


class IssueForm(ActionForm):
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)


class ReferralForm(ActionForm):
    referred_to = forms.CharField(label=_("Referred to"), max_length=200)
    facts = _text(_("Facts of the malicious false accusation"))
    referred_on = forms.DateField(label=_("Referred on"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


FORMS = {
    "start_correction": StartForm,
    "send_correction_notice": NoticeForm,
    "record_talk": TalkForm,
    "add_rectification_task": TaskForm,
    "submit_rectification_report": ReportForm,
    "accept_rectification": AcceptForm,
    "return_rectification": ReturnForm,
    "record_rule_change": RuleChangeForm,
    "skip_correction": ReasonForm,
    "request_clarification": ReasonForm,
    "record_clarification": PointsForm,
    "issue_clarification": IssueForm,
    "record_referral": ReferralForm,
    "skip_clarification": ReasonForm,
    "close": OptionalReasonForm,
}


def action_form(action: str, data=None, files=None) -> ActionForm:
    return FORMS[action](data, files, prefix=action)


def forms_for(actions, *, case, open_tasks, reported_tasks, labels, bind=None) -> list[dict]:
    """The panel's forms, one per action the user may take now, in the order
    of the workflow. ``bind(action, build)`` may build one bound to what a
    refused POST carried (core.form_flash); by default all are unbound."""
    result = []
    for action in [a for a in FORMS if a in actions]:
        def build(data, action=action):
            form = action_form(action, data)
            if action == "submit_rectification_report":
                form.set_tasks(open_tasks)
            elif action in ("accept_rectification", "return_rectification"):
                form.set_tasks(reported_tasks)
            elif action == "record_talk":
                form.initial["talk_on"] = timezone.localdate()
            return form

        form = bind(action, build) if bind is not None else build(None)
        result.append({"action": action, "label": labels[action], "form": form,
                       "multipart": "files" in form.fields})
    return result
