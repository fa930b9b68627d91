"""Forms parse input only; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import OrgUnit, Role, User
from accounts.selectors import role_paths, subtree_q
from policies.models import PolicyItem

from .models import Assessment, Mitigation, Notice, OptionalStep, Result, VerificationRecord
from .selectors import assessment_form_items, eligible_members_for


def _today():
    return timezone.localdate()


class CaseForm(forms.Form):
    """A form bound to a case (for its choices)."""

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)


class AssignForm(CaseForm):
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason (for a reassignment)"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every inspector of the jurisdiction is offered: the service refuses
        # one who must recuse, and says why.
        self.fields["inspectors"].queryset = User.objects.filter(
            memberships__role=Role.INSPECTOR, memberships__org_unit_id__in=self.case.unit.ancestor_ids()
        ).distinct()


class RecusalForm(CaseForm):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Relation to the case"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            memberships__role=Role.INSPECTOR, memberships__org_unit_id__in=self.case.unit.ancestor_ids()
        ).distinct()


class InterviewForm(CaseForm):
    person = forms.CharField(label=_("Person interviewed"), max_length=200)
    held_on = forms.DateField(label=_("Date"), initial=_today, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    summary = forms.CharField(label=pgettext_lazy("record", "Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Signed record"), required=False, allow_empty_file=True)


class EvidenceForm(CaseForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(VerificationRecord.Kind.EVIDENCE, _("Evidence")), (VerificationRecord.Kind.NOTE, _("Note"))],
    )
    text = forms.CharField(label=pgettext_lazy("record", "Description"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("File"), required=False, allow_empty_file=True)


class AssessmentForm(CaseForm):
    """Built from the case's policy version: a met / not met choice and a
    reason per condition, the scenario, the negative items, and a judgement
    per distinction and factor."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = assessment_form_items(case=self.case)
        for item in self.lists["conditions"]:
            self.fields[f"cond-{item.pk}"] = forms.ChoiceField(
                label=item.label(),
                choices=[("met", _("met")), ("not_met", _("not met"))], widget=forms.RadioSelect,
            )
            self.fields[f"cond-{item.pk}-reason"] = forms.CharField(
                label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 2})
            )
        self.fields["positive_item"] = forms.ModelChoiceField(
            label=_("Positive-list scenario that applies"), required=False,
            queryset=PolicyItem.objects.filter(version=self.case.policy_version_id, kind=PolicyItem.Kind.POSITIVE),
        )
        self.fields["negative_items"] = forms.ModelMultipleChoiceField(
            label=_("Negative-list items that apply"), required=False, widget=forms.CheckboxSelectMultiple,
            queryset=PolicyItem.objects.filter(version=self.case.policy_version_id, kind=PolicyItem.Kind.NEGATIVE),
        )
        self.fields["positive_item"].label_from_instance = lambda i: i.label()
        self.fields["negative_items"].label_from_instance = lambda i: i.label()
        self.fields["negative_note"] = forms.CharField(
            label=_("Negative list: reasons"), widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Why each ticked item applies, or why none does."),
        )
        for key, label in self.lists["distinctions"]:
            self.fields[f"dist-{key}"] = forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}))
        for key, label in self.lists["factors"]:
            self.fields[f"factor-{key}"] = forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 2}))
        if not self.is_bound:
            self.initial.update(self.saved_values())

    def saved_values(self) -> dict:
        """The saved assessment as the form's values: reopened, it shows
        what was saved, so one field can be changed without retyping all."""

        saved = Assessment.objects.filter(case=self.case).prefetch_related("negative_items").first()
        if saved is None:
            return {}
        values = {"positive_item": saved.positive_item_id, "negative_note": saved.negative_note,
                  "negative_items": [i.pk for i in saved.negative_items.all()]}
        for pk, row in saved.conditions.items():
            values[f"cond-{pk}"] = "met" if row.get("met") else "not_met"
            values[f"cond-{pk}-reason"] = row.get("reason", "")
        values |= {f"dist-{k}": v for k, v in saved.distinctions.items()}
        values |= {f"factor-{k}": v for k, v in saved.factors.items()}
        return values

    def condition_fields(self):
        return [(self[f"cond-{i.pk}"], self[f"cond-{i.pk}-reason"]) for i in self.lists["conditions"]]

    def distinction_fields(self):
        return [self[f"dist-{k}"] for k, _label in self.lists["distinctions"]]

    def factor_fields(self):
        return [self[f"factor-{k}"] for k, _label in self.lists["factors"]]

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "conditions": {
                str(i.pk): {"met": d[f"cond-{i.pk}"] == "met", "reason": d[f"cond-{i.pk}-reason"]}
                for i in self.lists["conditions"]
            },
            "positive_item": d.get("positive_item"),
            "negative_items": list(d.get("negative_items") or []),
            "negative_note": d.get("negative_note", ""),
            "distinctions": {k: d[f"dist-{k}"] for k, _label in self.lists["distinctions"]},
            "factors": {k: d[f"factor-{k}"] for k, _label in self.lists["factors"]},
        }


class ReportForm(CaseForm):
    recommended_result = forms.ChoiceField(label=_("Recommended result"), choices=Result.choices)
    summary = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}))
    major_public_interest = forms.BooleanField(
        label=_("The matter involves a major public interest (重大公共利益)"), required=False,
        help_text=_("Where the 办法 says so, a public hearing must then be recorded before deliberation."),
    )


class DefenceForm(CaseForm):
    text = forms.CharField(label=_("Your defence"), widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("Evidence"), required=False, allow_empty_file=True)


class WaiveForm(CaseForm):
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)


