"""Public pages: the portal landing page and the policy texts (no login).
Only published versions are reachable."""

from django.shortcuts import render

from .models import Jurisdiction
from .selectors import (
    items_by_kind,
    jurisdiction_list_public,
    policy_version_get,
    policy_version_list,
    time_limits_in_stage_order,
)


def public_index(request):
    return render(request, "policies/public_index.html", {"jurisdictions": jurisdiction_list_public()})


def public_policies(request):
    code = request.GET.get("jurisdiction") or None
    versions = list(policy_version_list(jurisdiction_code=code))
    jurisdictions = Jurisdiction.objects.filter(documents__versions__status="published").distinct().order_by("code")
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
