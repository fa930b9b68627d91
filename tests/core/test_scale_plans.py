"""On a few thousand generated cases (generate_cases), PostgreSQL reads the
main lists off their indexes: no sequential scan of the case table and no
sort of its rows before the first page, for the case list, the queues and
the search; the pages' query counts stay those of a small table."""

import json

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.selectors import case_search
from reviews.selectors import committee_queue, inspector_queue, supervisor_queue

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL plans"),
]

CASES = 4000


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _explain_sql(sql: str, params=None) -> dict:
    """The plan PostgreSQL would run ``sql`` with (EXPLAIN, nothing run)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _plan(qs) -> dict:
    return _explain_sql(*qs.query.sql_with_params())


def _scans_of_cases(plan) -> list[dict]:
    return [n for n in _nodes(plan) if n.get("Relation Name") == "cases_case"]


def _sorts_over_cases(plan) -> list[dict]:
    # An Incremental Sort reads an index in the leading order and sorts
    # only rows with equal keys: not a sort of the table. Nor is the sort of
    # a few rows found by an index (the intake queue holds the cases of the
    # last months in two stages: a few dozen of the 4,000, since
    # generate_cases files the old ones mostly closed), which the planner
    # rightly prefers to walking the queue's index past the closed cases.
    return [n for n in _nodes(plan) if n["Node Type"] == "Sort" and _scans_of_cases(n)
            and n["Plan Rows"] > CASES // 20]


@pytest.fixture
def generated(db):
    call_command("generate_cases", count=CASES, counties=3, stdout=open("/dev/null", "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {role: User.objects.get(username=f"synthetic-{role}")
            for role in ("intake", "inspector", "supervisor", "committee", "admin")}


def test_lists_and_queues_read_an_index_in_order(generated):
    """The first page of each list is LIMIT rows off the list's index."""
    intake = generated["intake"]
    lists = {
        # (created_at, id) or created_at alone with the ties sorted.
        "case list": (case_search(user=intake), ("case_list_idx", "cases_case_created_at")),
        # A queue's index, or (a few dozen cases in its stages, see
        # _sorts_over_cases) the stage index and a sort of those few.
        "intake queue": (case_search(user=intake, queue="intake"), ("case_intake_queue_idx", "cases_case_stage")),
        "supervisor queue": (supervisor_queue(user=generated["supervisor"]), ("case_queue_idx", "cases_case_stage")),
        "committee queue": (committee_queue(user=generated["committee"]),
                            ("case_committee_queue_idx", "cases_case_stage")),
        "stage filter": (case_search(user=intake, filters={"stage": "verification"}), None),
    }
    for name, (qs, index) in lists.items():
        plan = _plan(qs[:21])
        scans = _scans_of_cases(plan)
        assert scans and all(s["Node Type"] != "Seq Scan" for s in scans), (name, scans)
        assert not _sorts_over_cases(plan), name
        if index:
            assert any((s.get("Index Name") or "").startswith(index) for s in scans), (
                name, [s.get("Index Name") for s in scans])
    # The inspector's queue starts from his assignments (none here): no
    # scan of the cases at all, whatever their number.
    plan = _plan(inspector_queue(user=generated["inspector"])[:21])
    assert all(s["Node Type"] != "Seq Scan" for s in _scans_of_cases(plan))


@pytest.mark.parametrize("text", ["校舍", "校舍改造", "合成甲县教育局"])
def test_search_reads_an_index(generated, text):
    """Search (two characters or more, Chinese) never scans the whole case
    table: common terms like these walk the list's index in order with the
    text as a filter, or read the bigram index."""
    plan = _plan(case_search(user=generated["intake"], filters={"q": text})[:21])
    scans = _scans_of_cases(plan)
    assert scans and all(s["Node Type"] != "Seq Scan" for s in scans), scans
    assert case_search(user=generated["intake"], filters={"q": text}).exists()


