"""The public portal and its API, without login: only published content is
reachable, a withdrawn publication is a notice without its content, and
nothing points at the case record."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from core.pagination import count_estimates_forget
from publication import services
from publication.models import Publication
from publication.selectors import published_outcomes_latest

from .conftest import ID_NUMBER, PHONE, bring_to_verification, rule, text_pdf

pytestmark = pytest.mark.django_db


def _publish(case, users, **kw):
    p = services.publication_draft_create(case=case, actor=users["admin"])
    return services.publication_publish(publication=p, actor=users["admin"], **kw)


@pytest.fixture
def states(ruled_case, users):
    """One publication in each state: published, draft, scheduled,
    withdrawn."""
    import datetime as dt

    from django.utils import timezone

    published = _publish(ruled_case, users)
    others = {}
    for label in ("draft", "scheduled", "withdrawn"):
        case = bring_to_verification(users, title=f"{label}案件标题")
        rule(case, users)
        p = services.publication_draft_create(case=case, actor=users["admin"])
        if label == "scheduled":
            p = services.publication_publish(publication=p, actor=users["admin"],
                                             publish_at=timezone.now() + dt.timedelta(days=1))
        if label == "withdrawn":
            services.publication_publish(publication=p, actor=users["admin"])
            p = services.publication_withdraw(publication=p, actor=users["admin"], reason="内部原因不宜公开")
        others[label] = p
    return {"published": published, **others}


def test_portal_lists_only_published_outcomes(states):
    """Anonymous: the list shows the published outcome only; no case id,
    case number, /cases/ link or personal data appears."""
    response = Client().get("/public/outcomes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert states["published"].published_title in html
    for label in ("draft", "scheduled", "withdrawn"):
        assert f"{label}案件标题" not in html
    published = states["published"]
    assert "/cases/" not in html
    assert published.case.number not in html
    for secret in ("张伟", ID_NUMBER, PHONE):
        assert secret not in html


def test_outcome_page_shows_redacted_text_only(states):
    """The page of a published outcome shows its redacted text, not the
    name, and nothing about the case record."""
    published = states["published"]
    html = Client().get(f"/public/outcomes/{published.slug}/").content.decode()
    assert "予以容错" in html and "███" in html
    for secret in ("张伟", ID_NUMBER, PHONE, published.case.number, "/cases/", f"/{published.case_id}/"):
        assert secret not in html


def test_unpublished_pages_are_not_found(states):
    """Draft and scheduled publications are 404 on the portal and its API."""
    client, api = Client(), APIClient()
    for label in ("draft", "scheduled"):
        slug = states[label].slug
        assert client.get(f"/public/outcomes/{slug}/").status_code == 404
        assert api.get(f"/api/v1/public/outcomes/{slug}/").status_code == 404


def test_withdrawn_page_is_a_notice_without_content(states):
    """A withdrawn outcome's page says it was withdrawn and shows neither
    its text nor the internal reason; its API answers 410 with no text."""
    withdrawn = states["withdrawn"]
    response = Client().get(f"/public/outcomes/{withdrawn.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "该公开信息已撤回" in html
    assert withdrawn.published_text not in html and "withdrawn案件标题" not in html
    assert "内部原因不宜公开" not in html
    api = APIClient().get(f"/api/v1/public/outcomes/{withdrawn.slug}/")
    assert api.status_code == 410
    assert api.json() == {"slug": withdrawn.slug, "status": "withdrawn", "withdrawn_at": api.json()["withdrawn_at"]}


def test_public_api_lists_published_only(states, django_assert_num_queries):
    """No authentication; only published outcomes, redacted, without any
    case field; a fixed number of queries."""
    api = APIClient()
    with django_assert_num_queries(3):  # count, page, scenarios
        response = api.get("/api/v1/public/outcomes/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["slug"] == states["published"].slug
    assert set(item) == {"slug", "title", "text", "jurisdiction", "jurisdiction_code", "result", "result_label",
                         "decided_on", "published_at", "scenarios", "url", "pdf_url"}
    assert item["url"] == f"/public/outcomes/{states['published'].slug}/" and item["pdf_url"] is None
    assert "张伟" not in item["text"] and item["result"] == "exempt" and item["scenarios"] == ["改革创新"]


def test_filters_and_search(ruled_case, users):
    """Jurisdiction, year, result, scenario and words narrow the list, on
    the page and in the API."""
    exempt = _publish(ruled_case, users)
    case = bring_to_verification(users, username="km_applicant", title="招商引资政策调整申请容错")
    import datetime as dt

    rule(case, users, result="rejected", decided_on=dt.date(2025, 11, 3))
    rejected = _publish(case, users)
    api = APIClient()

    def slugs(**params):
        return [r["slug"] for r in api.get("/api/v1/public/outcomes/", params).json()["results"]]

    assert set(slugs()) == {exempt.slug, rejected.slug}
    assert slugs(jurisdiction="kunming") == [rejected.slug]
    assert slugs(year=2026) == [exempt.slug]
    assert slugs(result="rejected") == [rejected.slug]
    assert set(slugs(scenario="改革创新")) == {exempt.slug, rejected.slug}
    assert slugs(scenario="应急处置") == []
    assert slugs(q="招商引资") == [rejected.slug]
    html = Client().get("/public/outcomes/", {"jurisdiction": "kunming"}).content.decode()
    assert rejected.published_title in html and exempt.published_title not in html
    html = Client().get("/public/outcomes/", {"q": "校舍改造项目"}).content.decode()
    assert exempt.published_title in html and rejected.published_title not in html


def test_pdf_served_only_while_published(ruled_case, users):
    """The attached PDF of a published outcome downloads; once withdrawn it
    is a 404."""
    p = services.publication_draft_create(case=ruled_case, actor=users["admin"])
    services.publication_update(publication=p, actor=users["admin"], pdf=text_pdf("认定结论：予以容错。"))
    p = services.publication_publish(publication=p, actor=users["admin"])
    response = Client().get(f"/public/outcomes/{p.slug}/document.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    services.publication_withdraw(publication=p, actor=users["admin"], reason="撤回")
    assert Client().get(f"/public/outcomes/{p.slug}/document.pdf").status_code == 404


def test_feed_has_published_items_only(states):
    """The Atom feed lists the published outcome and nothing else."""
    response = Client().get("/public/feed.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    xml = response.content.decode()
    assert states["published"].published_title in xml
    assert "draft案件标题" not in xml and "withdrawn案件标题" not in xml and "张伟" not in xml


def test_clarifications_page_without_login(ruled_case, users):
    """The clarifications page answers without login and lists only
    published clarification publications (none yet)."""
    response = Client().get("/public/clarifications/")
    assert response.status_code == 200
    assert "暂无已公开的澄清说明" in response.content.decode()


def test_latest_partial_and_selector(states):
    """``published_outcomes_latest`` and the partial for the portal index
    show the published outcome only."""
    from django.template.loader import render_to_string

    latest = published_outcomes_latest(limit=5)
    assert [p.pk for p in latest] == [states["published"].pk]
    html = render_to_string("publication/portal_latest.html", {"outcomes": latest})
    assert states["published"].published_title in html and "draft案件标题" not in html


def test_admin_pages_need_an_admin(states, users):
    """The publication work pages are not for other staff: 404."""
    client = Client()
    client.force_login(users["intake"])
    assert client.get("/publication/").status_code == 404
    assert client.get(f"/publication/{states['draft'].pk}/").status_code == 404
    client.force_login(users["admin"])
    assert client.get("/publication/").status_code == 200
    assert Publication.objects.count() == 4


def test_portal_list_page_query_count(states, django_assert_num_queries):
    """The outcomes page reads a fixed number of queries whatever the
    number of outcomes (filter options, count, page, scenarios)."""
    client = Client()
    client.get("/public/outcomes/")  # warm up
    with django_assert_num_queries(6):
        assert client.get("/public/outcomes/").status_code == 200


def test_case_panel_shows_status_and_actions(ruled_case, users, rf):
    """The case-page panel: admins get the button to prepare a publication;
    once published everyone who sees the case gets its status and the
    public link; others see nothing before."""
    from django.template.loader import render_to_string

    from publication.views import case_panel_context

    request = rf.get("/")
    request.user = users["admin"]
    ctx = case_panel_context(request, ruled_case)
    assert ctx["may_draft"] is True and ctx["publication"] is None
    request.user = users["intake"]
    assert case_panel_context(request, ruled_case) is None
    published = _publish(ruled_case, users)
    ctx = case_panel_context(request, ruled_case)
    html = render_to_string("publication/case_panel.html", {**ctx, "case": ruled_case}, request)
    assert "已公开" in html and f"/public/outcomes/{published.slug}/" in html
    assert "/publication/" not in html.replace("/public/", "")


def test_admin_list_query_count(states, users, django_assert_num_queries):
    """The admin's publication list reads a fixed number of queries."""
    client = Client()
    client.force_login(users["admin"])
    client.get("/publication/")
    # 8: session, user, publications, ready cases, issued public
    # clarifications (after a ruling, and of clarification cases),
    # memberships, unread count.
    with django_assert_num_queries(8):
        assert client.get("/publication/").status_code == 200