class TestimonyForm(CaseForm):
    person = forms.CharField(label=_("Witness"), max_length=200)
    text = forms.CharField(label=_("Testimony"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Document"), required=False, allow_empty_file=True)


class OptionalStepForm(CaseForm):
    held_on = forms.DateField(label=_("Date"), initial=_today, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    body = forms.CharField(label=_("Assessor or participants"), max_length=300)
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Document"), required=False, allow_empty_file=True)


class MeetingForm(CaseForm):
    held_on = forms.DateField(label=_("Meeting date"), initial=_today,
                              widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    members_present = forms.ModelMultipleChoiceField(
        label=_("Members present"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in eligible_members_for(case=self.case)]
        self.fields["members_present"].queryset = User.objects.filter(pk__in=ids).order_by("username")


class VoteForm(CaseForm):
    # Only the member who recorded the meeting may record a vote for
    # another member (the panel offers the field to him alone); the
    # service decides.
    member = forms.ModelChoiceField(label=_("Member (when recording for another member)"),
                                    queryset=User.objects.none(), required=False)
    result = forms.ChoiceField(label=_("Vote"), choices=Result.choices)
    opinion = forms.CharField(label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in eligible_members_for(case=self.case)]
        self.fields["member"].queryset = User.objects.filter(pk__in=ids).order_by("username")


class ConfirmVoteForm(CaseForm):
    pass


class VoidMeetingForm(CaseForm):
    reason = forms.CharField(label=_("Why the meeting record is void"), max_length=300)


class RulingForm(CaseForm):
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)
    # 从轻 and 减轻 are two results (issue 16): a mitigated ruling says which.
    mitigation = forms.ChoiceField(label=_("Lighter or reduced"), required=False,
                                   choices=[("", "—"), *[c for c in Mitigation.choices if c[0]]],
                                   help_text=_("For a mitigated result only."))
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))
    applied_items = forms.ModelMultipleChoiceField(
        label=_("Policy items relied on"), required=False, queryset=PolicyItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    uses = forms.ModelMultipleChoiceField(
        label=_("Result uses"), required=False, queryset=PolicyItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    needs_correction = forms.BooleanField(label=_("Correction needed (纠错)"), required=False)
    needs_clarification = forms.BooleanField(label=_("Clarification needed (澄清正名)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = PolicyItem.objects.filter(version=self.case.policy_version_id).order_by("kind", "number")
        self.fields["applied_items"].queryset = items.filter(
            kind__in=[PolicyItem.Kind.CONDITION, PolicyItem.Kind.POSITIVE, PolicyItem.Kind.NEGATIVE]
        )
        self.fields["uses"].queryset = items.filter(kind=PolicyItem.Kind.RESULT_USE)
        self.fields["applied_items"].label_from_instance = lambda i: f"{i.get_kind_display()} {i.label()}"
        self.use_items = list(self.fields["uses"].queryset)
        for item in self.use_items:
            # Blank by default: the impact period follows the result chosen
            # (the version's period for a mitigated ruling; none for an
            # exempt one unless the version sets it), said beside the field.
            self.fields[f"use-{item.pk}-months"] = forms.IntegerField(
                label=_("Months"), required=False, min_value=0, max_value=120,
            )

    def use_rows(self):
        """(item, months field, ticked): ticked as the user left it when the
        form comes back refused (core.form_flash)."""
        ticked = set(self["uses"].value() or []) if self.is_bound else set()
        return [(item, self[f"use-{item.pk}-months"], str(item.pk) in {str(v) for v in ticked})
                for item in self.use_items]

    def clean(self):
        data = super().clean()
        if data.get("result") == Result.MITIGATED and not data.get("mitigation"):
            self.add_error("mitigation", _("Say whether the result is lighter (从轻) or reduced (减轻)."))
        if data.get("result") != Result.MITIGATED:
            data["mitigation"] = ""
        return data

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        uses = [{"item": item, "duration_months": d.get(f"use-{item.pk}-months")} for item in d.pop("uses")]
        for key in list(d):
            if key.startswith("use-"):
                d.pop(key)
        d["applied_items"] = list(d["applied_items"])
        return {**d, "uses": uses}


class NoticeForm(CaseForm):
    done_on = forms.DateField(label=_("Date"), initial=_today, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    recipients = forms.CharField(label=_("To whom"), max_length=300)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Document sent (letter or receipt)"), required=False)


class CountersignForm(CaseForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ReviewRequestForm(CaseForm):
    reasons = forms.CharField(label=_("Why the ruling should be reviewed"),
                              widget=forms.Textarea(attrs={"rows": 4}))


class ProactiveForm(forms.Form):
    applicant = forms.ModelChoiceField(label=_("Cadre concerned"), queryset=User.objects.none())
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    trigger = forms.CharField(label=_("Accountability investigation"), widget=forms.Textarea(attrs={"rows": 2}))
    matter = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    accountability_considered = forms.CharField(label=_("Accountability being considered"), required=False)
    facts_reasons = forms.CharField(label=_("Facts and reasons for tolerance"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        paths = role_paths(user, {Role.INSPECTOR})
        units = OrgUnit.objects.filter(subtree_q(paths, "path"), kind=OrgUnit.Kind.UNIT).order_by("path")
        self.fields["unit"].queryset = units
        self.fields["applicant"].queryset = (
            User.objects.filter(is_active=True, org_unit__in=units).exclude(pk=user.pk)
            .select_related("org_unit").order_by("username")
        )
        self.fields["applicant"].label_from_instance = lambda u: f"{u.display_name}（{u.org_unit.name}）"


NOTICE_KINDS = {"feedback": Notice.Kind.FEEDBACK, "file_report": Notice.Kind.FILING,
                "record_same_level": Notice.Kind.RECORD}
STEP_KINDS = {"record_assessment_report": OptionalStep.Kind.THIRD_PARTY,
              "record_hearing": OptionalStep.Kind.HEARING}
