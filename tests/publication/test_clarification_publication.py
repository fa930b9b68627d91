"""Publishing an issued, public-scope clarification (corrections app)."""

import pytest
from django.test import Client
from django.utils import timezone

from corrections.models import Clarification, Scope, UntruePoint
from corrections.selectors import clarifications_public_issued
from publication import services

pytestmark = pytest.mark.django_db


def _issue(case, users, scope):
    c = Clarification.objects.create(case=case, status=Clarification.Status.ISSUED, scope=scope, method="notice",
                                     issued_at=timezone.now(), issued_by=users["inspector1"])
    UntruePoint.objects.create(clarification=c, number=1, allegation="举报称张伟收受施工方礼金",
                               finding="经核实，该同志未收受任何礼金", recorded_by=users["inspector1"])
    return c


def test_only_public_issued_clarifications_are_offered(ruled_case, users):
    """The selector offers issued clarifications whose scope is public, not unit-scope ones."""
    public = _issue(ruled_case, users, Scope.PUBLIC)
    assert [c.pk for c in clarifications_public_issued()] == [public.pk]
    Clarification.objects.filter(pk=public.pk).update(scope=Scope.UNIT)
    assert list(clarifications_public_issued()) == []


def test_clarification_published_with_untrue_points_and_no_name(ruled_case, users):
    """An admin publishes the clarification; the portal shows the untrue
    point's finding, never the cadre's name."""
    clar = _issue(ruled_case, users, Scope.PUBLIC)
    pub = services.publication_draft_create(case=ruled_case, actor=users["admin"], kind="clarification",
                                            clarification_id=clar.pk)
    assert "未收受任何礼金" in pub.body
    services.publication_publish(publication=pub, actor=users["admin"])
    page = Client().get("/public/clarifications/").content.decode()
    assert "未收受任何礼金" in page or pub.published_title in page
    pub.refresh_from_db()
    detail = Client().get(f"/public/outcomes/{pub.slug}/").content.decode()
    assert "未收受任何礼金" in detail and "张伟" not in detail
