"""The incident date cannot be in the future (issue 22: 2030-05-01 was
accepted and shown to everyone): refused by the service, the filing form
and the API, with a Chinese message naming the date and today, and nothing
saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case

pytestmark = pytest.mark.django_db


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def test_service_refuses_a_future_date(users):
    """Today passes; tomorrow is refused and the draft keeps its date."""
    case = services.case_create(actor=users["applicant"], title="申请")
    services.case_update(case=case, actor=users["applicant"], matter_date=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.case_update(case=case, actor=users["applicant"], matter_date=_tomorrow())
    assert exc.value.error_dict["matter_date"][0].code == "date_in_future"
    assert Case.objects.get(pk=case.pk).matter_date == timezone.localdate()


def test_form_refuses_a_future_date_in_chinese(client, users):
    """The filing step shows the message at the field, the date input
    carries today as its maximum, and nothing is saved."""
    case = services.case_create(actor=users["applicant"], title="申请")
    client.force_login(users["applicant"])
    page = client.get(f"/cases/{case.pk}/edit/matter/").content.decode()
    assert f'max="{timezone.localdate().isoformat()}"' in page
    resp = client.post(f"/cases/{case.pk}/edit/matter/",
                       {"title": "申请", "matter": "经过", "matter_date": "2030-05-01"})
    text = resp.content.decode()
    assert "2030-05-01" in text and "晚于今天" in text
    assert Case.objects.get(pk=case.pk).matter_date is None


def test_api_refuses_a_future_date(users):
    """400 with the field named; the draft is not created."""
    api = APIClient()
    api.force_authenticate(users["applicant"])
    r = api.post("/api/v1/cases/", {"origin": "individual", "title": "申请", "matter_date": "2030-05-01"},
                 format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400
    assert "matter_date" in str(r.data) and "晚于今天" in str(r.data)
    assert not Case.objects.filter(title="申请").exists()
