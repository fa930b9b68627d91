"""Append-only, hash-chained history (core.history): the database refuses
UPDATE and DELETE on every history table, on PostgreSQL and SQLite, and
``verify_history`` finds a row changed behind the triggers' back."""

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_purge, audit_record
from cases.models import CaseEvent
from cases.services import case_event_record
from core.history import CHAINS, chain_append, chain_verify, gmssl_sm3_hexdigest, sm3_hexdigest
from policies.models import PolicyAuditEntry
from prefilings.models import PreFiling, PreFilingEvent
from publication.models import Publication, PublicationLog
from tests.conftest import ROOT
from tests.factories import make_case

pytestmark = pytest.mark.django_db

TABLES = [c.table for c in CHAINS.values()]
# How a superuser of the database gets past the triggers (replication mode
# skips ordinary triggers): what the hash chain is there to catch.
TRIGGERS_OFF = "SET LOCAL session_replication_role = replica"
TRIGGERS_ON = "SET LOCAL session_replication_role = origin"


def test_sm3_standard_vectors():
    """SM3 gives GB/T 32905-2016's two example digests, through OpenSSL and
    through gmssl alike."""
    vectors = {
        b"abc": "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        b"abcd" * 16: "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
    }
    for data, digest in vectors.items():
        assert sm3_hexdigest(data) == digest
        assert gmssl_sm3_hexdigest(data) == digest


@pytest.fixture
def one_of_each(users):
    """One row in every chained table, written by the writers."""
    case = make_case(applicant=users["applicant"], stage="submitted")
    event = case_event_record(case=case, kind="other", actor=users["intake"], reason="原因")
    case_event_record(case=case, kind="other", actor=users["intake"], reason="第二条")
    filing = PreFiling.objects.create(unit=users["applicant"].org_unit, filed_by=users["applicant"],
                                      jurisdiction=case.jurisdiction, policy_version=case.policy_version,
                                      title="报备")
    pf_event = chain_append(PreFilingEvent, prefiling=filing, kind="created", actor=users["applicant"])
    publication = Publication.objects.create(case=case, slug="p-1", jurisdiction=case.jurisdiction,
                                             title="公开", body="正文", created_by=users["admin"])
    log = chain_append(PublicationLog, publication=publication, action="drafted", actor=users["admin"])
    policy = chain_append(PolicyAuditEntry, action="calendar_changed", actor=users["admin"], data={"y": 2026})
    record = audit_record(kind="login", actor=users["applicant"])
    return {"cases_caseevent": event, "prefilings_prefilingevent": pf_event,
            "publication_publicationlog": log, "policies_policyauditentry": policy,
            "audit_auditrecord": record}


class TestAppendOnlyPostgres:
    @pytest.mark.parametrize("table", TABLES)
    def test_update_and_delete_are_refused(self, one_of_each, table):
        """A committed-looking UPDATE or DELETE in SQL fails and changes
        nothing."""
        row = one_of_each[table]
        for sql in (f"UPDATE {table} SET data = '{{\"x\": 1}}' WHERE id = %s",
                    f"DELETE FROM {table} WHERE id = %s"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, [row.pk])
        assert type(row).objects.filter(pk=row.pk, data=row.data).exists()

    def test_bookkeeping_column_may_change(self, one_of_each):
        """``notified_at`` of a pre-filing event is not history: it may be set."""
        event = one_of_each["prefilings_prefilingevent"]
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            PreFilingEvent.objects.filter(pk=event.pk).update(notified_at=None, reason="改")

    def test_deleting_a_case_is_refused_by_its_history(self, one_of_each):
        """History outlives nothing: a case with events cannot be deleted."""
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError):
            one_of_each["cases_caseevent"].case.delete()


class TestVerifyHistory:
    def test_untouched_history_verifies(self, one_of_each, capsys):
        call_command("verify_history")
        assert "BROKEN" not in capsys.readouterr().out

    def test_update_behind_the_triggers_back_is_found(self, one_of_each, users):
        """Somebody who can switch the trigger off (a DBA) changes an event:
        ``verify_history`` names the first broken link."""
        first = one_of_each["cases_caseevent"]
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS_OFF)
            cursor.execute("UPDATE cases_caseevent SET reason = 'TAMPERED' WHERE id = %s", [first.pk])
            cursor.execute(TRIGGERS_ON)
        broken = chain_verify(CHAINS["cases.CaseEvent"])
        assert (broken.row_id, broken.owner_id) == (first.pk, first.case_id)
        assert "content does not match" in broken.problem
        with pytest.raises(CommandError, match=f"cases_caseevent row {first.pk}"):
            call_command("verify_history")

    def test_deleted_event_is_found(self, one_of_each):
        """A row removed from the middle leaves its successor pointing at
        nothing."""
        first = one_of_each["cases_caseevent"]
        second = CaseEvent.objects.filter(case=first.case).exclude(pk=first.pk).get()
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS_OFF)
            cursor.execute("DELETE FROM cases_caseevent WHERE id = %s", [first.pk])
            cursor.execute(TRIGGERS_ON)
        broken = chain_verify(CHAINS["cases.CaseEvent"])
        assert broken.row_id == second.pk and "does not follow" in broken.problem

    def test_chain_links_each_event_to_the_one_before(self, one_of_each):
        first = one_of_each["cases_caseevent"]
        second = CaseEvent.objects.filter(case=first.case).exclude(pk=first.pk).get()
        assert first.prev_sha256 == "" and second.prev_sha256 == first.sha256
        assert second.prev_sm3 == first.sm3 and len(second.sm3) == 64


