from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Origin, Outcome, Stage


class DashboardFilterForm(forms.Form):
    jurisdiction = forms.TypedChoiceField(label=_("Jurisdiction"), required=False, coerce=int, empty_value=None)
    year = forms.IntegerField(label=_("Year of submission"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, jurisdictions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = [("", _("All"))] + [(j.pk, j.name) for j in jurisdictions]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class CaseExportFilterForm(forms.Form):
    """The case search's filters (``cases.selectors.case_search``)."""

    q = forms.CharField(label=pgettext_lazy("verb", "Search"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any"))] + list(Stage.choices))
    origin = forms.ChoiceField(label=_("Origin"), required=False, choices=[("", _("Any"))] + list(Origin.choices))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("Any"))] + [c for c in Outcome.choices if c[0]])
    jurisdiction = forms.IntegerField(label=_("Jurisdiction"), required=False, widget=forms.HiddenInput)
    overdue = forms.NullBooleanField(label=_("Overdue"), required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(label=_("Submitted from"), required=False, widget=forms.HiddenInput)
    date_to = forms.DateField(label=_("Submitted until"), required=False, widget=forms.HiddenInput)

    def filters(self) -> dict:
        """JSON-safe filters (they are stored on the export row)."""
        if not self.is_valid():
            return {}
        out = {}
        for key, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            out[key] = value.isoformat() if hasattr(value, "isoformat") else value
        return out
