"""``next`` redirects stay on this site (core.http.safe_next)."""

import pytest
from django.test import RequestFactory

from cases import services
from core.http import safe_next
from notifications.services import notify
from tests.cases.conftest import pdf

EVIL = ["https://evil.example/phish", "//evil.example/", "\\\\evil.example", "javascript:alert(1)",
        "http://testserver.evil.example/"]


@pytest.mark.parametrize("target", EVIL)
def test_helper_refuses_other_sites(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert safe_next(request, "/fallback/") == "/fallback/"


def test_helper_keeps_own_paths_and_resolves_names():
    rf = RequestFactory()
    assert safe_next(rf.post("/x/", {"next": "/cases/3/?tab=files"}), "/f/") == "/cases/3/?tab=files"
    assert safe_next(rf.get("/x/", {"next": "http://testserver/a/"}), "/f/") == "http://testserver/a/"
    assert safe_next(rf.post("/x/"), "notifications:list") == "/notifications/"


@pytest.mark.parametrize("target", EVIL[:2])
def test_upload_and_delete_do_not_redirect_elsewhere(client, users, target):
    case = services.case_create(actor=users["applicant"], title="申请")
    client.force_login(users["applicant"])
    resp = client.post(f"/cases/{case.pk}/files/", {"file": pdf(), "kind": "evidence", "next": target})
    assert resp.status_code == 302 and resp.url == f"/cases/{case.pk}/"
    attachment = case.attachments.get()
    resp = client.post(f"/cases/{case.pk}/files/{attachment.pk}/delete/", {"next": target})
    assert resp.status_code == 302 and resp.url == f"/cases/{case.pk}/"
    assert not case.attachments.exists()
    resp = client.post(f"/cases/{case.pk}/files/", {"file": pdf(), "kind": "evidence",
                                                   "next": f"/cases/{case.pk}/edit/files/"})
    assert resp.url == f"/cases/{case.pk}/edit/files/"


def test_mark_read_does_not_redirect_elsewhere(client, users):
    note = notify(recipients=[users["applicant"]], actor=None, kind="test", message="测试通知", url="/")[0]
    client.force_login(users["applicant"])
    resp = client.post(f"/notifications/{note.pk}/read/", {"next": "https://evil.example/"})
    assert resp.status_code == 302 and resp.url == "/notifications/"
    note.refresh_from_db()
    assert note.read_at is not None
