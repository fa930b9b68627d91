"""Search (``?q=``) finds Chinese substrings of two characters or more, the
case number and the applicant's name, on PostgreSQL (bigram index,
cases.search_index) and on SQLite (make run: LIKE over the search text)."""

import pytest
from django.core.management import call_command

from accounts.models import User
from cases.models import Case
from cases.selectors import case_search

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_search_finds_substrings_numbers_and_names(db):
    call_command("generate_cases", count=80, counties=2, stdout=open("/dev/null", "w"))  # noqa: SIM115
    intake = User.objects.get(username="synthetic-intake")
    visible = case_search(user=intake)
    case = visible.exclude(number="").order_by("id").first()
    for text in (case.number, case.number[-6:], case.applicant.full_name, case.title[:2], case.title[-6:]):
        found = case_search(user=intake, filters={"q": text})
        assert found.filter(pk=case.pk).exists(), text
        assert all(text.upper() in c.search_text.upper() for c in found), text
    assert not case_search(user=intake, filters={"q": "不存在的内容"}).exists()
    # Only what he may see: an applicant finds his own cases only.
    applicant = case.applicant
    mine = case_search(user=applicant, filters={"q": case.title[:2]})
    assert set(mine.values_list("applicant_id", flat=True)) <= {applicant.pk}
    assert Case.objects.filter(search_text__contains=case.title[:2]).count() >= mine.count()


def test_bigram_index_follows_every_write(db):
    """The bigram index is kept by the database, whoever writes the search
    text (a service, generate_cases, a plain UPDATE, a DELETE): a term is
    found after it is written and not after it is gone. On SQLite the
    search reads the FTS5 table (cases.search_index)."""
    from django.db import connection

    from cases import search_index

    call_command("generate_cases", count=20, counties=1, stdout=open("/dev/null", "w"))  # noqa: SIM115
    intake = User.objects.get(username="synthetic-intake")
    case = case_search(user=intake).exclude(number="").order_by("id").first()
    assert not case_search(user=intake, filters={"q": "琰玥"}).exists()
    Case.objects.filter(pk=case.pk).update(search_text=case.search_text + "\n琰玥瑾瑜")
    for text in ("琰玥", "玥瑾", "琰玥瑾瑜", "瑾瑜"):
        assert list(case_search(user=intake, filters={"q": text}).values_list("pk", flat=True)) == [case.pk], text
    # Pairs of the term found apart are not the term.
    assert not case_search(user=intake, filters={"q": "瑾琰"}).exists()
    Case.objects.filter(pk=case.pk).update(search_text=case.search_text)
    assert not case_search(user=intake, filters={"q": "琰玥"}).exists()
    assert case_search(user=intake, filters={"q": case.title[:2]}).filter(pk=case.pk).exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {search_index.FTS_TABLE}")
            assert cursor.fetchone()[0] == Case.objects.count()
            sql, params = case_search(user=intake, filters={"q": "校舍"}).query.sql_with_params()
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "VIRTUAL TABLE INDEX" in plan and search_index.FTS_TABLE in plan, plan
    assert search_index.bigrams("ab校舍") == ["AB", "B校", "校舍"]