def _many_published(case, users, n: int, years=(2021, 2023, 2026)):
    """``n`` published outcomes (copies of one, by bulk insert) ruled in
    ``years``, for the portal's scale checks."""
    import datetime as dt

    from django.utils import timezone

    first = _publish(case, users)
    now = timezone.now()
    rows = []
    for i in range(n):
        year = years[i % len(years)]
        rows.append(Publication(
            case=first.case, kind=Publication.Kind.OUTCOME, ref=f"scale-{i}", status=Publication.Status.PUBLISHED,
            slug=f"scale-{i}", jurisdiction=first.jurisdiction, result=first.result,
            decided_on=dt.date(year, 1 + i % 12, 1 + i % 28), title=f"规模{i}", body="x",
            published_title=f"规模公开{i}", published_text="x", published_at=now - dt.timedelta(minutes=i),
            created_by=users["admin"]))
    Publication.objects.bulk_create(rows, batch_size=1000)
    Publication.scenarios.through.objects.bulk_create(
        [Publication.scenarios.through(publication_id=p.pk, policyitem_id=s.pk)
         for p in Publication.objects.filter(ref__startswith="scale-") for s in first.scenarios.all()],
        batch_size=2000)
    return first


def test_portal_pages_by_keyset_with_a_bounded_count(ruled_case, users, django_assert_num_queries):
    """Past core.pagination.COUNT_EXACT_UP_TO outcomes the page says 约 N
    and links the next page by cursor; the next page follows on, newest
    first; the filter's years are those of the rulings."""
    import re

    from publication.selectors import portal_filter_options

    first = _many_published(ruled_case, users, 1200)
    client = Client()
    client.get("/public/outcomes/")
    cache.clear()  # the estimate the first request kept,
    count_estimates_forget()  # and this process's copy of it
    with django_assert_num_queries(7):  # options (3), page, scenarios, bounded count, estimate
        html = client.get("/public/outcomes/").content.decode()
    # The estimate is kept (core.pagination.COUNT_ESTIMATE_SECONDS): the
    # next request counts nothing.
    with django_assert_num_queries(5):
        again = client.get("/public/outcomes/").content.decode()
    assert re.search(r'id="outcome-count">共约 1,?001', again)
    assert re.search(r'id="outcome-count">共约 1,?001', html), html[html.find("outcome-count"):][:80]
    # Newest first: scale-0, the first outcome (published just before), scale-1 … 18.
    assert first.published_title in html and "规模公开18<" in html and "规模公开19<" not in html
    cursor = re.search(r'href="\?cursor=([^"&]+)" rel="next"', html).group(1)
    html = client.get("/public/outcomes/", {"cursor": cursor}).content.decode()
    assert "规模公开19<" in html and "规模公开38<" in html and "规模公开18<" not in html
    assert portal_filter_options()["years"] == sorted({2021, 2023, 2026, first.decided_on.year}, reverse=True)


