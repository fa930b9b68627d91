"""A refused step keeps what the user typed (core.form_flash): the case
page's intake, verification-to-ruling and correction forms, and the
pre-filing page's forms come back bound to the input, with its errors, once;
and the refused step changed nothing."""

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse

from cases import services as case_services
from cases.models import SupplementRequest
from core.form_flash import MAX_AGE_SECONDS, SESSION_KEY, form_flash_bind, form_flash_keep
from corrections.models import Correction
from prefilings import services as prefiling_services
from prefilings.models import PreFiling
from reviews.models import Ruling
from tests.prefilings.conftest import FRIDAY, at, make_draft
from tests.reviews.conftest import accept_case, fill_draft, items, to_deliberation, vote_all

pytestmark = pytest.mark.django_db


class NoteForm(forms.Form):
    note = forms.CharField()
    day = forms.DateField()
    file = forms.FileField()


def _request(post=None):
    return SimpleNamespace(session={}, POST=QueryDict(post or "", mutable=False))


def test_bind_once_with_the_refused_posts_errors_only():
    """Bound once to the kept input; only the errors the POST had (the
    emptied file input is not 'required' again); unbound for another key or
    once too old."""
    request = _request("note=%E5%B7%B2%E5%A1%AB&day=2026-13-40&csrfmiddlewaretoken=x")
    refused = NoteForm(request.POST, {"file": None})
    assert not refused.is_valid()
    form_flash_keep(request, key="k:1:note", form=refused)
    assert "csrfmiddlewaretoken" not in request.session[SESSION_KEY]["data"]

    assert not form_flash_bind(request, key="k:2:note", build=lambda data: NoteForm(data)).is_bound
    form = form_flash_bind(request, key="k:1:note", build=lambda data: NoteForm(data))
    assert form.is_bound and form["note"].value() == "已填"
    assert set(form.errors) == {"day", "file"} == set(refused.errors)
    assert not form_flash_bind(request, key="k:1:note", build=lambda data: NoteForm(data)).is_bound

    form_flash_keep(request, key="k:1:note")  # a service refusal: no field errors
    form = form_flash_bind(request, key="k:1:note", build=lambda data: NoteForm(data))
    assert form["note"].value() == "已填" and not form.errors

    form_flash_keep(request, key="k:1:note")
    request.session[SESSION_KEY]["at"] = time.time() - MAX_AGE_SECONDS - 1
    assert not form_flash_bind(request, key="k:1:note", build=lambda data: NoteForm(data)).is_bound


def _at_intake(users):
    case = case_services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
    fill_draft(case, users["applicant"])
    case_services.case_submit(case=case, actor=users["applicant"])
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    return case


def test_intake_supplement_request_comes_back_with_the_text(users, client):
    case = _at_intake(users)
    client.force_login(users["intake"])
    text = "缺少2025年6月1日局党组会议纪要原件及签到表"
    r = client.post(reverse("cases:action", args=[case.pk, "request_supplement"]),
                    {"missing": text, "due_date": "2026-13-45"}, follow=True)
    body = r.content.decode()
    assert text in body and "has-error" in body
    # The closed-by-default <details> holding that form is open.
    form_at = body.index(reverse("cases:action", args=[case.pk, "request_supplement"]))
    details = body[body.rindex("<details", 0, form_at):form_at]
    assert details.startswith('<details class="action" open>')
    assert not SupplementRequest.objects.filter(case=case).exists()
    # Shown once: the next visit has an empty form.
    assert text not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_ruling_refused_by_the_service_keeps_reasons_and_ticked_uses(users, client):
    """The members voted to exempt; a ruling to mitigate has no majority and
    the service refuses it; the reasons and the ticked result use come back
    in the form, which is marked kept."""
    case = to_deliberation(accept_case(users), users)
    vote_all(case, users)
    use = items(case, "result_use")[0]
    reasons = "经集体研究，该同志出于公心先行先试，程序瑕疵已及时纠正，符合容错情形。"
    client.force_login(users["committee1"])
    r = client.post(reverse("reviews:action", args=[case.pk, "rule"]), {
        "result": "mitigated", "mitigation": "lighter", "reasons": reasons, "applied_items": [items(case, "positive")[0].pk],
        "uses": [use.pk], f"use-{use.pk}-months": "7",
    }, follow=True)
    body = r.content.decode()
    assert not Ruling.objects.filter(case=case).exists()
    assert reasons in body and 'data-action="rule" data-kept' in body
    assert f'value="{use.pk}" checked' in body and 'value="7"' in body


def test_correction_start_refused_for_bad_input_keeps_the_note(users, client):
    from tests.corrections.conftest import make_ruled_case

    case = make_ruled_case(users)
    client.force_login(users["supervisor"])
    note = "对其进行批评教育并责令书面检查"
    r = client.post(reverse("corrections:action", args=[case.pk, "start_correction"]),
                    {"start_correction-decided_by": "", "start_correction-four_forms_note": note}, follow=True)
    body = r.content.decode()
    assert note in body and "data-kept" in body and "has-error" in body
    assert not Correction.objects.filter(case=case).exists()


def test_prefiling_register_refused_keeps_the_remarks(users, client):
    filing = make_draft(users["applicant"])
    with at(FRIDAY):
        prefiling_services.prefiling_submit(filing=filing, actor=users["applicant"])
    client.force_login(users["intake"])
    remarks = "同意备案，请按期报告风险防控措施落实情况"
    with at(FRIDAY):
        r = client.post(reverse("prefilings:action", args=[filing.pk, "register"]),
                        {"report_interval_days": "0", "reason": remarks}, follow=True)
    body = r.content.decode()
    assert remarks in body and "has-error" in body
    filing.refresh_from_db()
    assert filing.status != PreFiling.Status.REGISTERED
