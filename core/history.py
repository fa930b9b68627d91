"""Tamper-evident, append-only history (GB/T 22239-2019 level 3, 8.1.4.3
安全审计 c: audit records are protected against deletion, change and
overwriting).

Two mechanisms, each sufficient against a different attacker:

- the database refuses UPDATE and DELETE on every history table (triggers
  installed by migrations, see ``append_only_install``): an application bug
  or a stolen application account cannot rewrite history;
- every row carries the hash of the previous row of its owner (a case, a
  pre-filing, a publication, a policy version; the audit log is one chain)
  and its own, in SHA-256 and in SM3 (GB/T 32905-2016, the national hash a
  商用密码 review expects): somebody who can disable the triggers (a DBA)
  still cannot change or drop a row unseen; ``manage.py verify_history``
  reports the first broken link.

``chain_append`` is the one writer of chained rows: every event writer calls
it instead of ``Model.objects.create``.

The canonical form below is part of the stored data: changing it breaks
every existing chain. Change it only with a new algorithm tag.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterator

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

GENESIS = ""  # the "previous hash" of an owner's first row


def sm3_hexdigest(data: bytes) -> str:
    """SM3 (GB/T 32905-2016). OpenSSL's implementation when the Python build
    offers it (fast, for letters of several MB), else gmssl's; both give the
    standard's test vectors (tests/core/test_history.py)."""
    if "sm3" in hashlib.algorithms_available:
        return hashlib.new("sm3", data).hexdigest()
    return gmssl_sm3_hexdigest(data)


def gmssl_sm3_hexdigest(data: bytes) -> str:
    from gmssl import func, sm3

    return sm3.sm3_hash(func.bytes_to_list(data))


class Sm3Stream:
    """Incremental SM3 for files (letters): OpenSSL's when available, else
    the whole content is handed to gmssl at the end."""

    def __init__(self):
        self._h = hashlib.new("sm3") if "sm3" in hashlib.algorithms_available else None
        self._parts: list[bytes] = []

    def update(self, data: bytes) -> None:
        if self._h is not None:
            self._h.update(data)
        else:
            self._parts.append(data)

    def hexdigest(self) -> str:
        if self._h is not None:
            return self._h.hexdigest()
        return gmssl_sm3_hexdigest(b"".join(self._parts))


@dataclasses.dataclass(frozen=True)
class Chain:
    """How the rows of one table are chained: ``owner`` is the attname of the
    column whose rows form one chain ("" for one chain per table);
    ``fields`` are the hashed columns (attnames), ``created_at`` included.
    ``mutable`` are columns the trigger lets change (bookkeeping that is not
    history, e.g. when notifications were made)."""

    table: str
    model: str
    owner: str
    fields: tuple[str, ...]
    mutable: tuple[str, ...] = ()
    # Audit records may be deleted once older than this many days (the
    # purge); history tables never.
    purge_after_days: int | None = None
    # A purged chain's anchor: the newest row whose ``kind`` is this value
    # records the hashes of the last row removed (``ANCHOR_KEYS`` of its
    # data); the oldest row left must point at them (or at the genesis,
    # before any purge).
    anchor_kind: str = ""


# The data keys of an anchor row (``Chain.anchor_kind``).
ANCHOR_KEYS = ("last_removed_sha256", "last_removed_sm3")


CHAIN_FIELDS = ("prev_sha256", "sha256", "prev_sm3", "sm3")

# Frozen per table: a column added later is not hashed unless a new chain
# version says so.
CHAINS: dict[str, Chain] = {
    c.model: c
    for c in (
        Chain("cases_caseevent", "cases.CaseEvent", "case_id",
              ("case_id", "kind", "actor_id", "from_stage", "to_stage", "reason", "data", "created_at")),
        Chain("prefilings_prefilingevent", "prefilings.PreFilingEvent", "prefiling_id",
              ("prefiling_id", "kind", "actor_id", "from_status", "to_status", "reason", "data", "created_at"),
              mutable=("notified_at",)),
        Chain("publication_publicationlog", "publication.PublicationLog", "publication_id",
              ("publication_id", "action", "actor_id", "data", "created_at")),
        Chain("policies_policyauditentry", "policies.PolicyAuditEntry", "version_id",
              ("version_id", "action", "actor_id", "data", "created_at")),
        Chain("audit_auditrecord", "audit.AuditRecord", "",
              ("kind", "actor_id", "username", "ip", "target", "data", "created_at"),
              purge_after_days=180, anchor_kind="audit_purge"),
    )
}


def _value(v):
    if isinstance(v, dt.datetime):
        # One representation whatever the database gave back.
        return v.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (dict, list, tuple)):
        # As the JSON column stores it (string keys, lists).
        return json.loads(json.dumps(v))
    return v


