"""The project's URLs plus the bench's reference: ``/bench/bare-cases/``,
one SQL query for the rows of the case list API's first page (same rows,
same page size, keyset LIMIT n+1, no count) returned as ``json.dumps``, the
least a Django view can do for that page."""

import json

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

SQL = """
SELECT c.id, c.number, c.title, c.stage, c.outcome, c.origin, c.submitted_at, c.next_due, c.is_paused,
       a.id, a.full_name, u.id, u.name, c.created_at
FROM cases_case c
JOIN accounts_user a ON a.id = c.applicant_id
JOIN accounts_orgunit u ON u.id = c.unit_id
WHERE c.stage <> 'draft' AND c.unit_id IN (
    SELECT id FROM accounts_orgunit WHERE path LIKE (
        SELECT path || '%%' FROM accounts_orgunit WHERE code = 'synthetic-bench'))
ORDER BY c.created_at DESC, c.id DESC
LIMIT 21
"""


def bare_cases(request):
    # The synthetic province (generate_cases): what its staff see.
    with connection.cursor() as cursor:
        cursor.execute(SQL, [])
        rows = cursor.fetchall()
    results = [
        {"id": r[0], "number": r[1], "title": r[2], "stage": r[3], "outcome": r[4], "origin": r[5],
         "submitted_at": r[6].isoformat() if r[6] else None, "next_due": r[7].isoformat() if r[7] else None,
         "is_paused": r[8], "applicant": {"id": r[9], "full_name": r[10]}, "unit": {"id": r[11], "name": r[12]}}
        for r in rows[:20]
    ]
    return HttpResponse(json.dumps({"next": len(rows) > 20, "results": results}, ensure_ascii=False),
                        content_type="application/json")


urlpatterns = [
    path("bench/bare-cases/", bare_cases),
    path("", include("config.urls")),
]