def test_page_query_counts_do_not_grow(generated, client, django_assert_num_queries):
    """The list API costs what it costs on a small table: the page, the
    bounded count and the planner's estimate beyond it; then, while the
    estimate is kept (core.pagination.COUNT_ESTIMATE_SECONDS), the page."""
    from django.core.cache import cache
    from rest_framework.test import APIClient

    from core import pagination

    api = APIClient()
    api.force_authenticate(generated["intake"])
    api.get("/api/v1/cases/")
    cache.clear()
    pagination.count_estimates_forget()  # and each process's copy
    with django_assert_num_queries(3):
        body = api.get("/api/v1/cases/").json()
    assert len(body["results"]) == 20 and body["count_approximate"] is True
    with django_assert_num_queries(1):
        assert api.get("/api/v1/cases/").json()["count"] == body["count"]
    # A queue under the exact-count threshold: the page and its count.
    with django_assert_num_queries(2):
        body = api.get("/api/v1/cases/?queue=intake").json()
    assert len(body["results"]) == 20 and body["count_approximate"] is False


def _rare_terms() -> tuple[str, str]:
    """A two-character applicant's name found in few cases, and four
    characters of one case's text starting with it (name, 在, the matter's
    first character): terms the bigram index must find without walking the
    list."""
    from cases.models import Case

    names = (Case.objects.filter(jurisdiction__code__startswith="synthetic-bench", applicant__full_name__regex=r"^..$")
             .values_list("applicant__full_name", flat=True).distinct())
    name = min(names, key=lambda n: Case.objects.filter(search_text__contains=n).count())
    text = Case.objects.filter(search_text__contains=name + "在").values_list("search_text", flat=True).first()
    at = text.index(name + "在")
    return name, text[at:at + 4]


def test_rare_terms_are_read_off_the_bigram_index(generated):
    """A rare term of two characters (no whole trigram) and one of four are
    found through the bigram GIN index (cases.search_index) by their pairs,
    not by reading the cases in list order; the four characters only
    because the planner's sample of the texts does not hold them
    (search_form), while a common term of four is the text filter alone
    (the planner would multiply its pairs' frequencies, expect a few rows
    of thousands and read them all at random: search_q)."""
    from cases import selectors

    intake = generated["intake"]
    two, four = _rare_terms()
    assert len(two) == 2 and len(four) == 4
    assert case_search(user=intake, filters={"q": four}).exists()
    assert selectors.search_form(four) == "rare" and selectors.search_form("校舍改造") == "common"
    assert selectors.search_form("合成甲县教育局") == "common"
    assert "'rare'" in selectors.case_list_count_key(user=intake, filters={"q": four})
    common = {n.get("Index Name") for n in _nodes(_plan(case_search(user=intake, filters={"q": "校舍改造"})[:21]))}
    assert "case_search_bigram" not in common, common
    for text, indexes in ((two, {"case_search_bigram"}), (four, {"case_search_bigram"})):
        qs = case_search(user=intake, filters={"q": text})
        plan = _plan(qs[:21])
        scans = _scans_of_cases(plan)
        assert scans and all(s["Node Type"] != "Seq Scan" for s in scans), (text, scans)
        used = {n.get("Index Name") for n in _nodes(plan)}
        assert used & indexes, (text, used)
        found = list(qs.values_list("search_text", flat=True))
        assert found and all(text.upper() in t.upper() for t in found), text


