"""Level-3 account security: separated administrator duties, demo logins
only in demo mode, sessions and tokens that end, a second factor for staff,
password rules, the audit log."""

import datetime as dt
import time

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.demo import DEMO_PASSWORD
from accounts.forms import SECOND_FACTOR_REFUSED
from accounts.models import Membership, Role, User
from accounts.services import membership_grant, membership_revoke, user_set_active
from audit.models import AuditRecord
from tests.factories import make_case

pytestmark = pytest.mark.django_db

PASSWORD = "Stark-Pass-2026!"
CASE_TITLE = "秘密的案件标题：校舍改造"


@pytest.fixture
def case(users):
    return make_case(applicant=users["applicant"], stage="submitted", title=CASE_TITLE, number="怀容〔2026〕第0099号")


def _token(username, password, otp=""):
    data = {"username": username, "password": password}
    if otp:
        data["otp_token"] = otp
    return APIClient().post("/api/v1/auth/token/", data, format="json")


def _code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


class TestAuditAdministrator:
    def test_reads_the_audit_log_and_exports_it(self, client, users):
        """Sign-ins and failures (with the address) are in the log; the audit
        administrator reads and exports it; others get 404."""
        Client().post(reverse("accounts:login"), {"username": "applicant", "password": "wrong"})
        Client().post(reverse("accounts:login"), {"username": "applicant", "password": DEMO_PASSWORD})
        client.force_login(users["auditadmin"])
        page = client.get("/audit/?kind=login_failed")
        assert page.status_code == 200
        body = page.content.decode()
        assert 'data-kind="login_failed"' in body and "applicant" in body and "127.0.0.1" in body
        assert 'data-kind="login"' not in body
        export = client.get("/audit/export.csv")
        assert export.status_code == 200 and "no-store" in export["Cache-Control"]
        csv_text = b"".join(export.streaming_content).decode("utf-8-sig")
        assert csv_text.splitlines()[0].startswith("id,at,event") and ",login_failed,applicant,127.0.0.1" in csv_text
        assert AuditRecord.objects.filter(kind="audit_export", actor=users["auditadmin"]).exists()
        assert client.get(reverse("admin:audit_auditrecord_changelist")).status_code == 200
        for username in ("sysadmin", "secadmin", "admin", "intake"):
            other = Client()
            other.force_login(users[username])
            assert other.get("/audit/").status_code == 404, username
            assert other.get("/audit/export.csv").status_code == 404, username

    def test_gets_404_on_a_case(self, client, users, case):
        client.force_login(users["auditadmin"])
        assert client.get(f"/cases/{case.pk}/").status_code == 404
        api = APIClient()
        api.force_authenticate(users["auditadmin"])
        assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert client.get(reverse("admin:cases_case_changelist")).status_code == 403


CASE_CONTENT_APPS = {"cases", "reviews", "corrections", "prefilings", "publication", "letters", "notifications",
                     "deadlines", "dashboard"}


class TestSystemAdministrator:
    def test_no_case_content_in_the_admin(self, client, users, case):
        """Of every admin list, the system administrator opens only his
        duty's (users, units, configuration), never one of case content."""
        client.force_login(users["sysadmin"])
        opened = set()
        for model in admin.site._registry:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            response = client.get(url)
            if response.status_code == 200:
                opened.add(model._meta.label_lower)
                assert CASE_TITLE not in response.content.decode(), url
            else:
                assert response.status_code == 403, url
        assert {"accounts.user", "accounts.orgunit"} <= opened
        assert not {label for label in opened if label.split(".")[0] in CASE_CONTENT_APPS}
        assert "accounts.membership" not in opened and "audit.auditrecord" not in opened
        index = client.get("/admin/").content.decode()
        assert "/admin/cases/" not in index and "/admin/audit/" not in index and "/admin/accounts/user/" in index

    def test_no_case_content_in_the_app(self, client, users, case):
        client.force_login(users["sysadmin"])
        for url in ("/", "/cases/", "/letters/register/", "/prefilings/", "/dashboard/"):
            response = client.get(url, follow=True)
            assert response.status_code in (200, 404, 403), url
            assert CASE_TITLE not in response.content.decode() and "0099" not in response.content.decode(), url
        assert client.get(f"/cases/{case.pk}/").status_code == 404
        api = APIClient()
        api.force_authenticate(users["sysadmin"])
        listing = api.get("/api/v1/cases/")
        assert listing.status_code in (200, 404) and CASE_TITLE not in listing.content.decode()
        assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404

    def test_user_form_has_no_privilege_flags(self, client, users):
        """He edits accounts, not privileges: no superuser/staff flags, no
        roles in his form."""
        client.force_login(users["sysadmin"])
        body = client.get(reverse("admin:accounts_user_change", args=[users["applicant"].pk])).content.decode()
        assert 'name="is_active"' in body
        assert 'name="is_superuser"' not in body and 'name="is_staff"' not in body
        assert "memberships-TOTAL_FORMS" not in body


