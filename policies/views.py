"""Public pages: the portal landing page and the policy texts (no login).
Only published versions are reachable."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.subjects import hook

from . import calendar as workcal
from .models import Jurisdiction, PolicyVersion, TimeUnit
from .selectors import (
    items_by_kind,
    jurisdiction_list_public,
    policy_version_get,
    policy_version_list,
    time_limits_in_stage_order,
)
from .services import AMOUNT_TOO_LARGE


def _none_published(*, limit):
    return []


def public_index(request):
    # The latest published outcomes are the publication app's (a hook it
    # registers, core.subjects): policies sits below it.
    latest = hook("portal", "latest_outcomes", _none_published)
    return render(
        request,
        "policies/public_index.html",
        {"jurisdictions": jurisdiction_list_public(), "latest_outcomes": latest(limit=5)},
    )


def public_policies(request):
    code = request.GET.get("jurisdiction") or None
    versions = list(policy_version_list(jurisdiction_code=code))
    jurisdictions = Jurisdiction.objects.filter(documents__versions__status=PolicyVersion.Status.PUBLISHED).distinct().order_by("code")
    return render(
        request,
        "policies/public_policies.html",
        {"versions": versions, "jurisdictions": jurisdictions, "selected": code},
    )


def public_policy_detail(request, version_id: int):
    version = policy_version_get(version_id=version_id)
    return render(
        request,
        "policies/public_policy_detail.html",
        {
            "version": version,
            "groups": items_by_kind(version),
            "time_limits": time_limits_in_stage_order(version),
        },
    )


class DueDateForm(forms.Form):
    start = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("The day of the triggering event (YYYY-MM-DD)."))
    amount = forms.IntegerField(label=_("Time limit"), min_value=0, max_value=max(workcal.MAX_AMOUNT.values()))
    unit = forms.ChoiceField(label=_("Unit"), choices=TimeUnit.choices)
    start_rule = forms.ChoiceField(label=_("Counting rule"), choices=PolicyVersion.StartRule.choices,
                                   initial=PolicyVersion.StartRule.NEXT_DAY)

    def clean(self):
        data = super().clean()
        if data.get("unit") in workcal.MAX_AMOUNT and data.get("amount") is not None:
            top = workcal.MAX_AMOUNT[data["unit"]]
            if data["amount"] > top:
                self.add_error("amount", gettext(AMOUNT_TOO_LARGE) % {"max": top})
        return data


def public_due_date(request):
    """A deadline calculator that shows its working: the days counted, the
    days skipped and why, and a warning for years without calendar data."""
    form = DueDateForm(request.GET or None)
    result = None
    if form.is_valid():
        try:
            result = workcal.compute_due_date(
                form.cleaned_data["start"], form.cleaned_data["amount"], form.cleaned_data["unit"],
                start_rule=form.cleaned_data["start_rule"],
            )
        except workcal.CalendarInputError as exc:
            form.add_error(None, str(exc))
    return render(request, "policies/public_due_date.html", {"form": form, "result": result})
