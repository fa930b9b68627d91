"""The bigram index of the cases' search text (issue 19): Chinese has no
spaces, and a two-character term (校舍, 王芳) has no whole trigram, so a
trigram index (migration cases 0005; dropped by 0023) cannot find it. Every
pair of adjacent characters of ``UPPER(search_text)`` is an index entry
instead; a term of two characters or more is looked up by its own pairs,
and the plain ``icontains`` filter next to it keeps the result exact (pairs
found apart from each other are not the term).

- PostgreSQL: an immutable SQL function ``case_bigrams(text) -> text[]`` and
  a GIN index on ``case_bigrams(search_text)`` (migration cases 0012). The
  database computes it for every write, whoever makes it (the services,
  ``generate_cases``' COPY, the admin): nothing to keep in sync.
- SQLite (``make run``): an FTS5 table ``cases_case_fts`` (rowid = case id)
  of the pairs as words, kept by triggers on ``cases_case`` that call the
  Python function ``case_bigrams`` registered on every connection
  (cases.apps); installed by the migration and again after every migrate
  (SQLite drops a table's triggers when it rebuilds it for an ALTER).

Nothing here imports a model: cases.apps loads it before the models.
"""

BIGRAM_MIN = 2

# An SQL function the planner inlines: its row estimate for
# ``case_bigrams(search_text) @> case_bigrams(term)`` is what makes it pick
# the GIN index (cases 0017, and 0021 on why 0018's cheaper body is undone).
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION case_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(u, i, 2)), '{}')
    FROM (SELECT upper(t) AS u) s, generate_series(1, length(u) - 1) AS i
$$"""
# The index's keys compared bytewise (COLLATE "C", cases 0022): the
# database's default collation (C.UTF-8 here, not "C" to PostgreSQL 15)
# compares through strcoll, most of a GIN build's time; the same keys, the
# same matches (equality is bytewise either way). The search writes the
# same COLLATE on its side (cases.selectors), or the index does not match.
PG_INDEX = ('CREATE INDEX IF NOT EXISTS case_search_bigram ON cases_case USING gin '
            '((case_bigrams(search_text) COLLATE "C"))')

# A term of three characters or more is looked up by all its pairs in the
# same index (cases 0023 dropped the trigram index beside it). Whether the
# planner should read the index or walk the list's one it tells from the
# estimate of ``UPPER(search_text) LIKE``, which these statistics of the
# expression (PostgreSQL 14+) give it; cases.selectors.search_form reads
# their sample for the same purpose.
PG_TEXT_STATISTICS_NAME = "case_search_upper"
PG_TEXT_STATISTICS = (f"CREATE STATISTICS IF NOT EXISTS {PG_TEXT_STATISTICS_NAME} "
                      "ON (UPPER(search_text)) FROM cases_case")

# One character (a surname: 王, 李) has no pair either: on PostgreSQL the
# characters of the text (repeats kept, as case_bigrams since cases 0014:
# GIN stores a key once and @> tests containment; cheap on every write) are
# a GIN index of their own (migration
# cases 0016), whose per-character statistics give the planner a sound
# estimate (a common character walks the list's index, a rarer one reads
# the index), and a bounded count reads the matching rows only, not the
# table up to the thousandth match.
#
# PARALLEL RESTRICTED (cases 0020), though it is safe: a query filtering on
# it then never plans a parallel scan of the cases. The page of a common
# character walks the list's index until it has its rows (about the same
# rows at 1k and 1M cases); the planner chose to walk it in parallel from
# about 100k cases, and the workers' start-up (30-60 ms, more under load)
# cost more than the walk. Its count reads this index, serially anyway.
PG_CHARS_FUNCTION = """
CREATE OR REPLACE FUNCTION case_chars(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL RESTRICTED AS $$
BEGIN
    -- PL/pgSQL, not SQL: a one-line SQL function is inlined, and the
    -- planner then neither matches the index's expression nor uses its
    -- statistics.
    RETURN string_to_array(upper(t), NULL);
END
$$"""
PG_CHARS_INDEX_NAME = "case_search_chars"
PG_CHARS_INDEX = ('CREATE INDEX IF NOT EXISTS case_search_chars ON cases_case USING gin '
                  '((case_chars(search_text) COLLATE "C"))')

FTS_TABLE = "cases_case_fts"
SQLITE_TABLE = f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(bigrams, detail=none, tokenize='ascii')"
SQLITE_TRIGGERS = {
    "cases_case_fts_ins": (
        "AFTER INSERT ON cases_case BEGIN "
        f"INSERT INTO {FTS_TABLE} (rowid, bigrams) VALUES (NEW.id, case_bigrams(NEW.search_text)); END"),
    "cases_case_fts_upd": (
        "AFTER UPDATE OF search_text ON cases_case BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id; "
        f"INSERT INTO {FTS_TABLE} (rowid, bigrams) VALUES (NEW.id, case_bigrams(NEW.search_text)); END"),
    "cases_case_fts_del": f"AFTER DELETE ON cases_case BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id; END",
}


def bigrams(text: str) -> list[str]:
    """The distinct pairs of adjacent characters of ``text`` upper-cased, in
    order of first appearance."""
    u = text.upper()
    return list(dict.fromkeys(u[i:i + 2] for i in range(len(u) - 1)))


def _word(pair: str) -> str:
    # A pair as one ASCII word (FTS5's ascii tokenizer splits on anything
    # else, punctuation included): the two code points in hex, "x" between.
    return "x".join(f"{ord(c):x}" for c in pair)


def sqlite_words(text: str | None) -> str:
    """The FTS5 document of a search text (the SQLite function ``case_bigrams``)."""
    return " ".join(_word(p) for p in bigrams(text or ""))


def sqlite_match(text: str) -> str:
    """The FTS5 query for a term: every one of its pairs."""
    return " AND ".join(f'"{_word(p)}"' for p in bigrams(text))


def sqlite_register(connection) -> None:
    """Make ``case_bigrams`` callable on a new SQLite connection (the triggers)."""
    connection.connection.create_function("case_bigrams", 1, sqlite_words, deterministic=True)


def sqlite_install(schema_editor_or_conn, *, fill: bool = False) -> None:
    """The FTS5 table and its triggers (idempotent); with ``fill``, the
    table rebuilt from every case."""
    with schema_editor_or_conn.cursor() as cursor:
        cursor.execute(SQLITE_TABLE)
        for name, body in SQLITE_TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        if fill:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, bigrams) SELECT id, case_bigrams(search_text) "
                           "FROM cases_case")


def sqlite_triggers_present(conn) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cases_case_fts_%'")
        return cursor.fetchone()[0] == len(SQLITE_TRIGGERS)


def sqlite_uninstall(conn) -> None:
    with conn.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
