from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class YearlyReportForm(forms.Form):
    jurisdiction = forms.TypedChoiceField(label=_("Jurisdiction"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, jurisdictions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdictions = {j.pk: j for j in jurisdictions}
        self.fields["jurisdiction"].choices = [(j.pk, j.name) for j in jurisdictions]
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year)

    def report_args(self):
        """(jurisdiction, year) once valid, else ``None``."""
        if not self.is_valid():
            return None
        return self.jurisdictions[self.cleaned_data["jurisdiction"]], self.cleaned_data["year"]
