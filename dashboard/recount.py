"""The full recount of the maintained figures as set-based SQL (PostgreSQL).

``selectors.case_figures`` computes a case's cells in Python: right for the
fold's few thousand cases, but a recount of a million cases that way took
about a quarter of an hour. Here the same cells are computed by the
database, a range of case ids at a time: one INSERT … SELECT writes each
case's cells into a temporary table, whence the stored contributions
(``CaseFigure``, one JSON list per case) and the running sums per cell.
``tests/dashboard/test_recount_sql.py`` holds both computations equal, case
by case.

The rules are those of ``case_figures`` and ``stage_seconds``, restated in
SQL (window functions instead of loops):

- a stay is a history event whose ``from_stage`` is the previous event's
  ``to_stage`` (events that change the stage, in (created_at, id) order);
- a clock is paused from a pause that follows no pause to the next resume
  (or until now); the paused intervals of a case's clocks are merged and
  taken out of each stay;
- times are whole microseconds and days to 0.1 are rounded half up in
  integers (``selectors.stay_tenths``), so that both sides agree exactly.
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.models import Case, CaseEvent
from deadlines.models import Clock, ClockEntry
from policies.models import PolicyItem
from reviews.models import Ruling

from .models import STAY, STAY_LEVELS, CaseFigure, FigureCell
from .selectors import DECIDED, REVOKED, TENTH_US, UNTIMED_STAGES, _decision_model


def _sql_list(values) -> str:
    # Fixed identifiers of our own (stage and outcome values), not input.
    return ", ".join(f"'{v}'" for v in sorted(values))


def _us(interval: str) -> str:
    """An interval as whole microseconds (EXTRACT is exact numeric)."""
    return f"(EXTRACT(EPOCH FROM {interval}) * 1000000)::bigint"


def cells_sql() -> str:
    """One row per cell of every non-draft case with ``%(lo)s <= id <=
    %(hi)s``: (case_id, jur, unit, year, kind, a, b, n, total). Parameters
    also ``tz`` (the local time zone) and ``now`` (the end of a pause still
    open). Every table is read by its case id range (stated on each: the
    planner, misjudging the joins, otherwise scans whole tables per batch)."""
    case, event = Case._meta.db_table, CaseEvent._meta.db_table
    clock, entry = Clock._meta.db_table, ClockEntry._meta.db_table
    ruling, item = Ruling._meta.db_table, PolicyItem._meta.db_table
    applied = Ruling.applied_items.through._meta.db_table
    claimed = Case.claimed_scenarios.through._meta.db_table
    decided, untimed = _sql_list(DECIDED), _sql_list(UNTIMED_STAGES)
    decision_model = _decision_model()
    decisions = f"""
  UNION ALL
  SELECT d.case_id, 'decision', COALESCE(NULLIF(r.result, ''), '{REVOKED}'), d.decision, 0.0::float8
  FROM {decision_model._meta.db_table} d LEFT JOIN {ruling} r ON r.id = d.ruling_id
  WHERE d.case_id BETWEEN %(lo)s AND %(hi)s
""" if decision_model is not None else ""
    return f"""