class TestSeparatedDuties:
    def test_a_duty_excludes_every_other_role(self, users, units):
        """No user holds two administrator duties, nor a duty and a case role."""
        with pytest.raises(ValidationError):
            membership_grant(user=users["sysadmin"], org_unit=units["huailai"], role=Role.AUDIT_ADMIN)
        with pytest.raises(ValidationError):
            membership_grant(user=users["auditadmin"], org_unit=units["huailai"], role=Role.INTAKE)
        with pytest.raises(ValidationError):
            membership_grant(user=users["intake"], org_unit=units["huailai"], role=Role.SECURITY_ADMIN)
        with pytest.raises(ValidationError):
            membership_grant(user=users["admin"], org_unit=units["huailai"], role=Role.SYSTEM_ADMIN)

    def test_security_administrator_grants_roles_in_the_admin(self, client, users, units):
        """The role is granted through the service: audited, and the user's
        sessions end."""
        target = Client()
        target.force_login(users["applicant2"])
        client.force_login(users["secadmin"])
        response = client.post(reverse("admin:accounts_membership_add"), {
            "user": users["applicant2"].pk, "org_unit": units["huailai-zj"].pk, "role": Role.UNIT_REVIEWER})
        assert response.status_code == 302
        assert Membership.objects.filter(user=users["applicant2"], role=Role.UNIT_REVIEWER).exists()
        assert AuditRecord.objects.filter(kind="role_granted", actor=users["secadmin"]).exists()
        assert target.get("/").status_code == 302  # sent to sign in again
        assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
        assert client.get(reverse("admin:cases_case_changelist")).status_code == 403


class TestDemoLogins:
    def test_refused_outside_demo_mode(self, settings, users):
        """Under production settings a demo user neither signs in, nor gets a
        token, nor keeps a session or token from before."""
        old_session = Client()
        old_session.force_login(users["applicant"])
        old_token = Token.objects.create(user=users["applicant"])
        settings.DEMO_MODE = False
        browser = Client()
        response = browser.post(reverse("accounts:login"), {"username": "applicant", "password": DEMO_PASSWORD})
        assert response.status_code == 200 and "_auth_user_id" not in browser.session
        assert _token("applicant", DEMO_PASSWORD).status_code == 401
        assert old_session.get("/").status_code == 302
        api = APIClient(HTTP_AUTHORIZATION=f"Token {old_token.key}")
        assert api.get("/api/v1/me/").status_code in (401, 403)
        settings.DEMO_MODE = True
        assert _token("applicant", DEMO_PASSWORD).status_code == 200

    def test_production_start_warns(self, settings, users, caplog):
        from accounts.checks import demo_users_warning, warn_demo_users

        settings.DEMO_MODE = False
        assert "Demo logins exist" in demo_users_warning()
        warn_demo_users()
        assert "Demo logins exist" in caplog.text
        settings.DEMO_MODE = True
        assert demo_users_warning() is None


