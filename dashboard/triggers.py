"""The triggers that mark a case whose dashboard figures may have moved
(dashboard.models.FigureDirty), installed by migration dashboard 0003 and,
on SQLite, again after every migrate (SQLite drops a table's triggers when
it rebuilds the table for an ALTER; PostgreSQL keeps them)."""


def _execute(conn, sql: str) -> None:
    with conn.cursor() as cursor:
        cursor.execute(sql)


# Every write that can move a dashboard figure marks its case (dashboard.
# models): the case row (stage, result, submission, unit), its history (time
# per stage), its claimed scenarios, its rulings and the items they relied on,
# and its clocks' pauses.
# (table, the case id of the row as ``{row}.…``, UPDATE OF columns or None
# for any update, or False for no UPDATE trigger).
MARKS = [
    ("cases_case", "{row}.id", "stage, outcome, submitted_at, unit_id, jurisdiction_id"),
    ("cases_caseevent", "{row}.case_id", False),
    ("cases_case_claimed_scenarios", "{row}.case_id", None),
    ("reviews_ruling", "{row}.case_id", None),
    ("reviews_ruling_applied_items", "(SELECT case_id FROM reviews_ruling WHERE id = {row}.ruling_id)", None),
    ("deadlines_clockentry", "(SELECT case_id FROM deadlines_clock WHERE id = {row}.clock_id)", None),
]


def _insert(expr: str, row: str) -> str:
    # A SELECT, so that a clock already deleted marks nothing.
    return (f"INSERT INTO dashboard_figuredirty (case_id) SELECT c FROM (SELECT {expr.format(row=row)} AS c) m "
            "WHERE c IS NOT NULL;")


def marks_install(conn) -> None:
    """Create (or re-create) the marking triggers. Idempotent."""
    vendor = conn.vendor
    existing = set(conn.introspection.table_names())
    for table, expr, update in MARKS:
        if table not in existing or (vendor == "sqlite" and expr.startswith("(")):
            # SQLite rebuilds tables for most ALTERs and checks every
            # trigger body on the way: a trigger reading another table
            # breaks that table's rebuild. Those two (a ruling's items, a
            # clock's pauses) come with a ruling row or a history event of
            # the case anyway.
            continue
        name = f"dashboard_mark_{table}"
        if vendor == "postgresql":
            _execute(conn, f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN {_insert(expr, 'OLD')}
    ELSE {_insert(expr, 'NEW')}
    END IF;
    RETURN NULL;
END
$$;""")
            ops = "INSERT OR DELETE" if update is False else (
                "INSERT OR UPDATE OR DELETE" if update is None else f"INSERT OR UPDATE OF {update} OR DELETE")
            _execute(conn, f"CREATE OR REPLACE TRIGGER {name} AFTER {ops} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        elif vendor == "sqlite":
            events = [("ins", "INSERT", "NEW"), ("del", "DELETE", "OLD")]
            if update is not False:
                events.append(("upd", "UPDATE" if update is None else f"UPDATE OF {update}", "NEW"))
            for suffix, event, row in events:
                _execute(conn, f"CREATE TRIGGER IF NOT EXISTS {name}_{suffix} AFTER {event} ON {table} "
                               f"FOR EACH ROW BEGIN {_insert(expr, row)} END")


def marks_uninstall(conn) -> None:
    vendor = conn.vendor
    for table, _expr, _update in MARKS:
        name = f"dashboard_mark_{table}"
        if vendor == "postgresql":
            _execute(conn, f"DROP TRIGGER IF EXISTS {name} ON {table}")
            _execute(conn, f"DROP FUNCTION IF EXISTS {name}()")
        elif vendor == "sqlite":
            for suffix in ("ins", "del", "upd"):
                _execute(conn, f"DROP TRIGGER IF EXISTS {name}_{suffix}")


