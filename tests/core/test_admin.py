import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def installer(db):
    """The Django superuser: the installation account (no demo user is one)."""
    from accounts.models import User

    return User.objects.create_superuser(username="installer", password="Install-pass-2026", email="i@example.gov.cn")


def test_every_admin_changelist_opens(client, users, installer):
    """Every model registered in the admin lists without error for the
    installation superuser."""
    make_case(applicant=users["applicant"], stage="submitted")
    client.force_login(installer)
    failures = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        status = client.get(url).status_code
        if status != 200:
            failures.append((url, status))
    assert failures == []


def test_case_history_cannot_be_edited_in_admin(client, users, installer):
    """Cases and their history are read-only in the admin."""
    case = make_case(applicant=users["applicant"], stage="submitted")
    client.force_login(installer)
    assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 200
    resp = client.post(reverse("admin:cases_case_change", args=[case.pk]), {"title": "改掉"})
    assert resp.status_code == 403
    case.refresh_from_db()
    assert case.title != "改掉"


def test_org_unit_path_follows_parent(client, users, units):
    """Creating an org unit in the admin (the system administrator's duty)
    sets its tree path under its parent."""
    client.force_login(users["sysadmin"])
    resp = client.post(reverse("admin:accounts_orgunit_add"), {
        "name": "怀来县财政局", "short_name": "财政", "code": "huailai-cz", "kind": "unit",
        "parent": units["huailai"].pk,
    })
    assert resp.status_code == 302
    from accounts.models import OrgUnit

    unit = OrgUnit.objects.get(code="huailai-cz")
    assert unit.path == f"{units['huailai'].path}{unit.pk}/"