class TestAuditPurge:
    def test_only_old_records_are_purged(self, users):
        """The retention purge removes records older than the period and
        records itself; the database refuses to delete a younger one."""
        old = audit_record(kind="login", actor=users["applicant"])
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS_OFF)
            # The old record and everything before it (the demo set-up's).
            cursor.execute("UPDATE audit_auditrecord SET created_at = %s WHERE id <= %s",
                           [timezone.now() - dt.timedelta(days=200), old.pk])
            cursor.execute(TRIGGERS_ON)
        young = audit_record(kind="logout", actor=users["applicant"])
        n_old = AuditRecord.objects.filter(pk__lte=old.pk).count()
        assert audit_purge() == n_old
        assert not AuditRecord.objects.filter(pk__lte=old.pk).exists()
        assert AuditRecord.objects.filter(kind="audit_purge").get().data["removed"] == n_old
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditRecord.objects.filter(pk=young.pk).delete()
        assert audit_purge() == 0
        assert chain_verify(CHAINS["audit.AuditRecord"]) is None

    @staticmethod
    def _age(up_to_pk: int, days: int = 200) -> None:
        """Make every record up to ``up_to_pk`` ``days`` old (behind the
        triggers' back: their hashes break, and the purge removes them)."""
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS_OFF)
            cursor.execute("UPDATE audit_auditrecord SET created_at = %s WHERE id <= %s",
                           [timezone.now() - dt.timedelta(days=days), up_to_pk])
            cursor.execute(TRIGGERS_ON)

    def test_purged_chain_verifies_from_its_anchor(self, users, capsys):
        """After a purge, and after a second one that removes the first
        purge's own record, the log verifies: the oldest record left points
        at the last one removed, as the newest purge record states."""
        self._age(audit_record(kind="login", actor=users["applicant"]).pk)
        audit_record(kind="logout", actor=users["applicant"])
        assert audit_purge() > 0
        first_purge = AuditRecord.objects.get(kind="audit_purge")
        oldest = AuditRecord.objects.order_by("pk").first()
        assert (oldest.prev_sha256, oldest.prev_sm3) == (first_purge.data["last_removed_sha256"],
                                                         first_purge.data["last_removed_sm3"])
        call_command("verify_history")
        assert "BROKEN" not in capsys.readouterr().out
        # Time passes: the first purge's record is old in its turn.
        self._age(audit_record(kind="login", actor=users["applicant2"]).pk)
        kept = audit_record(kind="logout", actor=users["applicant2"])
        assert audit_purge() > 0
        assert AuditRecord.objects.filter(kind="audit_purge").get().pk > kept.pk
        assert AuditRecord.objects.order_by("pk").first().pk == kept.pk
        assert chain_verify(CHAINS["audit.AuditRecord"]) is None

    def test_records_removed_besides_the_purge_are_found(self, users):
        """Removing the oldest records left (triggers off), or those and the
        newest purge record, is a broken chain, not a purge."""
        self._age(audit_record(kind="login", actor=users["applicant"]).pk)
        young = [audit_record(kind="logout", actor=users["applicant"]) for _ in range(2)]
        audit_purge()
        purge = AuditRecord.objects.get(kind="audit_purge")
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS_OFF)
            cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [young[0].pk])
            cursor.execute(TRIGGERS_ON)
        broken = chain_verify(CHAINS["audit.AuditRecord"])
        assert broken.row_id == young[1].pk and "retention purge" in broken.problem
        with pytest.raises(CommandError, match=f"audit_auditrecord row {young[1].pk}"):
            call_command("verify_history")
        # Removing the purge record too (the chain's head): no anchor is
        # left, and the oldest record does not start the chain.
        with connection.cursor() as cursor:
            cursor.execute(TRIGGERS_OFF)
            cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [purge.pk])
            cursor.execute(TRIGGERS_ON)
        assert chain_verify(CHAINS["audit.AuditRecord"]).row_id == young[1].pk

    def test_retention_never_below_180_days(self, settings, users):
        """``AUDIT_RETENTION_DAYS`` below 180 counts as 180: a record of 179
        days stays; a longer setting keeps more."""
        settings.AUDIT_RETENTION_DAYS = 30
        self._age(audit_record(kind="login", actor=users["applicant"]).pk, days=179)
        assert audit_purge() == 0
        settings.AUDIT_RETENTION_DAYS = 365
        self._age(AuditRecord.objects.order_by("-pk").first().pk, days=200)
        assert audit_purge() == 0
        settings.AUDIT_RETENTION_DAYS = 180
        assert audit_purge() > 0


