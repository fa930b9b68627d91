"""防错 in the catalogue (issue 18): Kunming's version carries the six key
areas of its 防错办法 (item kind ``prevention_area``, drafted after
comparable rules and marked so) and the decision procedures its text names;
a pre-filing chooses its area from its own version, and declares only that
version's procedures."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from policies.catalogue import catalogue_load
from policies.models import Certainty, PolicyItem, PolicyVersion
from policies.selectors import policy_version_in_force
from prefilings import services
from prefilings.models import PreFiling

pytestmark = pytest.mark.django_db
K = PolicyItem.Kind


def test_prevention_areas_and_procedures_come_from_the_version(world):
    users = world["users"]
    catalogue_load(only=["kunming"])
    kunming = PolicyVersion.objects.get(document__code="kunming-rongcuo", number=2)  # its 防错 areas: version 2
    areas = list(kunming.items.filter(kind=K.PREVENTION_AREA).order_by("number"))
    assert len(areas) == 6 and {a.certainty for a in areas} == {Certainty.RECONSTRUCTED}
    assert "6方面重点范围" in areas[0].source
    assert kunming.procedure["prevention"]["procedures"] == ["collective_decision", "expert_consultation", "hearing"]

    applicant = users["km_applicant"]
    filing = services.prefiling_create(actor=applicant, title="试行项目审批告知承诺制")
    PreFiling.objects.filter(pk=filing.pk).update(policy_version=kunming)
    filing.refresh_from_db()
    assert "the error-prevention area (防错重点范围)" in [str(m) for m in services.prefiling_missing_parts(
        filing=filing)] or any("防错重点范围" in str(m) for m in services.prefiling_missing_parts(filing=filing))

    # Another version's item is refused; nothing changes.
    other = world["policy"].items.filter(kind=K.POSITIVE).first()
    with pytest.raises(ValidationError) as exc:
        services.prefiling_update(filing=filing, actor=applicant, area=other.pk)
    assert "area" in exc.value.message_dict
    filing.refresh_from_db()
    assert filing.area_id is None

    everything = {code: {"done": True, "note": "已履行"} for code in
                  ("collective_decision", "expert_consultation", "hearing", "legal_review")}
    services.prefiling_update(filing=filing, actor=applicant, area=areas[1].pk, procedures=everything)
    filing.refresh_from_db()
    assert filing.area == areas[1]
    # Kunming's 防错办法 names three procedures: only those are declared.
    assert set(filing.procedures) == {"collective_decision", "expert_consultation", "hearing"}
    assert not any("防错重点范围" in str(m) for m in services.prefiling_missing_parts(filing=filing))


def test_api_refuses_an_area_of_another_version(world):
    users = world["users"]
    catalogue_load(only=["kunming"])
    applicant = users["km_applicant"]
    in_force = policy_version_in_force(org_unit=applicant.org_unit, on_date=timezone.localdate())
    # An area of another version (Kunming's corrected catalogue, version 2,
    # is in force from 2026-12-01 and holds the shipped areas).
    foreign = PolicyItem.objects.create(version=world["policy"], kind=K.PREVENTION_AREA, number=1,
                                        text="重大项目建设", source="测试", certainty=Certainty.RECONSTRUCTED)
    assert foreign.version != in_force
    client = APIClient()
    client.force_authenticate(applicant)
    r = client.post("/api/v1/prefilings/", {"title": "试行项目审批告知承诺制", "area": foreign.pk}, format="json")
    assert r.status_code == 422, r.content
    assert "area" in r.json()["fields"]
    assert not PreFiling.objects.exists()
    r = client.post("/api/v1/prefilings/", {"title": "试行项目审批告知承诺制"}, format="json")
    assert r.status_code == 201 and r.json()["area"] is None


def test_the_page_offers_the_versions_areas_and_procedures(world, client):
    """On the filing's page form the area is chosen from the filing's own
    version, and only that version's procedures are asked for."""
    users = world["users"]
    catalogue_load(only=["kunming"])
    kunming = PolicyVersion.objects.get(document__code="kunming-rongcuo", number=2)  # its 防错 areas: version 2
    areas = list(kunming.items.filter(kind=K.PREVENTION_AREA).order_by("number"))
    applicant = users["km_applicant"]
    filing = services.prefiling_create(actor=applicant, title="试行项目审批告知承诺制")
    PreFiling.objects.filter(pk=filing.pk).update(policy_version=kunming)
    client.force_login(applicant)
    body = client.get(f"/prefilings/{filing.pk}/edit/").content.decode()
    assert 'name="area"' in body and all(f'value="{a.pk}"' in body for a in areas)
    assert 'name="collective_decision_done"' in body and 'name="legal_review_done"' not in body
    other = world["policy"].items.filter(kind=K.POSITIVE).first()
    refused = client.post(f"/prefilings/{filing.pk}/edit/", {"title": "试行项目审批告知承诺制", "area": other.pk,
                                                            "risks-TOTAL_FORMS": "0", "risks-INITIAL_FORMS": "0"})
    assert refused.status_code == 400
    filing.refresh_from_db()
    assert filing.area_id is None
    saved = client.post(f"/prefilings/{filing.pk}/edit/", {"title": "试行项目审批告知承诺制", "area": areas[2].pk,
                                                          "collective_decision_done": "on",
                                                          "risks-TOTAL_FORMS": "0", "risks-INITIAL_FORMS": "0"})
    assert saved.status_code == 302
    filing.refresh_from_db()
    assert filing.area == areas[2] and set(filing.procedures) == {"collective_decision", "expert_consultation",
                                                                   "hearing"}


def test_the_area_choices_carry_the_mark(world):
    """Issue 16: Kunming's six areas are drafted after comparable rules, so
    the pre-filing form offers each marked 参照同类规定拟定（待核定）; one
    confirmed against the text is offered unmarked."""
    from django.utils import translation

    from prefilings.forms import PreFilingForm

    catalogue_load(only=["kunming"])
    kunming = PolicyVersion.objects.get(document__code="kunming-rongcuo", number=2)
    areas = list(kunming.items.filter(kind=K.PREVENTION_AREA).order_by("number"))
    PolicyItem.objects.filter(pk=areas[0].pk).update(certainty=Certainty.VERBATIM)
    with translation.override("zh-hans"):
        choices = dict(PreFilingForm(version=kunming).fields["area"].choices)
    assert choices[areas[0].pk] == areas[0].title
    for area in areas[1:]:
        assert choices[area.pk] == f"{area.title}（参照同类规定拟定（待核定））", area.title
