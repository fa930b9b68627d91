"""Forms parse and validate shape only; services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import OrgUnit
from policies.models import PolicyItem

from .models import Attachment, Case, Origin, Outcome, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 5})


class CaseStartForm(forms.Form):
    origin = forms.ChoiceField(
        label=_("Who applies"),
        choices=[(Origin.INDIVIDUAL, _("I apply for myself")), (Origin.UNIT, _("I apply for my unit"))],
        widget=forms.RadioSelect, initial=Origin.INDIVIDUAL,
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("A short description, e.g. “Procedural flaw in the school renovation project”."))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units])
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk


class MatterForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title", "matter", "matter_date", "impact", "trigger", "accountability_considered"]
        widgets = {"matter": TEXTAREA, "impact": forms.Textarea(attrs={"rows": 3}),
                   "trigger": forms.Textarea(attrs={"rows": 3}),
                   "accountability_considered": forms.Textarea(attrs={"rows": 3}), "matter_date": DATE}
        help_texts = {
            "matter": _("What happened, in order: the decision, how it was carried out, what went wrong."),
            "trigger": _("The report, inspection, audit or investigation that started the accountability."),
            "accountability_considered": _("The accountability or discipline being considered against you or the unit."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser refuses a later date too (the model's validator is
        # the rule: core.validators.date_not_in_future).
        self.fields["matter_date"].widget.attrs["max"] = timezone.localdate().isoformat()


class ReasonsForm(forms.ModelForm):
    claimed_scenarios = forms.ModelMultipleChoiceField(
        label=_("Positive-list scenarios you rely on"), queryset=PolicyItem.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False,
    )

    class Meta:
        model = Case
        fields = ["facts_reasons", "claimed_scenarios", "remedial_steps", "collective_decision",
                  "collective_decision_note"]
        widgets = {"facts_reasons": TEXTAREA, "remedial_steps": forms.Textarea(attrs={"rows": 3}),
                   "collective_decision_note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "facts_reasons": _("Why the conditions of the policy are met: public interest, no personal gain, "
                               "procedures followed, the objective conditions."),
            "collective_decision_note": _("The meeting, its date and who took part; upload the minutes as evidence."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claimed_scenarios"].queryset = self.instance.policy_version.items.filter(
            kind=PolicyItem.Kind.POSITIVE).order_by("number")
        self.fields["claimed_scenarios"].label_from_instance = lambda i: i.label()


class SelfCheckForm(forms.Form):
    """A unit's self-check: every condition met, no negative-list item."""

    note = forms.CharField(label=_("Notes on the self-check"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, version, initial_check=None, **kwargs):
        super().__init__(*args, **kwargs)
        check = initial_check or {}
        self.conditions = list(version.items.filter(kind=PolicyItem.Kind.CONDITION).order_by("number"))
        self.negatives = list(version.items.filter(kind=PolicyItem.Kind.NEGATIVE).order_by("number"))
        yes_no = [("yes", _("Yes")), ("no", _("No"))]
        for item in self.conditions:
            value = (check.get("conditions") or {}).get(str(item.pk))
            self.fields[f"c_{item.pk}"] = forms.ChoiceField(
                label=f"{item.number}. {item.text}" + (f"（{item.mark}）" if item.mark else ""),
                choices=yes_no, widget=forms.RadioSelect,
                initial=None if value is None else ("yes" if value else "no"))
        for item in self.negatives:
            value = (check.get("negative") or {}).get(str(item.pk))
            self.fields[f"n_{item.pk}"] = forms.ChoiceField(
                label=f"{item.number}. {item.text}" + (f"（{item.mark}）" if item.mark else ""),
                choices=yes_no, widget=forms.RadioSelect,
                initial=None if value is None else ("yes" if value else "no"))
        self.fields["note"].initial = check.get("note", "")

    def condition_fields(self):
        return [self[f"c_{i.pk}"] for i in self.conditions]

    def negative_fields(self):
        return [self[f"n_{i.pk}"] for i in self.negatives]

    def to_check(self) -> dict:
        data = self.cleaned_data
        return {
            "conditions": {str(i.pk): data[f"c_{i.pk}"] == "yes" for i in self.conditions},
            "negative": {str(i.pk): data[f"n_{i.pk}"] == "yes" for i in self.negatives},
            "note": data.get("note", ""),
        }


class UploadForm(forms.Form):
    # Empty files reach the upload check, which says so as the API does.
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices, initial=Attachment.Kind.EVIDENCE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class UnitForwardForm(forms.Form):
    meeting_date = forms.DateField(label=_("Meeting date"), widget=DATE)
    participants = forms.CharField(label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2}))
    opinion = forms.CharField(label=_("The unit's opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class UnitReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reasons for returning"), widget=forms.Textarea(attrs={"rows": 3}))
    meeting_date = forms.DateField(label=_("Meeting date"), widget=DATE, required=False)
    participants = forms.CharField(label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SupplementRequestForm(forms.Form):
    missing = forms.CharField(label=_("What is missing"), widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Answer by"), widget=DATE, required=False,
                               help_text=_("Leave empty to use the policy's time limit."))


class SupplementAnswerForm(forms.Form):
    answer = forms.CharField(label=_("What you supplied"), widget=forms.Textarea(attrs={"rows": 3}))


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("verb", "Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, name or text")}))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All"))] + list(Stage.choices))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("All"))] + [c for c in Outcome.choices if c[0]])
    jurisdiction = forms.ModelChoiceField(label=_("Jurisdiction"), required=False,
                                          queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.JURISDICTION),
                                          empty_label=_("All"))
    overdue = forms.ChoiceField(label=_("Deadline"), required=False,
                                choices=[("", _("All")), ("yes", _("Overdue")), ("no", _("Not overdue"))])
    date_from = forms.DateField(label=_("Submitted from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Submitted until"), required=False, widget=DATE)

    def __init__(self, *args, jurisdictions=None, **kwargs):
        """``jurisdictions``: the ones the user's cases may be in (issue 22:
        an applicant of 怀来县 was offered 昆明市)."""
        super().__init__(*args, **kwargs)
        if jurisdictions is not None:
            self.fields["jurisdiction"].queryset = jurisdictions

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        d = dict(self.cleaned_data)
        d["overdue"] = {"yes": True, "no": False}.get(d.get("overdue") or "")
        if d.get("jurisdiction"):
            d["jurisdiction"] = d["jurisdiction"].pk
        return {k: v for k, v in d.items() if v not in (None, "")}
