"""An expired password stops the API as it stops the browser: no new token
without a new password, and a token issued before the password expired
stops working when it does."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditRecord

pytestmark = pytest.mark.django_db

PASSWORD = "Stark-Pass-2026!"
NEW_PASSWORD = "Newer-Pass-2027?"


@pytest.fixture
def applicant(settings, users):
    """A real (not demo) account under production settings."""
    settings.DEMO_MODE = False
    user = users["applicant2"]
    User.objects.filter(pk=user.pk).update(is_demo=False)
    user.refresh_from_db()
    user.set_password(PASSWORD)
    user.save()
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    return User.objects.get(pk=user.pk)


def _expire(settings, user):
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS + 1))


def _token(**data):
    return APIClient().post("/api/v1/auth/token/", data, format="json")


def test_token_request_with_expired_password_is_refused_until_changed(settings, applicant):
    _expire(settings, applicant)
    refused = _token(username="applicant2", password=PASSWORD)
    assert refused.status_code == 403 and refused.json()["code"] == "password_expired"
    assert not Token.objects.filter(user=applicant).exists()
    # The rules apply to the new one: the current password is refused.
    reused = _token(username="applicant2", password=PASSWORD, new_password=PASSWORD)
    assert reused.status_code == 422 and reused.json()["code"] == "invalid"
    assert not Token.objects.filter(user=applicant).exists()
    # A new password that keeps the rules: changed, and a token.
    changed = _token(username="applicant2", password=PASSWORD, new_password=NEW_PASSWORD)
    assert changed.status_code == 200, changed.content
    applicant.refresh_from_db()
    assert check_password(NEW_PASSWORD, applicant.password)
    assert applicant.password_changed_at > timezone.now() - dt.timedelta(minutes=1)
    assert AuditRecord.objects.filter(kind="password_changed", target="user:applicant2").exists()
    api = APIClient(HTTP_AUTHORIZATION=f"Token {changed.json()['token']}")
    assert api.get("/api/v1/me/").status_code == 200
    # The old password no longer gets in.
    assert _token(username="applicant2", password=PASSWORD).status_code == 401


def test_wrong_old_password_cannot_set_a_new_one(settings, applicant):
    _expire(settings, applicant)
    response = _token(username="applicant2", password="Wrong-Pass-2026!", new_password=NEW_PASSWORD)
    assert response.status_code == 401
    applicant.refresh_from_db()
    assert check_password(PASSWORD, applicant.password)


def test_token_stops_when_the_password_expires(settings, applicant):
    """Issued while the password was good; refused per request once it has
    expired (403 password_expired), good again after the change."""
    # The password has an hour left; the token is good for 12.
    User.objects.filter(pk=applicant.pk).update(password_changed_at=timezone.now() - dt.timedelta(
        days=settings.PASSWORD_MAX_AGE_DAYS) + dt.timedelta(hours=1))
    token = _token(username="applicant2", password=PASSWORD).json()["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        response = api.get("/api/v1/me/")
        assert response.status_code == 403 and response.json()["code"] == "password_expired"
        assert api.get("/api/v1/cases/").status_code == 403
        changed = _token(username="applicant2", password=PASSWORD, new_password=NEW_PASSWORD)
        assert changed.status_code == 200
        # The old token was ended by the change; the new one works.
        assert api.get("/api/v1/me/").status_code == 401
        fresh = APIClient(HTTP_AUTHORIZATION=f"Token {changed.json()['token']}")
        assert fresh.get("/api/v1/me/").status_code == 200
