"""PostgreSQL's ``case_bigrams`` (migrations cases 0012, 0017, 0021) gives, for every
text, the set of pairs that ``search_index.bigrams`` (the reference, and
SQLite's) gives: odd and even lengths, one character, none, line breaks,
Latin letters in either case."""

import pytest
from django.db import connection

from cases import search_index

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the PostgreSQL function"),
]

TEXTS = [
    "", "校", "校舍", "ab校舍", "ab校舍x", "怀容〔2025〕第0001号\n合成甲县教育局在校舍改造中先行先试的容错申请\n王芳",
    "synthetic-synthetic-bench-c0-a12-3\n2024年05月，李伟在乡村振兴工作中为推进进度容缺审批。", "aAbB\tc d\r\n",
    "王王王王", "𠀀𠀁字",
]


def _pg(text: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_bigrams(%s)", [text])
        return set(cursor.fetchone()[0])


@pytest.mark.parametrize("text", TEXTS)
def test_pg_bigrams_are_the_reference_pairs(db, text):
    assert _pg(text) == set(search_index.bigrams(text))
