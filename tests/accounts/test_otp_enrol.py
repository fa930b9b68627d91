"""Staff set up their own second factor: signed in with the password alone
they reach only the set-up page, scan a QR code drawn in the page, confirm
it with a code, and get backup codes that each sign in once."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditRecord

pytestmark = pytest.mark.django_db

PASSWORD = "Stark-Pass-2026!"


def _code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def intake(settings, users):
    """A real intake officer's account under production settings, without a
    second factor yet."""
    settings.DEMO_MODE = False
    user = users["intake"]
    User.objects.filter(pk=user.pk).update(is_demo=False)
    user.refresh_from_db()
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(browser, **extra):
    return browser.post(reverse("accounts:login"), {"username": "intake", "password": PASSWORD, **extra})


def test_first_sign_in_sets_up_the_app_and_backup_codes(intake):
    browser = Client()
    response = _login(browser)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_setup")
    # Nothing else is open to this session.
    assert browser.get("/").status_code == 302 and browser.get("/")["Location"] == reverse("accounts:otp_setup")
    refused = browser.get("/api/v1/me/")
    assert refused.status_code == 403 and refused.json()["code"] == "second_factor_required"
    # Nor does the password alone get a token.
    assert APIClient().post("/api/v1/auth/token/", {"username": "intake", "password": PASSWORD},
                            format="json").status_code == 401

    page = browser.post(reverse("accounts:otp_setup"), {"action": "start"})
    body = page.content.decode()
    device = TOTPDevice.objects.get(user=intake, confirmed=False)
    svg = page.context["qr_svg"]
    assert svg.startswith("<svg") and "<path" in svg and "<script" not in svg and "href" not in svg
    assert 'data-testid="otp-qr"' in body and svg in body
    secret = page.context["secret"]
    assert secret.replace(" ", "") and secret in body
    wrong = browser.post(reverse("accounts:otp_setup"), {"action": "confirm", "token": "000000"})
    assert wrong.context["error"] and not TOTPDevice.objects.filter(user=intake, confirmed=True).exists()

    done = browser.post(reverse("accounts:otp_setup"), {"action": "confirm", "token": _code(device)})
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert browser.get("/").status_code == 200  # this session goes on, verified
    assert AuditRecord.objects.filter(kind="otp_enrolled", actor=intake).exists()
    assert AuditRecord.objects.filter(kind="otp_backup_codes", actor=intake).exists()

    # Now the password alone is refused; a backup code signs in, once.
    assert "_auth_user_id" not in (lambda c: (_login(c), c.session)[1])(Client())
    other = Client()
    assert _login(other, otp_token=codes[0]).status_code == 302 and other.get("/").status_code == 200
    again = Client()
    _login(again, otp_token=codes[0])
    assert "_auth_user_id" not in again.session


def test_replacing_the_app_needs_a_verified_session(intake):
    device = TOTPDevice.objects.create(user=intake, name="phone", confirmed=True)
    browser = Client()
    _login(browser, otp_token=_code(device))
    assert browser.get("/").status_code == 200
    browser.post(reverse("accounts:otp_setup"), {"action": "start"})
    new = TOTPDevice.objects.get(user=intake, confirmed=False)
    browser.post(reverse("accounts:otp_setup"), {"action": "confirm", "token": _code(new)})
    assert list(TOTPDevice.objects.filter(user=intake).values_list("pk", flat=True)) == [new.pk]
    # The security administrator deletes the lost phone's device: its
    # backup codes go with it.
    assert StaticDevice.objects.filter(user=intake).exists()
    new.refresh_from_db()
    new.delete()
    assert not StaticDevice.objects.filter(user=intake).exists()


def test_without_self_enrolment_the_password_alone_is_refused(settings, intake):
    settings.OTP_SELF_ENROL = False
    browser = Client()
    response = _login(browser)
    assert response.status_code == 200 and "_auth_user_id" not in browser.session


def test_demo_mode_needs_no_code_and_may_set_one_up(client, users):
    """Demo mode: every demo role works with the printed password; the page
    is there to try."""
    response = client.post(reverse("accounts:login"), {"username": "intake", "password": "demo-pass-2026"})
    assert response.status_code == 302 and client.get("/").status_code == 200
    page = client.post(reverse("accounts:otp_setup"), {"action": "start"})
    assert page.status_code == 200 and "<svg" in page.content.decode()
