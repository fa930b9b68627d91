from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reviews.models import Result


class PublicationEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 14}))
    extra_terms = forms.CharField(
        label=_("More terms to hide"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: other names, places, numbers."),
    )
    redact_unit = forms.BooleanField(label=_("Hide the unit name"), required=False)
    pdf = forms.FileField(label=_("Attach a PDF (optional)"), required=False)
    remove_pdf = forms.BooleanField(label=_("Remove the attached PDF"), required=False)

    def clean_extra_terms(self):
        return [line.strip() for line in self.cleaned_data["extra_terms"].splitlines() if line.strip()]


class PublishForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at (leave empty to publish now)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawal"), widget=forms.Textarea(attrs={"rows": 3}))


class PortalFilterForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("verb", "Search"), required=False)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    result = forms.ChoiceField(label=_("Result"), required=False)
    scenario = forms.ChoiceField(label=_("Scenario"), required=False)

    def __init__(self, *args, options: dict, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["jurisdiction"].choices = any_ + [(j.code, j.name) for j in options["jurisdictions"]]
        self.fields["year"].choices = any_ + [(y, str(y)) for y in options["years"]]
        self.fields["result"].choices = any_ + list(Result.choices)
        self.fields["scenario"].choices = any_ + [(s, s) for s in options["scenarios"]]