class TestSessionsEnd:
    def test_disabled_users_session_and_token_fail_after_reactivation(self, users):
        user = users["applicant"]
        browser = Client()
        browser.force_login(user)
        token = _token("applicant", DEMO_PASSWORD).json()["token"]
        api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/me/").status_code == 200
        user_set_active(user=user, active=False, actor=users["sysadmin"])
        user_set_active(user=user, active=True, actor=users["sysadmin"])
        assert browser.get("/").status_code == 302
        assert api.get("/api/v1/me/").status_code in (401, 403)
        assert not Token.objects.filter(user=user).exists()
        assert AuditRecord.objects.filter(kind="user_disabled", target="user:applicant").exists()
        # A new sign-in works.
        assert _token("applicant", DEMO_PASSWORD).status_code == 200

    def test_disabling_in_the_admin_ends_sessions(self, client, users):
        user = users["applicant2"]
        browser = Client()
        browser.force_login(user)
        client.force_login(users["sysadmin"])
        url = reverse("admin:accounts_user_change", args=[user.pk])
        form = client.get(url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
        data.update({"is_active": "", "org_unit": user.org_unit_id, "date_joined_0": "2026-01-01",
                     "date_joined_1": "08:00:00"})
        data.pop("is_active")
        data.pop("password", None)
        data.pop("last_login", None)
        data.pop("date_joined", None)
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        user.refresh_from_db()
        assert user.is_active is False
        User.objects.filter(pk=user.pk).update(is_active=True)
        assert browser.get("/").status_code == 302

    def test_role_change_and_password_change_end_sessions(self, users, units):
        user = users["intake"]
        browser = Client()
        browser.force_login(user)
        Token.objects.create(user=user)
        membership_revoke(membership=Membership.objects.get(user=user), actor=users["secadmin"])
        assert browser.get("/").status_code == 302 and not Token.objects.filter(user=user).exists()
        me = Client()
        me.force_login(users["applicant"])
        other = Client()
        other.force_login(users["applicant"])
        response = me.post(reverse("accounts:password_change"), {
            "old_password": DEMO_PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
        assert response.status_code == 302
        assert me.get("/").status_code == 200  # this session goes on
        assert other.get("/").status_code == 302  # the other one ended

    def test_token_expires_and_can_be_revoked(self, settings, users):
        token = _token("applicant", DEMO_PASSWORD).json()["token"]
        api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        with time_machine.travel(timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=1)):
            assert api.get("/api/v1/me/").status_code in (401, 403)
        token = _token("applicant", DEMO_PASSWORD).json()["token"]
        api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.post("/api/v1/auth/token/revoke/").json() == {"revoked": 1}
        assert api.get("/api/v1/me/").status_code in (401, 403)


class TestSecondFactor:
    @pytest.fixture
    def production_auth(self, settings):
        settings.DEMO_MODE = False
        return settings

    @pytest.fixture
    def intake(self, users):
        # Not a demo login: a real account of an intake officer.
        user = users["intake"]
        User.objects.filter(pk=user.pk).update(is_demo=False)
        user.refresh_from_db()
        user.set_password(PASSWORD)
        user.save()
        return user

    def test_staff_login_without_code_is_refused_in_browser_and_api(self, production_auth, intake):
        device = TOTPDevice.objects.create(user=intake, name="phone", confirmed=True)
        browser = Client()
        response = browser.post(reverse("accounts:login"), {"username": "intake", "password": PASSWORD})
        assert response.status_code == 200 and "_auth_user_id" not in browser.session
        assert str(_(SECOND_FACTOR_REFUSED)) in response.content.decode()
        response = browser.post(reverse("accounts:login"),
                                {"username": "intake", "password": PASSWORD, "otp_token": "000000"})
        assert "_auth_user_id" not in browser.session
        refused = _token("intake", PASSWORD)
        assert refused.status_code == 401 and refused.json()["code"] == "second_factor_required"
        assert AuditRecord.objects.filter(kind="otp_failed", actor=intake).count() == 3
        # With the code: in (the wrong code's throttle lifted first).
        device.refresh_from_db()
        device.throttle_reset()
        response = browser.post(reverse("accounts:login"),
                                {"username": "intake", "password": PASSWORD, "otp_token": _code(device)})
        assert response.status_code == 302 and browser.get("/").status_code == 200
        # A TOTP code is good once: let the same time step be used again.
        device.refresh_from_db()
        device.last_t = -1
        device.save(update_fields=["last_t"])
        assert _token("intake", PASSWORD, _code(device)).status_code == 200

    def test_unverified_staff_session_is_ended(self, production_auth, intake):
        browser = Client()
        browser.force_login(intake)
        assert browser.get("/").status_code == 302

    def test_applicant_needs_no_code(self, production_auth, users):
        user = users["applicant2"]
        User.objects.filter(pk=user.pk).update(is_demo=False)
        user.refresh_from_db()
        user.set_password(PASSWORD)
        user.save()
        browser = Client()
        response = browser.post(reverse("accounts:login"), {"username": "applicant2", "password": PASSWORD})
        assert response.status_code == 302

    def test_demo_mode_says_no_code_is_needed(self, client, users):
        body = client.get(reverse("accounts:login")).content.decode()
        assert "demo-pass-2026" in body
        response = client.post(reverse("accounts:login"), {"username": "intake", "password": DEMO_PASSWORD})
        assert response.status_code == 302


class TestPasswordRules:
    def test_length_classes_and_history(self, settings, users):
        from django.contrib.auth.password_validation import validate_password

        user = users["applicant"]
        for bad in ("short1!", "alllowercaseletters", "abcdefghij1"):
            with pytest.raises(ValidationError):
                validate_password(bad, user)
        validate_password(PASSWORD, user)
        with pytest.raises(ValidationError) as refused:
            validate_password(DEMO_PASSWORD, user)  # the current one
        assert [e.code for e in refused.value.error_list] == ["password_reused"]

    def test_expired_password_must_be_changed(self, settings, users):
        settings.DEMO_MODE = False
        user = users["applicant2"]
        User.objects.filter(pk=user.pk).update(is_demo=False, password_changed_at=timezone.now() - dt.timedelta(
            days=settings.PASSWORD_MAX_AGE_DAYS + 1))
        browser = Client()
        browser.force_login(User.objects.get(pk=user.pk))
        response = browser.get("/")
        assert response.status_code == 302 and reverse("accounts:password_change") in response["Location"]


def test_last_login_notice_on_the_workbench(users):
    """The workbench says when and from where the user last signed in, and
    how many failed sign-ins came since."""
    Client().post(reverse("accounts:login"), {"username": "applicant", "password": DEMO_PASSWORD})
    Client().post(reverse("accounts:login"), {"username": "applicant", "password": "wrong"})
    browser = Client()
    browser.post(reverse("accounts:login"), {"username": "applicant", "password": DEMO_PASSWORD})
    previous = browser.session["previous_login"]
    assert previous["ip"] == "127.0.0.1" and previous["failed"] == 1 and previous["at"]
    body = browser.get("/").content.decode()
    assert 'data-testid="last-login"' in body and f"{previous['at']}" in body and "127.0.0.1" in body