SQLITE_SCRIPT = textwrap.dedent("""
    import json, django
    django.setup()
    from django.core.management import call_command
    from django.db import connection, DatabaseError
    from core.history import CHAINS, chain_verify

    call_command("migrate", verbosity=0)
    # A database holding events from before the chain: the case is made with
    # today's models (the factories know no older schema), then cases goes
    # back to 0005, events are written the old way, and forward again.
    from accounts.demo import build_demo_org
    from tests.factories import make_policy_version, make_case
    world = build_demo_org()
    make_policy_version(org_unit=world["units"]["huailai"], code="huailai", name="怀来县", prefix="怀")
    case = make_case(applicant=world["users"]["applicant"], stage="submitted")
    call_command("migrate", "cases", "0005", verbosity=0)
    with connection.cursor() as c:
        for reason in ("旧一", "旧二"):
            c.execute("INSERT INTO cases_caseevent (case_id, kind, from_stage, to_stage, reason, data,"
                      " created_at) VALUES (%s, 'other', '', '', %s, '{}', '2026-01-05 08:00:00')",
                      [case.pk, reason])
    call_command("migrate", verbosity=0)
    from cases.services import case_event_record
    from prefilings.models import PreFiling, PreFilingEvent
    from publication.models import Publication, PublicationLog
    from policies.models import PolicyAuditEntry
    from audit.services import audit_record
    from core.history import chain_append
    u = world["users"]
    rows = {"cases_caseevent": case_event_record(case=case, kind="other", actor=u["intake"]).pk}
    f = PreFiling.objects.create(unit=u["applicant"].org_unit, filed_by=u["applicant"],
                                 jurisdiction=case.jurisdiction, policy_version=case.policy_version, title="x")
    rows["prefilings_prefilingevent"] = chain_append(PreFilingEvent, prefiling=f, kind="created").pk
    p = Publication.objects.create(case=case, slug="s", jurisdiction=case.jurisdiction, title="t", body="b",
                                   created_by=u["admin"])
    rows["publication_publicationlog"] = chain_append(PublicationLog, publication=p, action="drafted").pk
    rows["policies_policyauditentry"] = chain_append(PolicyAuditEntry, action="calendar_changed").pk
    rows["audit_auditrecord"] = audit_record(kind="login", actor=u["applicant"]).pk
    out = {"backfilled": list(case.events.order_by("pk").values_list("reason", "prev_sha256", "sha256")),
           "verify": [str(chain_verify(ch)) for ch in CHAINS.values()], "refused": {}}
    for table, pk in rows.items():
        for verb, sql in (("update", f"UPDATE {table} SET data = '{{}}' WHERE id = %s"),
                          ("delete", f"DELETE FROM {table} WHERE id = %s")):
            try:
                with connection.cursor() as c:
                    c.execute(sql, [pk])
                out["refused"][f"{table} {verb}"] = "accepted"
            except DatabaseError as exc:
                out["refused"][f"{table} {verb}"] = str(exc)
    print("RESULT " + json.dumps(out, ensure_ascii=False))
""")


@pytest.mark.django_db(transaction=False)
def test_sqlite_refuses_update_and_delete(tmp_path):
    """On an SQLite database (``make run``) migrated from one that already
    held events: old events are chained, and UPDATE and DELETE fail on every
    history table."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_VAR_DIR=str(tmp_path),
               REDIS_URL="", DJANGO_DEMO_MODE="1", PYTHONPATH=str(ROOT))
    env.pop("RONGCUO_TEST_RUN", None)
    proc = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("RESULT ", 1)[1])
    (r1, prev1, h1), (r2, prev2, h2), (_r3, prev3, _h3) = out["backfilled"]
    assert (r1, r2, prev1) == ("旧一", "旧二", "") and prev2 == h1 and prev3 == h2 and len(h1) == 64
    assert out["verify"] == ["None"] * len(CHAINS)
    assert len(out["refused"]) == 2 * len(CHAINS)
    for what, result in out["refused"].items():
        assert "append-only" in result, what
