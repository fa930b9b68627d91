"""The admin shows case content as the app does: a business administrator
(Django staff) sees, in every admin list that holds case content, only the
rows of cases and pre-filings his roles let him see in the app, whatever
Django permissions he was given; an administrator of a duty sees none."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.admin_site import subject_paths
from accounts.models import Role, User
from accounts.services import membership_grant
from cases.services import case_event_record
from deadlines.models import Clock
from letters.models import Letter
from tests.factories import make_case

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = "昆明的案件：不该在怀来的后台出现"
DRAFT_TITLE = "别人的草稿：谁都不该看见"

# Admin models that hold no case content (configuration, accounts, the
# security records, bookkeeping): everything else registered must reach a
# case or a pre-filing, so that the scope applies to it.
NOT_CASE_CONTENT = {
    "auth.group", "authtoken.tokenproxy", "django_celery_beat.crontabschedule", "django_celery_beat.periodictask",
    "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog", "core.outboxmessage", "accounts.user",
    "accounts.orgunit", "accounts.membership", "otp_totp.totpdevice", "otp_static.staticdevice",
    "policies.jurisdiction", "policies.policydocument", "policies.policyversion", "policies.calendarday",
    "policies.calendaryear", "policies.policyauditentry", "notifications.notificationpreference",
    "letters.letternumbercounter", "dashboard.export", "audit.auditrecord",
}


@pytest.fixture
def hl_admin(users, units):
    """A business administrator of 怀来县 only, who was given every view
    permission of the admin by whoever installed the system."""
    user = User.objects.create_user("hl_admin", password="x", full_name="怀来管理员", is_staff=True,
                                    org_unit=units["huailai-jw"])
    membership_grant(user=user, org_unit=units["huailai"], role=Role.ADMIN)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def cases(users):
    seen = make_case(applicant=users["applicant"], stage="submitted", number="怀容〔2026〕第0101号")
    hidden = make_case(applicant=users["km_applicant"], stage="submitted", title=HIDDEN_TITLE,
                       number="昆容〔2026〕第0102号")
    draft = make_case(applicant=users["applicant2"], stage="draft", title=DRAFT_TITLE)
    for case in (seen, hidden, draft):
        case_event_record(case=case, kind="other", actor=users["intake"], reason=case.title)
        Clock.objects.create(case=case, stage="intake", started_on="2026-03-02", amount=5, unit="working_day")
    return {"seen": seen, "hidden": hidden, "draft": draft}


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_admin_model_of_case_content_is_scoped():
    """Each registered model either reaches a case or pre-filing (and is
    scoped) or is declared here as holding none."""
    unscoped = {m._meta.label_lower for m in admin.site._registry if not subject_paths(m)}
    assert unscoped <= NOT_CASE_CONTENT, unscoped - NOT_CASE_CONTENT
    assert subject_paths(Letter) == {"case": "case", "prefiling": "prefiling"}
    assert subject_paths(Clock) == {"case": "case"}


def test_business_admin_sees_his_jurisdictions_cases_only(hl_admin, cases):
    client = Client()
    client.force_login(hl_admin)
    body = client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert "0101" in body and HIDDEN_TITLE not in body and DRAFT_TITLE not in body
    for url in (reverse("admin:cases_caseevent_changelist"), reverse("admin:deadlines_clock_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert HIDDEN_TITLE not in response.content.decode() and DRAFT_TITLE not in response.content.decode()
    # Opening a hidden case by its id: as if it did not exist.
    response = client.get(reverse("admin:cases_case_change", args=[cases["hidden"].pk]))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("who", ["hl_admin", "sysadmin", "secadmin", "auditadmin"])
def test_every_scoped_admin_list_follows_the_apps_visibility(who, hl_admin, users, cases):
    """For every scoped model: no row of a case the user cannot see in the
    app; the system, security and audit administrators see no row at all,
    even with every view permission."""
    user = hl_admin if who == "hl_admin" else users[who]
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    user = User.objects.get(pk=user.pk)
    hidden_ids = [cases["hidden"].pk, cases["draft"].pk]
    checked = 0
    for model, model_admin in admin.site._registry.items():
        paths = subject_paths(model)
        if not paths:
            continue
        qs = model_admin.get_queryset(_request(user))
        if who != "hl_admin":
            assert not qs.exists(), model
            continue
        if "case" in paths:
            path = "pk" if paths["case"] == "pk" else paths["case"]
            assert not qs.filter(**{f"{path}__in": hidden_ids}).exists(), model
            if model._default_manager.filter(**{f"{path}": cases["seen"].pk}).exists():
                assert qs.filter(**{f"{path}": cases["seen"].pk}).exists(), model
                checked += 1
    if who == "hl_admin":
        assert checked >= 3  # the case, its event and its clock at least
