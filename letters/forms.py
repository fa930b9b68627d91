from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import LetterKind


class RegisterFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=pgettext_lazy("letter", "Kind"), required=False,
                             choices=[("", _("All"))] + list(LetterKind.choices))
    q = forms.CharField(label=pgettext_lazy("verb", "Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Document number, case or title")}))

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}
