"""The directory API (issue 15): the people and org units staff work with,
scoped to the caller's jurisdiction; the security administrator grants and
revokes roles, the system administrator enables users and adds units, each
only inside his own jurisdiction (三员分立)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, OrgUnit, Role

pytestmark = pytest.mark.django_db

USERS = "/api/v1/directory/users/"
UNITS = "/api/v1/directory/org-units/"


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _all(client, url, **params):
    body = client.get(url, params).json()
    assert body["count"] == len(body["results"]), "one page in these tests"
    return body["results"]


def test_a_supervisor_finds_the_inspectors_he_may_assign_and_nobody_elsewhere(users, units):
    supervisor = _api(users["supervisor"])
    inspectors = _all(supervisor, USERS, role="inspector", org_unit=units["huailai-edu"].pk)
    assert {u["username"] for u in inspectors} == {"inspector1", "inspector2"}
    assert inspectors[0]["memberships"][0]["role"] == "inspector"
    everyone = {u["username"] for u in _all(supervisor, USERS, page_size=200)}
    assert "km_inspector" not in everyone and "km_applicant" not in everyone
    # The admin holds roles in both jurisdictions; 怀来's staff see only the
    # one held in 怀来县.
    admin = next(u for u in _all(supervisor, USERS, q="admin") if u["username"] == "admin")
    assert {m["org_unit"]["name"] for m in admin["memberships"]} == {"怀来县"}
    km = users["km_inspector"]
    assert supervisor.get(f"{USERS}{km.pk}/").status_code == 404
    assert _api(users["km_intake"]).get(f"{USERS}{users['inspector1'].pk}/").status_code == 404


def test_applicants_see_their_unit_and_no_people(users, units):
    applicant = _api(users["applicant"])
    assert [u["code"] for u in _all(applicant, UNITS)] == ["huailai-edu"]
    r = applicant.get(USERS)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    codes = {u["code"] for u in _all(_api(users["inspector1"]), UNITS)}
    assert "huailai-edu" in codes and "kunming" not in codes and "kunming-fgw" not in codes


def test_the_security_administrator_grants_and_revokes_roles_in_his_jurisdiction(users, units):
    secadmin = _api(users["secadmin"])
    target = users["applicant2"]
    r = secadmin.post(f"{USERS}{target.pk}/memberships/", {"role": "unit_reviewer",
                                                           "org_unit": units["huailai-zj"].pk}, format="json")
    assert r.status_code == 201, r.json()
    assert Membership.objects.filter(user=target, role=Role.UNIT_REVIEWER).exists()
    granted = next(m for m in r.json()["memberships"] if m["role"] == "unit_reviewer")
    # A duty excludes every other role (the admin's rule): 422, nothing changed.
    r = secadmin.post(f"{USERS}{target.pk}/memberships/", {"role": "audit_admin",
                                                           "org_unit": units["huailai"].pk}, format="json")
    assert r.status_code == 422 and not Membership.objects.filter(user=target, role=Role.AUDIT_ADMIN).exists()
    # Not his duty / not his jurisdiction.
    r = _api(users["sysadmin"]).post(f"{USERS}{target.pk}/memberships/",
                                     {"role": "inspector", "org_unit": units["huailai"].pk}, format="json")
    assert r.status_code == 403
    r = secadmin.post(f"{USERS}{target.pk}/memberships/", {"role": "inspector",
                                                           "org_unit": units["kunming"].pk}, format="json")
    assert r.status_code == 403
    assert secadmin.delete(f"{USERS}{target.pk}/memberships/{granted['id']}/").status_code == 204
    assert not Membership.objects.filter(user=target, role=Role.UNIT_REVIEWER).exists()
    assert secadmin.delete(f"{USERS}{target.pk}/memberships/{granted['id']}/").status_code == 404


def test_the_system_administrator_disables_users_and_adds_units(users, units):
    sysadmin = _api(users["sysadmin"])
    target = users["applicant2"]
    r = sysadmin.patch(f"{USERS}{target.pk}/", {"is_active": False}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    target.refresh_from_db()
    assert target.is_active is False
    assert _api(users["secadmin"]).patch(f"{USERS}{target.pk}/", {"is_active": True},
                                         format="json").status_code == 403
    r = sysadmin.post(UNITS, {"parent": units["huailai"].pk, "name": "怀来县水务局", "code": "huailai-sw"},
                      format="json")
    assert r.status_code == 201 and r.json()["parent_id"] == units["huailai"].pk
    assert OrgUnit.objects.get(code="huailai-sw").path.startswith(units["huailai"].path)
    # The code is unique: a rule of the data, 422.
    r = sysadmin.post(UNITS, {"parent": units["huailai"].pk, "name": "重名", "code": "huailai-sw"}, format="json")
    assert r.status_code == 422
    r = sysadmin.post(UNITS, {"parent": units["kunming"].pk, "name": "昆明某局", "code": "km-x"}, format="json")
    assert r.status_code == 403
