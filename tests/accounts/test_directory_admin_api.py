"""Administrators manage users, roles and org units through the API as in
the admin (issue 15), with the admin's rules and the accounts security
services: a new password, disabling or a role change ends the person's
sessions and tokens; 三员分立 decides who may do what (docs/security.md)."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.demo import DEMO_PASSWORD
from accounts.models import OrgUnit
from audit.models import AuditRecord

pytestmark = pytest.mark.django_db

USERS = "/api/v1/directory/users/"
UNITS = "/api/v1/directory/org-units/"
NEW_PASSWORD = "Huailai-2026-secure"


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _token_for(username, password):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def _signed_in(user):
    """A browser session and an API token of ``user``, both working."""
    browser = Client()
    browser.force_login(user)
    assert browser.get("/api/v1/me/").status_code == 200
    token = Token.objects.create(user=user)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").status_code == 200
    return browser, api


def test_the_system_administrator_creates_a_person_and_the_security_administrator_gives_him_a_role(users, units):
    sysadmin = _api(users["sysadmin"])
    body = {"username": "wang.lei", "password": NEW_PASSWORD, "org_unit": units["huailai-edu"].pk,
            "full_name": "王磊", "email": "wang.lei@example.gov.cn"}
    r = sysadmin.post(USERS, body, format="json")
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["username"] == "wang.lei" and created["unit"]["id"] == units["huailai-edu"].pk
    assert created["memberships"] == [] and created["is_active"] is True
    assert AuditRecord.objects.filter(kind="admin_action", target="user:wang.lei",
                                      data__action="user_created").exists()
    # He signs in with the password he was given.
    assert _token_for("wang.lei", NEW_PASSWORD).status_code == 200
    # The username is unique; the password rules apply (a 422 names the rule).
    assert sysadmin.post(USERS, body, format="json").status_code == 422
    r = sysadmin.post(USERS, {**body, "username": "li.ming", "password": "abcdefghij"}, format="json")
    assert r.status_code == 422 and "password" in r.json()["fields"]
    # Only the system administrator, only in his own jurisdiction.
    r = sysadmin.post(USERS, {**body, "username": "km.user", "org_unit": units["kunming-fgw"].pk}, format="json")
    assert r.status_code == 403
    for other in ("secadmin", "auditadmin", "admin", "supervisor"):
        r = _api(users[other]).post(USERS, {**body, "username": f"by.{other}"}, format="json")
        assert r.status_code == 403, other
    # Roles are the security administrator's.
    grant = {"role": "applicant", "org_unit": units["huailai-edu"].pk}
    assert sysadmin.post(f"{USERS}{created['id']}/memberships/", grant, format="json").status_code == 403
    r = _api(users["secadmin"]).post(f"{USERS}{created['id']}/memberships/", grant, format="json")
    assert r.status_code == 201 and [m["role"] for m in r.json()["memberships"]] == ["applicant"]


def test_a_new_password_ends_the_persons_sessions_and_tokens(users):
    target = users["applicant2"]
    browser, api = _signed_in(target)
    sysadmin = _api(users["sysadmin"])
    r = sysadmin.post(f"{USERS}{target.pk}/password/", {"password": NEW_PASSWORD}, format="json")
    assert r.status_code == 204
    assert api.get("/api/v1/me/").status_code == 401
    assert browser.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=target).exists()
    assert _token_for(target.username, DEMO_PASSWORD).status_code == 401
    assert _token_for(target.username, NEW_PASSWORD).status_code == 200
    assert AuditRecord.objects.filter(kind="password_changed", target=f"user:{target.username}").exists()
    assert AuditRecord.objects.filter(kind="sessions_ended", data__reason="password_changed").exists()
    # The history rule of the admin's password form: not the current one.
    r = sysadmin.post(f"{USERS}{target.pk}/password/", {"password": NEW_PASSWORD}, format="json")
    assert r.status_code == 422 and "password" in r.json()["fields"]
    assert _api(users["secadmin"]).post(f"{USERS}{target.pk}/password/", {"password": "Other-2026-pass"},
                                        format="json").status_code == 403


def test_the_system_administrator_edits_and_disables_a_person(users, units):
    target = users["applicant2"]
    browser, api = _signed_in(target)
    sysadmin = _api(users["sysadmin"])
    # Details only: his sessions go on.
    r = sysadmin.patch(f"{USERS}{target.pk}/", {"full_name": "李堃（借调）", "org_unit": units["huailai-edu"].pk},
                       format="json")
    assert r.status_code == 200 and r.json()["full_name"] == "李堃（借调）"
    assert r.json()["unit"]["id"] == units["huailai-edu"].pk
    assert api.get("/api/v1/me/").status_code == 200
    # Not to a unit of another jurisdiction.
    assert sysadmin.patch(f"{USERS}{target.pk}/", {"org_unit": units["kunming-fgw"].pk},
                          format="json").status_code == 403
    r = sysadmin.patch(f"{USERS}{target.pk}/", {"is_active": False}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert api.get("/api/v1/me/").status_code == 401
    assert browser.get("/api/v1/me/").status_code == 401
    assert _token_for(target.username, DEMO_PASSWORD).status_code == 401


def test_an_administrators_account_is_not_another_dutys_to_manage(users):
    sysadmin = _api(users["sysadmin"])
    for duty in ("secadmin", "auditadmin"):
        person = users[duty]
        assert sysadmin.patch(f"{USERS}{person.pk}/", {"is_active": False}, format="json").status_code == 403
        assert sysadmin.post(f"{USERS}{person.pk}/password/", {"password": NEW_PASSWORD},
                             format="json").status_code == 403
        person.refresh_from_db()
        assert person.is_active and person.check_password(DEMO_PASSWORD)


def test_the_system_administrator_edits_and_moves_org_units(users, units):
    sysadmin = _api(users["sysadmin"])
    edu, zj = units["huailai-edu"], units["huailai-zj"]
    r = sysadmin.post(UNITS, {"parent": edu.pk, "name": "怀来县第一中学", "code": "huailai-edu-1"}, format="json")
    school = r.json()["id"]
    r = sysadmin.patch(f"{UNITS}{edu.pk}/", {"name": "怀来县教育和体育局", "short_name": "教体"}, format="json")
    assert r.status_code == 200 and r.json()["name"] == "怀来县教育和体育局"
    # Moving carries the subtree: the school's path follows.
    r = sysadmin.patch(f"{UNITS}{edu.pk}/", {"parent": zj.pk}, format="json")
    assert r.status_code == 200 and r.json()["parent_id"] == zj.pk
    edu.refresh_from_db()
    assert edu.path == f"{zj.path}{edu.pk}/"
    assert OrgUnit.objects.get(pk=school).path == f"{edu.path}{school}/"
    assert sysadmin.get(f"{UNITS}{school}/").json()["parent_id"] == edu.pk
    # Not under itself, not out of the top level, not into another jurisdiction.
    assert sysadmin.patch(f"{UNITS}{edu.pk}/", {"parent": school}, format="json").status_code == 422
    assert sysadmin.patch(f"{UNITS}{units['huailai'].pk}/", {"parent": zj.pk}, format="json").status_code == 422
    assert sysadmin.patch(f"{UNITS}{edu.pk}/", {"parent": units["kunming"].pk}, format="json").status_code == 403
    assert sysadmin.patch(f"{UNITS}{units['kunming-fgw'].pk}/", {"name": "x"}, format="json").status_code == 404
    assert _api(users["secadmin"]).patch(f"{UNITS}{zj.pk}/", {"name": "x"}, format="json").status_code == 403
    # A code is unique (a rule of the data, 422).
    assert sysadmin.patch(f"{UNITS}{zj.pk}/", {"code": "huailai-edu"}, format="json").status_code == 422
    assert AuditRecord.objects.filter(kind="admin_action", data__action="org_unit_changed").count() == 2