def test_my_cases_read_each_branch_off_its_index(generated, client, django_assert_num_queries):
    """An applicant's own cases and those filed for him: the page is the
    union of each branch's page read off its own index in list order
    (core.pagination.keyset_union), never a scan of the case table; the
    pages are those of the plain OR, in order, forwards and back; the
    page's query count does not grow."""
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case
    from core.pagination import keyset_page

    applicant = (Case.objects.filter(jurisdiction__code__startswith="synthetic-bench").values("applicant")
                 .annotate(n=models.Count("id")).order_by("-n").first())
    user = User.objects.get(pk=applicant["applicant"])
    # Cases he filed for others (an applicant files a few of his own:
    # generate_cases), interleaved with his own.
    mine_by_other = list(Case.objects.filter(jurisdiction__code__startswith="synthetic-bench")
                         .exclude(applicant=user).order_by("id").values_list("pk", flat=True)[::150][:25])
    Case.objects.filter(pk__in=mine_by_other).update(created_by=user)
    expected = list(Case.objects.filter(Q(applicant=user) | Q(created_by=user)).order_by("-created_at", "-id")
                    .values_list("pk", flat=True))
    assert len(expected) > 25
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    got, cursor_, pages = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(case_search(user=user, queue="mine"), cursor=cursor_, page_size=10)
        pages.append(page)
        got += [c.pk for c in page]
        union = [q["sql"] for q in queries.captured_queries if "UNION" in q["sql"]]
        assert len(union) == 1
        plan = _explain_sql(union[0])
        scans = _scans_of_cases(plan)
        assert scans and all(s["Node Type"] != "Seq Scan" for s in scans), scans
        used = {n.get("Index Name") for n in _nodes(plan)}
        assert {"case_applicant_list_idx", "case_creator_list_idx"} <= used, used
        if not page.next_cursor:
            break
        cursor_ = page.next_cursor
    assert got == expected and page.count == len(expected)
    back = keyset_page(case_search(user=user, queue="mine"), cursor=pages[-1].previous_cursor, page_size=10)
    assert [c.pk for c in back] == [c.pk for c in pages[-2]]
    # A filter added after the union is honoured (the plain OR is read).
    open_ = keyset_page(case_search(user=user, queue="mine").exclude(stage="closed"), cursor=None, page_size=50)
    assert [c.pk for c in open_] == [pk for pk in expected if Case.objects.get(pk=pk).stage != "closed"][:50]
    client.force_login(user)
    client.get("/cases/mine/")
    with CaptureQueriesContext(connection) as first:
        client.get("/cases/mine/")
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(f"/cases/mine/?cursor={pages[0].next_cursor}").status_code == 200


