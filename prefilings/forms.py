"""Forms parse and validate shape only; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from policies.models import PolicyItem
from policies.procedure import prevention_procedures

from .models import EarlyWarning, PreFilingAttachment, Procedure

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows=4):
    return forms.Textarea(attrs={"rows": rows})


class PreFilingForm(forms.Form):
    title = forms.CharField(label=_("Measure"), max_length=200,
                            help_text=_("A short name, e.g. “Pilot of a new school-meal procurement model”."))
    measure = forms.CharField(label=_("What the measure is"), widget=_text(), required=False)
    reasons = forms.CharField(label=_("Why it is needed"), widget=_text(), required=False)
    responsible = forms.CharField(label=_("People responsible"), widget=_text(2), required=False,
                                  help_text=_("Names and posts of the leaders and staff in charge."))
    period_start = forms.DateField(label=_("Period start"), widget=DATE, required=False)
    period_end = forms.DateField(label=_("Period end"), widget=DATE, required=False)

    def __init__(self, *args, version=None, **kwargs):
        """``version``: the policy version the filing is (or will be) under:
        its decision procedures and error-prevention areas (防错, issue 18)
        are the ones offered; without it, every procedure and no area."""
        super().__init__(*args, **kwargs)
        self.codes = list(prevention_procedures(version)) if version is not None else list(Procedure.values)
        labels = dict(Procedure.choices)
        for code in self.codes:
            self.fields[f"{code}_done"] = forms.BooleanField(label=labels.get(code, code), required=False)
            self.fields[f"{code}_note"] = forms.CharField(
                label=_("Details (dates, participants, conclusions)"), required=False, widget=_text(2))
        areas = list(version.items.filter(kind=PolicyItem.Kind.PREVENTION_AREA).order_by("number", "id")
                     if version is not None else [])
        if areas:
            self.fields["area"] = forms.TypedChoiceField(
                label=_("Error-prevention area (防错重点范围)"), required=False, coerce=int, empty_value=None,
                # Marked while nobody has confirmed it (issue 16: Kunming's six
                # areas are drafted after comparable rules).
                choices=[("", "---------")] + [(a.pk, (a.title or a.text[:60]) + (f"（{a.mark}）" if a.mark else ""))
                                               for a in areas])

    @classmethod
    def initial_from(cls, filing) -> dict:
        initial = {f: getattr(filing, f) for f in ("title", "measure", "reasons", "responsible",
                                                   "period_start", "period_end")}
        initial["area"] = filing.area_id
        for code, value in (filing.procedures or {}).items():
            initial[f"{code}_done"] = value.get("done", False)
            initial[f"{code}_note"] = value.get("note", "")
        return initial

    def procedure_fields(self):
        return [(self[f"{code}_done"], self[f"{code}_note"]) for code in self.codes]

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ("title", "measure", "reasons", "responsible", "period_start",
                                                  "period_end")}
        if "area" in self.fields:
            data["area"] = self.cleaned_data["area"]
        data["procedures"] = {
            code: {"done": self.cleaned_data[f"{code}_done"], "note": self.cleaned_data[f"{code}_note"]}
            for code in self.codes
        }
        return data


class RiskForm(forms.Form):
    risk = forms.CharField(label=_("Risk foreseen"), required=False, widget=_text(2))
    control = forms.CharField(label=_("How it is controlled"), required=False, widget=_text(2))


RiskFormSet = forms.formset_factory(RiskForm, extra=2, max_num=20)


class AttachmentForm(forms.Form):
    # Empty files reach the upload check, which says so as the API does.
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    kind = forms.ChoiceField(label=_("Kind"), choices=PreFilingAttachment.Kind.choices,
                             initial=PreFilingAttachment.Kind.PLAN)


class MissingForm(forms.Form):
    missing = forms.CharField(label=_("What is missing"), widget=_text(3), max_length=4000)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("What you supplied"), widget=_text(3), max_length=4000)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reasons for refusing"), widget=_text(3), max_length=4000)


class RegisterForm(forms.Form):
    report_interval_days = forms.IntegerField(
        label=_("Progress reports every (days)"), min_value=1, max_value=366,
        help_text=_("The unit reports on the measure at this interval until the period ends."))
    reason = forms.CharField(label=_("Remarks"), required=False, widget=_text(2), max_length=4000)


class ProgressForm(forms.Form):
    summary = forms.CharField(label=_("Progress of the measure"), widget=_text(4), max_length=8000)

    def __init__(self, *args, risks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.risk_count = len(risks)
        for i, row in enumerate(risks):
            self.fields[f"risk_{i}_realised"] = forms.TypedChoiceField(
                label=row["risk"], coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="0",
                choices=[("0", _("Not realised")), ("1", _("Realised"))])
            self.fields[f"risk_{i}_note"] = forms.CharField(label=_("Notes"), required=False, widget=_text(2))

    def risk_fields(self):
        return [(self[f"risk_{i}_realised"], self[f"risk_{i}_note"]) for i in range(self.risk_count)]

    def service_data(self) -> dict:
        return {
            "summary": self.cleaned_data["summary"],
            "risks": [{"risk": i, "realised": self.cleaned_data[f"risk_{i}_realised"],
                       "note": self.cleaned_data[f"risk_{i}_note"]} for i in range(self.risk_count)],
        }


class ResolveWarningForm(forms.Form):
    # Which warning: each open warning has its own form on the page.
    warning = forms.IntegerField(widget=forms.HiddenInput)
    resolution = forms.ChoiceField(label=_("What was done"), choices=EarlyWarning.Resolution.choices,
                                   widget=forms.RadioSelect)
    note = forms.CharField(label=_("What was said or done"), widget=_text(3), max_length=4000)
    resolved_on = forms.DateField(label=_("Date"), widget=DATE, required=False)


class EvaluationForm(forms.Form):
    outcome = forms.CharField(label=pgettext_lazy("prefiling", "Outcome"), widget=_text(4), max_length=8000)
    lessons = forms.CharField(label=_("Lessons"), widget=_text(3), max_length=8000)
    rules_improved = forms.CharField(label=_("Rules improved"), widget=_text(3), required=False, max_length=8000)


class CiteForm(forms.Form):
    prefiling = forms.IntegerField(label=_("Registered pre-filing"), widget=forms.Select)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefiling"].widget.choices = [(f.pk, f"{f.number} {f.title}") for f in choices]
