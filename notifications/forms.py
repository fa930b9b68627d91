from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label=_("E-mail me"), choices=NotificationPreference.EmailMode.choices, widget=forms.RadioSelect
    )