def test_committee_queue_pages_by_keyset(generated, client, django_assert_num_queries):
    """The committee's queue page shows a page of its queue (not up to 200
    rows: rendering them was most of its time at scale), the next pages by
    keyset in the queue's order, each page in the same number of queries."""
    import re

    committee = generated["committee"]
    expected = [c.number or str(c.pk) for c in committee_queue(user=committee)]
    assert len(expected) > 20
    client.force_login(committee)
    client.get("/reviews/committee/")
    url, seen, counts = "/reviews/committee/", [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content.decode()
        counts.append(len(queries.captured_queries))
        rows = re.findall(r'<td><a href="/cases/\d+/">([^<]+)</a>', body)
        assert 0 < len(rows) <= 20
        seen += rows
        found = re.search(r'href="(\?cursor=[^"]+)" rel="next"', body)
        url = "/reviews/committee/" + found.group(1).replace("&amp;", "&") if found else None
    assert seen == expected
    assert len(set(counts)) == 1, counts


@pytest.mark.parametrize("which", ["rare", "王"])
def test_one_character_is_read_off_the_character_index(generated, which):
    """A one-character term (a surname) can be looked up in the GIN index of
    the text's characters (case_search_chars): the query's expression is
    the index's (an inlined SQL function would not match it), and the rows
    found are exactly those whose text holds the character. (On 4,000
    cases the planner rightly prefers reading the small table for the
    bounded count; at 100k it reads the index: 2,000 matches, 9 ms instead
    of 270 ms. So the index is asserted usable here, with sequential scans
    priced out.)"""
    from django.db import transaction

    from cases.models import Case

    intake = generated["intake"]
    if which == "rare":
        # The rarer character of a rare two-character name.
        char = min(_rare_terms()[0], key=lambda c: Case.objects.filter(search_text__contains=c).count())
    else:
        char = which
    qs = case_search(user=intake, filters={"q": char})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = _plan(qs.order_by()[:1001])
    used = {n.get("Index Name") for n in _nodes(plan)}
    assert "case_search_chars" in used, (char, used)
    exact = Case.objects.filter(search_text__icontains=char).filter(pk__in=case_search(user=intake).values("pk"))
    assert set(qs.values_list("pk", flat=True)) == set(exact.values_list("pk", flat=True)) != set()


def test_supervisor_queue_pages_across_both_parts(generated, client, django_assert_num_queries):
    """The supervisor's queue: the cases waiting for him (fewer than two
    active inspectors), then the others, each by due date, walked page by
    page with one cursor across both parts (core.pagination.keyset_parts_page),
    forwards and back, each page in the same number of queries and its
    rows read off each part's own index, never a scan of the case table."""
    import re

    from cases.models import Case

    supervisor = generated["supervisor"]
    # Every third case at verification with its two inspectors: the stored
    # count the assignment service keeps (tests/reviews cover the service).
    at_verification = list(Case.objects.filter(jurisdiction__code__startswith="synthetic-bench",
                                               stage="verification").order_by("id").values_list("pk", flat=True))
    # (generate_cases assigns three in four; the pages are walked here on
    # this proportion, as before it did.)
    Case.objects.filter(pk__in=at_verification).update(active_inspectors=0)
    Case.objects.filter(pk__in=at_verification[::3]).update(active_inspectors=2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    queue = list(supervisor_queue(user=supervisor))
    expected = ([c.number for c in queue if c.inspectors < 2] + [c.number for c in queue if c.inspectors >= 2])
    assert len(expected) > 40 and len(expected) == len(at_verification)
    client.force_login(supervisor)
    client.get("/reviews/supervisor/")
    url, seen, counts, pages = "/reviews/supervisor/", [], [], []
    indexes = set()
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content.decode()
        counts.append(len(queries.captured_queries))
        rows = re.findall(r'<td><a href="/cases/\d+/">([^<]+)</a>', body)
        assert 0 < len(rows) <= 20
        pages.append(rows)
        seen += rows
        # The page's one query of the cases (a UNION ALL while parts follow).
        read = [q["sql"] for q in queries.captured_queries if '"active_inspectors" <' in q["sql"]]
        assert len(read) == 1
        plan = _explain_sql(read[0])
        scans = _scans_of_cases(plan)
        assert scans and all(s["Node Type"] != "Seq Scan" for s in scans), scans
        # Forwards, the part after the cursor's is read too (from its
        # start) off its own index. (The waiting part, some fifty of the
        # 4,000 cases, the planner rightly reads off the stage index and
        # sorts, as _sorts_over_cases allows; at 100k, off case_to_assign_idx.)
        assert not _sorts_over_cases(plan)
        used = {n.get("Index Name") for n in _nodes(plan)}
        assert used & {"case_to_assign_idx", "case_assigned_idx", "cases_case_stage_bdc49bb8"}, used
        indexes |= used
        found = re.search(r'href="(\?cursor=[^"]+)" rel="next"', body)
        previous = re.search(r'href="(\?cursor=[^"]+)" rel="prev"', body)
        url = "/reviews/supervisor/" + found.group(1).replace("&amp;", "&") if found else None
    assert seen == expected
    assert len(set(counts)) == 1, counts
    # Each part off its own index or, a part of a few dozen rows, off the
    # stage index: since generate_cases assigns inspectors to every case it
    # accepts (closed ones too, as the services leave them), the planner
    # expects the assigned part larger than the fifty rows it is here and
    # may read it off either (both asserted page by page above).
    assert indexes & {"case_to_assign_idx", "case_assigned_idx"}, indexes
    # Back from the last page: the page before it.
    body = client.get("/reviews/supervisor/" + previous.group(1).replace("&amp;", "&")).content.decode()
    assert re.findall(r'<td><a href="/cases/\d+/">([^<]+)</a>', body) == pages[-2]
    # A cursor not made for this queue: the first page, not an error.
    assert client.get("/reviews/supervisor/?cursor=eyJ2IjpbOSwxLDJdLCJyIjowfQ").status_code == 200


def _page_and_count_plans(qs, *, seqscan: bool = True) -> list[dict]:
    """The plans of a list page of ``qs`` and of its bounded count, with
    parallel workers priced as free: the planner's view of a table large
    enough for them (from about 100k cases); without ``seqscan``, with
    sequential scans priced out (as at 100k, where 4,000 cases are read
    whole more cheaply)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size",
                        "min_parallel_index_scan_size"):
            cursor.execute(f"SET LOCAL {setting} = 0")
        if not seqscan:
            cursor.execute("SET LOCAL enable_seqscan = off")
        return [_plan(qs[:21]), _plan(qs.order_by()[:1001])]


def _parallel_over_cases(plan) -> list[dict]:
    return [n for n in _nodes(plan) if n["Node Type"].startswith("Gather") and _scans_of_cases(n)] + [
        s for s in _scans_of_cases(plan) if s.get("Parallel Aware")]


def test_one_character_never_walks_the_cases_in_parallel(generated):
    """王 (a common character): the page walks the list's index serially
    (case_chars is PARALLEL RESTRICTED, cases 0020) and the bounded count
    reads the character index (on 4,000 cases with sequential scans priced
    out, see test_one_character_is_read_off_the_character_index): the
    parallel walk the planner chose from about 100k cases cost its
    workers' start-up, 30-60 ms, more than the walk. Marked parallel safe
    again, the same plans turn parallel (what the test would miss)."""
    from django.db import transaction

    qs = case_search(user=generated["intake"], filters={"q": "王"})
    for plan in _page_and_count_plans(qs):
        # (Free workers may still scan the small user table in parallel.)
        assert not _parallel_over_cases(plan), plan
    page, count = _page_and_count_plans(qs, seqscan=False)
    for plan in (page, count):
        assert not _parallel_over_cases(plan), plan
        scans = _scans_of_cases(plan)
        assert scans and all(s["Node Type"] != "Seq Scan" for s in scans), scans
    # The list's index walked, or (generate_cases' frequency of 王 on a
    # small table) the character index and a sort of its few rows.
    assert {n.get("Index Name") for n in _nodes(page)} & {
        "case_list_idx", "cases_case_created_at_1f9faaa8", "case_search_chars"}
    assert "case_search_chars" in {n.get("Index Name") for n in _nodes(count)}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("ALTER FUNCTION case_chars(text) PARALLEL SAFE")
        page, _count = _page_and_count_plans(qs)
        assert _parallel_over_cases(page)
        transaction.set_rollback(True)


def test_a_character_without_statistics_is_read_off_the_character_index(generated):
    """A character the planner keeps no frequency of (cases.selectors.
    _search_stats: 琰 is in no generated text) is written so that the
    planner expects few rows (_TextHasRare) and reads the character index;
    at 1M cases it had expected 0.5 % of them and walked the list's index
    backwards through every case (3.4 s for 40 matches, now 3.5 ms). A
    character it has statistics of (王) keeps the form whose estimate is
    its frequency. The rows found are exactly those holding it."""
    from django.db import transaction

    from cases import selectors
    from cases.models import Case

    intake = generated["intake"]
    assert selectors.search_form("王") == "common"
    assert selectors.search_form("琰") == "rare"
    # The key of a list's kept SQL says which form it was compiled in.
    assert "'rare'" in selectors.case_list_count_key(user=intake, filters={"q": "琰"})
    assert "'common'" in selectors.case_list_count_key(user=intake, filters={"q": "王"})
    # Among the cases the intake officer sees (not the drafts), whose page
    # must hold them all below.
    ids = list(case_search(user=intake).order_by("?").values_list("pk", flat=True)[:7])
    Case.objects.filter(pk__in=ids).update(search_text=models.functions.Concat("search_text", models.Value("琰")))

    def rows(form):
        # The planner's row estimate of the character's test in ``form``, and its queryset.
        qs = Case.objects.filter(selectors._CharsContain(models.F("search_text"), models.Value("琰")),
                                 form(models.F("search_text"), models.Value("琰")))
        return _plan(qs)["Plan Rows"], qs

    rare, qs = rows(selectors._TextHasRare)
    common, _qs = rows(selectors._TextHas)
    # The same rows; on 4,000 cases the planner expects one row (its
    # least: 0.5 % of the default's 0.5 % is 0.1) against 7 (a third of
    # it), the estimate that made it walk the list at 1M.
    assert set(qs.values_list("pk", flat=True)) == set(ids)
    assert rare == 1 and common >= 5, (rare, common)
    # (On 4,000 cases the whole list's index is a few pages, and the
    # planner may rightly walk it for the page; the index is asserted
    # usable, as in test_one_character_is_read_off_the_character_index.)
    page = case_search(user=intake, filters={"q": "琰"})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = _plan(page.order_by()[:1001])
    assert "case_search_chars" in {n.get("Index Name") for n in _nodes(plan)}
    assert set(page.values_list("pk", flat=True)) == set(ids)
