"""Forms of a clarification case: opening one from a report (its own page)
and the steps' forms on the case page. They check the input's shape only;
the services decide everything else."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from corrections.models import Method, Scope

from .models import Channel, Finding

POINT_ROWS = 5


def _text(label, help_text="", required=True, rows=3):
    return forms.CharField(label=label, help_text=help_text, required=required,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _date(label, required=True):
    # ISO in the value, whatever the language: a date input reads no other.
    return forms.DateField(label=label, required=required,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class OpenForm(forms.Form):
    """An inspector opens a clarification case from a 信访举报."""

    cadre = forms.ModelChoiceField(label=_("Cadre reported on"), queryset=User.objects.none())
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("E.g. 关于反映某同志违规问题的核查. Never the reporter's name."))
    report_number = forms.CharField(label=_("Report number (信访举报编号)"), max_length=60)
    received_on = _date(_("Received on"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    reporter_name = forms.CharField(label=_("Reporter"), max_length=100, required=False,
                                    help_text=_("Empty for an anonymous report. Never shown to the cadre."))
    reporter_contact = forms.CharField(label=_("Reporter's contact"), max_length=200, required=False)

    def __init__(self, *args, cadres=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres if cadres is not None else User.objects.none()
        self.fields["cadre"].label_from_instance = lambda u: f"{u.display_name}（{u.org_unit.name if u.org_unit else ''}）"
        self.fields["unit"].queryset = units if units is not None else OrgUnit.objects.none()
        for i in range(1, POINT_ROWS + 1):
            self.fields[f"point_{i}"] = _text(_("Point %(n)s reported") % {"n": i}, required=i == 1, rows=2)

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["points"] = [d.pop(f"point_{i}", "") for i in range(1, POINT_ROWS + 1)]
        return d


class StepForm(forms.Form):
    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class FindingForm(StepForm):
    number = forms.IntegerField(label=_("Point"), min_value=1, widget=forms.Select)
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices, widget=forms.RadioSelect)
    basis = _text(_("What the check found"), help_text=_("The facts and evidence, as the statement may print them."))

    def set_points(self, points) -> None:
        self.fields["number"].widget.choices = [(p.number, f"{p.number}. {p.allegation[:60]}") for p in points]


class SeekViewForm(StepForm):
    note = _text(_("How the view was sought"), required=False, rows=2,
                 help_text=_("E.g. a talk, or in writing on this case."))


class ViewForm(StepForm):
    view = _text(_("The cadre's view of the points"), rows=4)


class ConcludeForm(StepForm):
    conclusion = _text(_("Conclusion of the check"))


class DecideForm(StepForm):
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)


class EmptyForm(StepForm):
    pass


class ReferralForm(StepForm):
    referred_to = forms.CharField(label=_("Referred to"), max_length=200,
                                  help_text=_("E.g. the public security organ or the case supervision office."))
    facts = _text(_("Facts of the false accusation"))
    referred_on = _date(_("Referred on"))


class PetitionForm(StepForm):
    occurred_on = _date(_("Date"))
    description = _text(_("What the petitioner did"))
    handling = _text(_("How it was handled"))


class CloseForm(StepForm):
    reason = _text(_("Remarks"), required=False, rows=2)


FORMS = {
    "record_finding": FindingForm,
    "seek_cadre_view": SeekViewForm,
    "record_cadre_view": ViewForm,
    "conclude_check": ConcludeForm,
    "decide_clarification": DecideForm,
    "issue_statement": EmptyForm,
    "publish_clarification": EmptyForm,
    "refer_false_accusation": ReferralForm,
    "record_petition": PetitionForm,
    "close_clarification": CloseForm,
}


def step_form(name, data=None, matter=None):
    # Prefixed by the step: several forms on one page, no id twice.
    form = FORMS[name](data, prefix=name)
    if name == "record_finding" and matter is not None:
        form.set_points(matter.points.all())
    if name in ("refer_false_accusation", "record_petition") and data is None:
        form.initial[{"refer_false_accusation": "referred_on", "record_petition": "occurred_on"}[name]] = timezone.localdate()
    return form


def forms_for(actions, *, matter, labels, bind=None) -> list[dict]:
    """The panel's forms, one per step the user may take now, in the
    declaration's order; ``bind`` rebuilds one a refused POST carried."""
    out = []
    for action in actions:
        def build(data, action=action):
            return step_form(action, data, matter)

        form = bind(action, build) if bind is not None else build(None)
        out.append({"action": action, "label": labels[action], "form": form})
    return out