WITH c AS (
  SELECT id, jurisdiction_id AS jur, unit_id AS unit, stage, outcome, local,
         COALESCE(EXTRACT(YEAR FROM local)::int, 0) AS year
  FROM (SELECT *, submitted_at AT TIME ZONE %(tz)s AS local FROM {case}
        WHERE id BETWEEN %(lo)s AND %(hi)s AND stage <> 'draft') k
),
ev AS (
  SELECT e.id, e.case_id, e.from_stage, e.created_at,
         LAG(e.to_stage) OVER w AS prev_to, LAG(e.created_at) OVER w AS prev_at
  FROM {event} e JOIN c ON c.id = e.case_id
  WHERE e.case_id BETWEEN %(lo)s AND %(hi)s AND e.from_stage <> e.to_stage AND e.to_stage <> ''
  WINDOW w AS (PARTITION BY e.case_id ORDER BY e.created_at, e.id)
),
stay AS (
  SELECT id, case_id, from_stage AS stage, prev_at AS s, created_at AS e FROM ev
  WHERE prev_to = from_stage AND from_stage NOT IN ({untimed})
),
pe AS (
  SELECT k.case_id, x.clock_id, x.id, x.kind, x.created_at,
         LAG(x.kind) OVER (PARTITION BY x.clock_id ORDER BY x.created_at, x.id) AS prev
  FROM {entry} x JOIN {clock} k ON k.id = x.clock_id JOIN c ON c.id = k.case_id
  WHERE k.case_id BETWEEN %(lo)s AND %(hi)s AND x.kind IN ('pause', 'resume')
),
-- A clock is paused after a pause, running after a resume: a pause that
-- follows no pause opens an interval, a resume after a pause closes it.
edge AS (
  SELECT case_id, kind, created_at,
         LEAD(created_at) OVER (PARTITION BY clock_id ORDER BY created_at, id) AS next_at
  FROM pe WHERE (kind = 'pause' AND prev IS DISTINCT FROM 'pause') OR (kind = 'resume' AND prev = 'pause')
),
pause AS (
  SELECT case_id, created_at AS ps, COALESCE(next_at, %(now)s) AS pe FROM edge WHERE kind = 'pause'
),
-- The paused intervals of a case's clocks merged (gaps and islands).
island_start AS (
  SELECT case_id, ps, pe,
         CASE WHEN ps <= MAX(pe) OVER (PARTITION BY case_id ORDER BY ps, pe
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
              THEN 0 ELSE 1 END AS new
  FROM pause
),
island_no AS (
  SELECT case_id, ps, pe, SUM(new) OVER (PARTITION BY case_id ORDER BY ps, pe ROWS UNBOUNDED PRECEDING) AS g
  FROM island_start
),
island AS (SELECT case_id, MIN(ps) AS ps, MAX(pe) AS pe FROM island_no GROUP BY case_id, g),
-- The paused time of each stay that meets a pause (an inner join: most
-- stays meet none, and then GREATEST and LEAST would skip the NULLs).
overlap AS (
  SELECT s.id, SUM({_us('LEAST(s.e, i.pe) - GREATEST(s.s, i.ps)')}) AS us
  FROM stay s JOIN island i ON i.case_id = s.case_id AND i.ps < s.e AND i.pe > s.s
  GROUP BY s.id
),
spent AS (
  SELECT s.case_id, s.stage, SUM(GREATEST({_us('s.e - s.s')} - COALESCE(o.us, 0), 0))::bigint AS us
  FROM stay s LEFT JOIN overlap o ON o.id = s.id
  GROUP BY s.case_id, s.stage
),
ruled_item AS (
  SELECT DISTINCT ON (r.case_id) r.case_id, a.policyitem_id AS item
  FROM {ruling} r JOIN c ON c.id = r.case_id AND c.outcome IN ({decided})
  JOIN {applied} a ON a.ruling_id = r.id JOIN {item} p ON p.id = a.policyitem_id AND p.kind = 'positive'
  WHERE r.case_id BETWEEN %(lo)s AND %(hi)s AND r.is_current
  ORDER BY r.case_id, r.id DESC, p.number, p.id
),
claimed_item AS (
  SELECT DISTINCT ON (m.case_id) m.case_id, m.policyitem_id AS item
  FROM {claimed} m JOIN c ON c.id = m.case_id AND c.outcome IN ({decided})
  JOIN {item} p ON p.id = m.policyitem_id
  WHERE m.case_id BETWEEN %(lo)s AND %(hi)s
  ORDER BY m.case_id, p.number, p.id
),
cell AS (
  SELECT id AS case_id, 'case' AS kind, stage AS a, outcome AS b, 0.0::float8 AS total FROM c
  UNION ALL
  SELECT id, 'submitted', to_char(local, 'YYYY-MM'), '', 0.0::float8 FROM c WHERE local IS NOT NULL
  UNION ALL
  SELECT c.id, 'scenario', c.outcome, COALESCE(ri.item, ci.item)::text, 0.0::float8
  FROM c LEFT JOIN ruled_item ri ON ri.case_id = c.id LEFT JOIN claimed_item ci ON ci.case_id = c.id
  WHERE c.outcome IN ({decided}) AND COALESCE(ri.item, ci.item) IS NOT NULL
  UNION ALL
  SELECT r.case_id, 'ruled', to_char(r.decided_on, 'YYYY-MM'), '', 0.0::float8
  FROM {ruling} r WHERE r.case_id BETWEEN %(lo)s AND %(hi)s AND r.kind = '{Ruling.Kind.FIRST}'
  UNION ALL
  SELECT case_id, 'stay', stage, (t / 10)::text || '.' || mod(t, 10)::text, us::float8 / 1000000
  FROM (SELECT case_id, stage, us, (us + {TENTH_US // 2}) / {TENTH_US} AS t FROM spent) s
  {decisions}
)
SELECT cell.case_id, c.jur, c.unit, c.year, cell.kind, cell.a, cell.b, 1, cell.total
FROM cell JOIN c ON c.id = cell.case_id
"""


def _tenths(vendor: str) -> str:
    """A 0.1-day cell's key ("D.D") as tenths of a day, in SQL."""
    if vendor == "postgresql":
        return "(split_part(b, '.', 1)::bigint * 10 + split_part(b, '.', 2)::bigint)"
    return "(CAST(substr(b, 1, instr(b, '.') - 1) AS INTEGER) * 10 + CAST(substr(b, instr(b, '.') + 1) AS INTEGER))"


def sql_with_levels(source: str, keys: str, vendor: str = "postgresql") -> str:
    """The rows (keys…, kind, a, b, n, total) of ``source`` and, for each
    0.1-day stay among them, its coarse cells (models.STAY_LEVELS), as
    selectors.cells_with_levels adds them."""
    tenths = _tenths(vendor)
    levels = "".join(f"\n  UNION ALL SELECT {keys}, '{level}', a, CAST({tenths} / {per} AS TEXT), n, total "
                     f"FROM {source} WHERE kind = '{STAY}'" for level, per in STAY_LEVELS)
    return f"SELECT {keys}, kind, a, b, n, total FROM {source}{levels}"


def stay_levels_rebuild(conn) -> None:
    """The coarse time-per-stage cells made again from the 0.1-day ones
    (migration dashboard 0005: the cells of an existing database; one
    statement, whatever the number of cells)."""
    cell = FigureCell._meta.db_table
    coarse = ", ".join(f"'{level}'" for level, _per in STAY_LEVELS)
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {cell} WHERE kind IN ({coarse})")
        cursor.execute(f"""INSERT INTO {cell} (jurisdiction_id, year, kind, a, b, n, total)
            SELECT jurisdiction_id, year, kind, a, b, SUM(n), SUM(total)
            FROM ({sql_with_levels(f"(SELECT * FROM {cell} WHERE kind = '{STAY}') s", 'jurisdiction_id, year',
                                conn.vendor)}) x
            WHERE kind IN ({coarse}) GROUP BY jurisdiction_id, year, kind, a, b HAVING SUM(n) <> 0""")


def _execute(sql: str, params=None) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def recount_sql(*, repair: bool, batch: int, out=None) -> None:
    """Every non-draft case's cells, ``batch`` cases at a time, summed per
    cell into the temporary table ``recount_sum`` (jur, year, kind, a, b,
    n, total); with ``repair`` also written as the cases' stored
    contributions (the caller emptied them). Inside the caller's
    transaction (the tables go with it)."""
    # (Dropped first: inside an outer transaction, a test's, the last
    # recount's are still there.)
    _execute("DROP TABLE IF EXISTS recount_cell, recount_part, recount_sum")
    _execute("""CREATE TEMPORARY TABLE recount_cell (case_id bigint, jur bigint, unit bigint, year int, kind text,
                a text, b text, n bigint, total float8) ON COMMIT DROP""")
    _execute("""CREATE TEMPORARY TABLE recount_part (jur bigint, year int, kind text, a text, b text, n bigint,
                total float8) ON COMMIT DROP""")
    # Sorts and hashes of a batch in memory (the default 4 MB spills them).
    _execute("SET LOCAL work_mem = '64MB'")
    params = {"tz": settings.TIME_ZONE, "now": timezone.now()}
    select = cells_sql()
    last = 0
    while True:
        # The id range of the next ``batch`` non-draft cases: every query of
        # it is an index range scan, and its sorts stay small.
        ids = _execute(f"SELECT min(id), max(id) FROM (SELECT id FROM {Case._meta.db_table} WHERE id > %s "
                       "AND stage <> 'draft' ORDER BY id LIMIT %s) b", [last, batch])
        lo, hi = ids[0]
        if lo is None:
            break
        _execute("TRUNCATE recount_cell")
        _execute(f"INSERT INTO recount_cell {select}", {**params, "lo": lo, "hi": hi})
        if repair:
            # The JSON written as text and parsed once: jsonb_build_array
            # took twice as long. (kind, a and b are codes, months, ids and
            # day counts, never free text: nothing to escape.)
            _execute(f"""INSERT INTO {CaseFigure._meta.db_table} (case_id, jurisdiction_id, unit_id, year, cells)
                         SELECT case_id, jur, unit, year,
                                ('[' || string_agg('["' || kind || '","' || a || '","' || b || '",' || n || ','
                                                   || total || ']', ',') || ']')::jsonb
                         FROM recount_cell GROUP BY case_id, jur, unit, year ORDER BY case_id""")
        _execute(f"""INSERT INTO recount_part SELECT jur, year, kind, a, b, SUM(n), SUM(total)
                     FROM ({sql_with_levels('recount_cell', 'jur, year')}) x GROUP BY jur, year, kind, a, b""")
        last = hi
        if out:
            out(f"{last} ...")
    _execute("""CREATE TEMPORARY TABLE recount_sum ON COMMIT DROP AS
                SELECT jur, year, kind, a, b, SUM(n) AS n, SUM(total) AS total FROM recount_part
                GROUP BY jur, year, kind, a, b""")


def recount_differences() -> list[tuple[tuple, list, list]]:
    """The cells that differ from ``recount_sum``: (key, [n, total] of the
    cell, [n, total] of the recount), as ``services.figures_recount``
    compares them in Python."""
    cell = FigureCell._meta.db_table
    rows = _execute(f"""
SELECT COALESCE(f.jurisdiction_id, s.jur), COALESCE(f.year, s.year), COALESCE(f.kind, s.kind), COALESCE(f.a, s.a),
       COALESCE(f.b, s.b), COALESCE(f.n, 0), COALESCE(f.total, 0), COALESCE(s.n, 0), COALESCE(s.total, 0)
FROM {cell} f FULL JOIN recount_sum s
  ON s.jur = f.jurisdiction_id AND s.year = f.year AND s.kind = f.kind AND s.a = f.a AND s.b = f.b
WHERE COALESCE(f.n, 0) <> COALESCE(s.n, 0)
   OR abs(COALESCE(f.total, 0) - COALESCE(s.total, 0)) > 1e-3 * greatest(1.0, abs(COALESCE(s.total, 0)))""")
    return [((j, y, k, a, b), [hn, ht], [sn, st]) for j, y, k, a, b, hn, ht, sn, st in rows]


def recount_replace() -> None:
    """The cells made equal to ``recount_sum``: only those that differ
    (as recount_differences judges) are written, so that a repair of
    right figures writes nothing (and a rewrite of every cell would check
    each insert against the deleted rows of its key)."""
    cell = FigureCell._meta.db_table
    same_key = "s.jur = f.jurisdiction_id AND s.year = f.year AND s.kind = f.kind AND s.a = f.a AND s.b = f.b"
    _execute(f"DELETE FROM {cell} f WHERE NOT EXISTS (SELECT 1 FROM recount_sum s WHERE {same_key} AND s.n <> 0)")
    _execute(f"""UPDATE {cell} f SET n = s.n, total = s.total FROM recount_sum s
                 WHERE {same_key} AND (f.n <> s.n OR abs(f.total - s.total) > 1e-3 * greatest(1.0, abs(s.total)))""")
    _execute(f"""INSERT INTO {cell} (jurisdiction_id, year, kind, a, b, n, total)
                 SELECT jur, year, kind, a, b, n, total FROM recount_sum s
                 WHERE n <> 0 AND NOT EXISTS (SELECT 1 FROM {cell} f WHERE {same_key})
                 ORDER BY jur, year, kind, a, b""")