def canonical(row: dict, fields: tuple[str, ...]) -> bytes:
    return json.dumps({f: _value(row[f]) for f in fields}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def link(prev_sha256: str, prev_sm3: str, payload: bytes) -> tuple[str, str]:
    """The row's own hashes: each algorithm chains its own previous hash."""
    return (hashlib.sha256(prev_sha256.encode() + b"\n" + payload).hexdigest(),
            sm3_hexdigest(prev_sm3.encode() + b"\n" + payload))


def _lock_owner(chain: Chain, model, owner_id) -> None:
    """Serialise appends to one chain (PostgreSQL; SQLite has one writer at
    a time). A chain with an owner row locks that row FOR NO KEY UPDATE:
    the writers that hold the owner's lock already (a case's services) take
    nothing new, and the others (a letter's worker) wait for it in the order
    their insert would have waited anyway, so no new lock order appears.
    Rows without an owner (the audit log) take an advisory lock."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if owner_id is not None:
            owner_table = model._meta.get_field(chain.owner.removesuffix("_id")).related_model._meta.db_table
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(owner_table)} WHERE id = %s "
                           "FOR NO KEY UPDATE", [owner_id])
        else:
            key = zlib.crc32(chain.table.encode()) & 0x7FFFFFFF
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [key])


@transaction.atomic
def chain_append(model: type[models.Model], **fields) -> models.Model:
    """Insert one history row, chained to the last row of its owner."""
    chain = CHAINS[model._meta.label]
    obj = model(**fields)
    if getattr(obj, "created_at", None) is None:
        obj.created_at = timezone.now()
    owner_id = getattr(obj, chain.owner) if chain.owner else None
    _lock_owner(chain, model, owner_id)
    qs = model._default_manager.all()
    if chain.owner:
        qs = qs.filter(**{chain.owner: owner_id})
    prev = qs.order_by("-pk").values_list("sha256", "sm3").first() or (GENESIS, GENESIS)
    obj.prev_sha256, obj.prev_sm3 = prev
    obj.sha256, obj.sm3 = link(*prev, canonical(obj.__dict__, chain.fields))
    obj.save(force_insert=True)
    return obj


@dataclasses.dataclass
class Break:
    table: str
    row_id: int
    owner_id: int | None
    problem: str

    def __str__(self):
        owner = f" (owner {self.owner_id})" if self.owner_id is not None else ""
        return f"{self.table} row {self.row_id}{owner}: {self.problem}"


def chain_rows(chain: Chain, model=None) -> Iterator[dict]:
    model = model or apps.get_model(chain.model)
    order = [chain.owner, "pk"] if chain.owner else ["pk"]
    cols = {"pk", *chain.fields, *CHAIN_FIELDS} | ({chain.owner} if chain.owner else set())
    yield from model._default_manager.order_by(*order).values(*cols).iterator(chunk_size=2000)


def chain_anchor(chain: Chain, model=None) -> tuple[str, str]:
    """Where a purged chain's oldest row must point: the last removed row's
    hashes, as the newest purge record states them; the genesis when none
    was ever purged. The purge record is itself a chained row, so neither
    it nor the hashes it states change unseen; removing it (the chain's
    head) leaves the oldest row pointing at an older purge's anchor."""
    if not chain.anchor_kind:
        return (GENESIS, GENESIS)
    model = model or apps.get_model(chain.model)
    data = (model._default_manager.filter(kind=chain.anchor_kind).order_by("-pk")
            .values_list("data", flat=True).first())
    if not data:
        return (GENESIS, GENESIS)
    return tuple(str(data.get(key, "")) for key in ANCHOR_KEYS)


def chain_verify(chain: Chain) -> Break | None:
    """The first broken link of the table, or None. A row is broken when its
    own hashes do not match its content (it was changed) or its previous
    hashes are not its predecessor's (a row before it was removed, changed or
    inserted). The audit log's oldest row points at the last row the newest
    purge removed (``chain_anchor``): rows removed by anything but the purge
    show there too."""
    owner = object()
    prev = anchor = chain_anchor(chain)
    first = True
    for row in chain_rows(chain):
        row_owner = row[chain.owner] if chain.owner else None
        if row_owner != owner:
            owner, prev, first = row_owner, anchor, True
        if (row["prev_sha256"], row["prev_sm3"]) != prev:
            purged = first and anchor != (GENESIS, GENESIS)
            return Break(chain.table, row["pk"], row_owner, "does not follow the last row the retention purge "
                         "removed" if purged else "does not follow the row before it")
        if (row["sha256"], row["sm3"]) != link(*prev, canonical(row, chain.fields)):
            return Break(chain.table, row["pk"], row_owner, "content does not match its hash")
        prev, first = (row["sha256"], row["sm3"]), False
    return None


def chain_backfill(chain: Chain, model) -> int:
    """Chain rows written before chaining existed (migrations; the triggers
    are installed after this). Returns the number of rows chained."""
    owner = object()
    prev = (GENESIS, GENESIS)
    n = 0
    for row in list(chain_rows(chain, model)):
        row_owner = row[chain.owner] if chain.owner else None
        if row_owner != owner:
            owner, prev = row_owner, (GENESIS, GENESIS)
        own = link(*prev, canonical(row, chain.fields))
        model._default_manager.filter(pk=row["pk"]).update(
            prev_sha256=prev[0], prev_sm3=prev[1], sha256=own[0], sm3=own[1])
        prev = own
        n += 1
    return n


# --- Triggers ----------------------------------------------------------------------

APPEND_ONLY_MESSAGE = "append-only table: %s refused on %s"

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION rongcuo_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    purge_days integer := NULLIF(TG_ARGV[0], '')::integer;
    mutable text[] := TG_ARGV[1:];
BEGIN
    IF TG_OP = 'DELETE' AND purge_days IS NOT NULL
       AND OLD.created_at < now() - make_interval(days => purge_days) THEN
        RETURN OLD;  -- the retention purge of audit records
    END IF;
    IF TG_OP = 'UPDATE' AND array_length(mutable, 1) > 0
       AND (to_jsonb(NEW) - mutable) = (to_jsonb(OLD) - mutable) THEN
        RETURN NEW;  -- bookkeeping columns only
    END IF;
    RAISE EXCEPTION 'append-only table: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
"""


def _pg_sql(chain: Chain) -> list[str]:
    args = ", ".join(f"'{a}'" for a in (str(chain.purge_after_days or ""), *chain.mutable))
    name = f"{chain.table}_append_only"
    return [
        _PG_FUNCTION,
        f"DROP TRIGGER IF EXISTS {name} ON {chain.table}",
        f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {chain.table} "
        f"FOR EACH ROW EXECUTE FUNCTION rongcuo_append_only({args})",
    ]


def _sqlite_sql(chain: Chain, columns: list[str]) -> list[str]:
    msg_u = APPEND_ONLY_MESSAGE % ("UPDATE", chain.table)
    msg_d = APPEND_ONLY_MESSAGE % ("DELETE", chain.table)
    # UPDATE OF: setting only the bookkeeping columns does not fire.
    of = ""
    if chain.mutable:
        of = " OF " + ", ".join(c for c in columns if c not in chain.mutable)
    when = ""
    if chain.purge_after_days:
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: compares as text.
        when = f" WHEN OLD.created_at >= datetime('now', '-{int(chain.purge_after_days)} days')"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {chain.table}_no_update BEFORE UPDATE{of} ON {chain.table} "
        f"BEGIN SELECT RAISE(ABORT, '{msg_u}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {chain.table}_no_delete BEFORE DELETE ON {chain.table}{when} "
        f"BEGIN SELECT RAISE(ABORT, '{msg_d}'); END",
    ]


def append_only_sql(chain: Chain, conn) -> list[str]:
    if conn.vendor == "postgresql":
        return _pg_sql(chain)
    if conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            columns = [c.name for c in conn.introspection.get_table_description(cursor, chain.table)]
        return _sqlite_sql(chain, columns)
    return []


def append_only_install(conn, tables: list[str] | None = None) -> None:
    """Create (or re-create) the triggers of the given tables, or of every
    chained table that exists. Idempotent."""
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cursor:
        for chain in CHAINS.values():
            if (tables is None or chain.table in tables) and chain.table in existing:
                for sql in append_only_sql(chain, conn):
                    cursor.execute(sql)


def append_only_migration(*tables: str):
    """A migration operation installing the triggers of ``tables``."""
    from django.db import migrations

    def forwards(apps_, schema_editor):
        append_only_install(schema_editor.connection, list(tables))

    def backwards(apps_, schema_editor):
        conn = schema_editor.connection
        with conn.cursor() as cursor:
            for table in tables:
                if conn.vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                elif conn.vendor == "sqlite":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")

    return migrations.RunPython(forwards, backwards)


def backfill_migration(model_label: str):
    """A migration operation chaining the rows already in a table."""
    from django.db import migrations

    def forwards(apps_, schema_editor):
        chain = CHAINS[model_label]
        chain_backfill(chain, apps_.get_model(model_label))

    return migrations.RunPython(forwards, migrations.RunPython.noop)