def test_public_api_pages_by_cursor_forwards_and_back(ruled_case, users, django_assert_num_queries):
    """The public API reads by keyset like the portal page (issue 19):
    ``next`` links walk every published outcome once, newest first, each
    page in the same queries; ``previous`` goes back; a cursor it did not
    make is a 404 (a schema-valid string, so not a 400)."""
    _many_published(ruled_case, users, 24)
    expected = list(Publication.objects.filter(status=Publication.Status.PUBLISHED, kind=Publication.Kind.OUTCOME)
                    .order_by("-published_at", "-id").values_list("slug", flat=True))
    assert len(expected) == 25
    api = APIClient()
    pages, url = [], "/api/v1/public/outcomes/?page_size=10"
    while url:
        with django_assert_num_queries(3):  # count, page, scenarios
            body = api.get(url).json()
        pages.append(body)
        url = body["next"]
    assert [r["slug"] for p in pages for r in p["results"]] == expected
    assert [len(p["results"]) for p in pages] == [10, 10, 5]
    assert all(p["count"] == 25 and p["count_approximate"] is False for p in pages)
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    back = api.get(pages[-1]["previous"]).json()
    assert [r["slug"] for r in back["results"]] == [r["slug"] for r in pages[1]["results"]]
    assert [r["slug"] for r in api.get(back["previous"]).json()["results"]] == expected[:10]
    # Filters stay in the links.
    by_year = api.get("/api/v1/public/outcomes/", {"page_size": 3, "year": 2023}).json()
    assert "year=2023" in by_year["next"]
    assert {r["decided_on"][:4] for r in api.get(by_year["next"]).json()["results"]} == {"2023"}
    for bad in ("not-a-cursor", "eyJ2IjpbMV0sInIiOjB9", "e30"):
        response = api.get("/api/v1/public/outcomes/", {"cursor": bad})
        assert response.status_code == 404 and response.json()["code"] == "not_found", bad


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL plans")
def test_portal_reads_its_indexes(ruled_case, users):
    """On thousands of outcomes the page and the filter options read the
    publication table off indexes (no sequential scan of it)."""
    import json

    from publication import selectors

    _many_published(ruled_case, users, 4000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE publication_publication")
        cursor.execute("ANALYZE publication_publication_scenarios")

    def scans(sql, params):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan

        def nodes(p):
            yield p
            for c in p.get("Plans", []):
                yield from nodes(c)
        return [n for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "publication_publication"]

    page = selectors.published_outcomes()[:21]
    found = scans(*page.query.sql_with_params())
    assert found and all(n["Node Type"] != "Seq Scan" for n in found), found
    assert any(n.get("Index Name") == "publication_portal_idx" for n in found), found
    years = scans(selectors._YEARS_SQL, {"kind": "outcome", "status": "published"})
    assert years and all(n.get("Index Name") == "publication_portal_year_idx" for n in years), years
