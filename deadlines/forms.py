from django import forms
from django.utils.translation import gettext_lazy as _


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("Days to add"), min_value=1, max_value=365)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
