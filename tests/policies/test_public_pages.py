"""Public pages: reachable without login, published versions only."""

import pytest
from django.urls import reverse

from policies import services

pytestmark = pytest.mark.django_db


class TestPublicPages:
    def test_index_lists_jurisdictions(self, client, catalogue, django_assert_num_queries):
        """/public/ lists every jurisdiction with a link to its policy, and
        the latest published outcomes (none here): four queries."""
        with django_assert_num_queries(4):
            r = client.get(reverse("public:index"))
        assert r.status_code == 200
        html = r.content.decode()
        for name in ("怀来县", "昆明市", "江苏省", "铜仁市"):
            assert name in html
        assert reverse("public:policies") in html
        assert reverse("portal:outcomes") in html  # the portal navigation

    def test_policy_list(self, client, catalogue, django_assert_num_queries):
        """/public/policies/ lists published versions (two queries) and
        filters by jurisdiction."""
        with django_assert_num_queries(2):
            r = client.get(reverse("public:policies"))
        assert r.status_code == 200 and "铜仁市" in r.content.decode()
        r = client.get(reverse("public:policies"), {"jurisdiction": "tongren"})
        html = r.content.decode()
        assert "干事创业容错纠错暂行办法" in html and "江苏省" not in html.split("<tbody>")[1]

    def test_policy_detail_full_lists_in_chinese(self, client, kunming_latest, django_assert_num_queries):
        """The detail page shows every item with its source and certainty,
        and every time limit, without login; three queries."""
        with django_assert_num_queries(3):
            r = client.get(reverse("public:policy_detail", args=[kunming_latest.pk]))
        assert r.status_code == 200
        html = r.content.decode()
        for item in kunming_latest.items.all():
            assert item.text in html
        assert html.count('class="certainty certainty-') >= kunming_latest.items.count() + 15
        assert "不予容错情形（负面清单）" in html and "原文" in html and "示例默认值" in html
        assert "嵩明" in html
        assert 'lang="zh-hans"' in html

    def test_drafts_unreachable(self, client, kunming_latest, policy_admin):
        """A draft answers 404 on the public page, even for its author."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        assert client.get(reverse("public:policy_detail", args=[draft.pk])).status_code == 404
        client.force_login(policy_admin)
        assert client.get(reverse("public:policy_detail", args=[draft.pk])).status_code == 404
        assert f"/public/policies/{draft.pk}/" not in client.get(reverse("public:policies")).content.decode()


class TestDueDatePage:
    def test_explains_the_due_date(self, client, db):
        """The calculator shows the due date and the skipped holidays."""
        r = client.get(reverse("public:due_date"), {"start": "2025-09-26", "amount": 5, "unit": "working_day",
                                                    "start_rule": "next_day"})
        html = r.content.decode()
        assert r.status_code == 200
        assert "2025-10-10" in html and "国庆节" in html and "调休上班" in html

    def test_flagged_year_warns(self, client, db):
        """A period reaching 2027 shows the warning."""
        r = client.get(reverse("public:due_date"), {"start": "2026-12-28", "amount": 5, "unit": "working_day",
                                                    "start_rule": "next_day"})
        assert 'class="message warning"' in r.content.decode()

    def test_bad_input_shows_errors(self, client, db):
        """Negative amounts, unknown units and malformed dates are refused
        with field errors and no result."""
        r = client.get(reverse("public:due_date"), {"start": "2025-02-30", "amount": -1, "unit": "fortnight",
                                                    "start_rule": "next_day"})
        html = r.content.decode()
        assert r.status_code == 200
        assert html.count('class="errorlist"') == 3
        assert "result-heading" not in html
