"""generate_cases (issue 19's synthetic province): the rows it writes by
COPY are the ones the services would have written (numbers, search text,
chained history, clocks, rulings, letters, publications), in realistic
proportions, and a large load's index rebuild leaves the schema and the
triggers as they were."""

import io
import math
import os
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from cases.models import Case, CaseEvent, CaseNumberCounter
from dashboard.models import CaseFigure, FigureCell, FigureDirty
from dashboard.services import figures_recount
from deadlines.models import Clock
from letters.models import Letter, LetterNumberCounter
from publication.models import Publication, PublicationLog
from reviews.models import Ruling

pytestmark = pytest.mark.django_db

CLOCK_STAGES = {"unit_review", "submitted", "supplement", "verification", "defence", "deliberation", "ruled",
                "review", "correction"}
DECIDED = {"ruled", "review", "correction", "clarification"}


def _generate(count, **options):
    call_command("generate_cases", count=count, counties=3, stdout=io.StringIO(), **options)


def _check_rows():  # noqa: C901 - one walk over what the generator wrote
    cases = list(Case.objects.filter(jurisdiction__code__startswith="synthetic-bench")
                 .select_related("applicant", "unit"))
    n = len(cases)
    stages = Counter(c.stage for c in cases)
    # Three years of cases: most closed, the recent ones in every stage.
    assert 0.6 < stages["closed"] / n < 0.98, stages
    assert len(stages) >= (8 if n >= 500 else 5), stages
    events = {}
    for e in CaseEvent.objects.filter(case__in=cases).order_by("id"):
        events.setdefault(e.case_id, []).append(e)
    clocks = {c.case_id: c for c in Clock.objects.filter(case__in=cases)}
    rulings = {r.case_id: r for r in Ruling.objects.filter(case__in=cases)}
    letters = Counter()
    letter_cases = {}
    for letter in Letter.objects.filter(case__in=cases):
        letters[letter.kind] += 1
        letter_cases.setdefault(letter.case_id, set()).add(letter.kind)
        assert letter.status == Letter.Status.READY and letter.number.startswith(letter.number_body)
    publications = {p.case_id: p for p in Publication.objects.filter(case__in=cases)}
    for case in cases:
        history = events[case.pk]
        assert history[0].kind == "created" and history[0].prev_sha256 == ""
        kinds = [e.kind for e in history]
        # Numbered once filed, the number and the applicant in the search text.
        if case.stage not in ("draft", "unit_review"):
            assert case.number and case.number in case.search_text, case.pk
        assert case.applicant.full_name in case.search_text and case.title in case.search_text
        clock = clocks.get(case.pk)
        assert (clock is not None) == (case.stage in CLOCK_STAGES), (case.pk, case.stage)
        if clock is not None:
            assert clock.status == ("paused" if case.stage == "supplement" else "running")
            assert case.next_due == (None if case.is_paused else clock.due_date)
        decided = case.stage in DECIDED or "ruled" in kinds
        assert (case.pk in rulings) == decided, case.pk
        if decided:
            assert rulings[case.pk].result == case.outcome
        # A letter for each step that issues one, each in the history.
        assert kinds.count("letter_issued") == len(letter_cases.get(case.pk, ())), case.pk
        if "accepted" in kinds and case.origin != "proactive":
            assert "acceptance" in letter_cases[case.pk]
        if "ruled" in kinds:
            assert "ruling" in letter_cases[case.pk]
        publication = publications.get(case.pk)
        if publication is not None:
            assert case.stage == "closed" and case.outcome in ("exempt", "mitigated")
            assert publication.status == "published" and publication.ruling_id == rulings[case.pk].pk
            assert kinds[-1] == "publication_published"
            assert case.applicant.full_name not in publication.published_text
    # Letters and publications in the proportions of a system that has run
    # for years: an acceptance and a ruling letter for most cases, an
    # outcome published for about a third of the favourable closed ones.
    assert letters["acceptance"] > 0.5 * n and letters["ruling"] > 0.4 * n, letters
    assert letters["not_accepted"] > 0 and letters["supplement"] > 0, letters
    favourable = sum(1 for c in cases if c.stage == "closed" and c.outcome in ("exempt", "mitigated")
                     and c.pk in rulings)
    assert 0.15 < len(publications) / favourable < 0.45, (len(publications), favourable)
    assert PublicationLog.objects.filter(publication__case__in=cases).count() == 2 * len(publications)
    # The counters are past every number given, so the services go on from there.
    for counter in CaseNumberCounter.objects.filter(jurisdiction__code__startswith="synthetic-bench"):
        assert counter.last == max(c.number_seq for c in cases
                                   if c.jurisdiction_id == counter.jurisdiction_id and c.number_year == counter.year)
    for counter in LetterNumberCounter.objects.filter(year__isnull=False):
        seqs = list(Letter.objects.filter(number_body=counter.body, number_year=counter.year)
                    .values_list("number_seq", flat=True))
        if seqs:
            assert counter.last == max(seqs) == len(seqs)
    return n


def test_generated_cases_are_realistic_and_chained(db):
    _generate(600)
    assert _check_rows() == 600
    # Every history chain links, hashed as chain_append hashes.
    out = io.StringIO()
    call_command("verify_history", stdout=out)
    assert "BROKEN" not in out.getvalue()
    assert figures_recount(repair=False) == []
    # A second run adds to the first: numbers and letters go on.
    _generate(150, seed=8)
    assert _check_rows() == 750
    assert Letter.objects.values("number").distinct().count() == Letter.objects.count()


def _indexes():
    # (pg_get_indexdef prints a rebuilt partial index's predicate with other
    # casts: the same index, another text.)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexrelid::regclass::text, indrelid::regclass::text, indkey::text, indisunique, "
                       "am.amname, pg_get_expr(indexprs, indrelid), indpred IS NOT NULL "
                       "FROM pg_index JOIN pg_class c ON c.oid = indexrelid JOIN pg_am am ON am.oid = c.relam "
                       "WHERE indrelid::regclass::text LIKE ANY (ARRAY['cases_%', 'letters_%', 'publication_%', "
                       "'deadlines_clock', 'reviews_ruling'])")
        return set(cursor.fetchall())


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's index rebuild")
def test_rebuilt_indexes_and_triggers_come_back(db):
    """A large load (forced here on a few cases) drops the secondary
    indexes and turns the row triggers off: afterwards every index is back
    as it was, the history is still append-only, the figures the load
    wrote (each case's contribution, the cells; added to those there were
    by a second load) equal a recount and the search finds the new cases
    off its index."""
    before = _indexes()
    _generate(300, rebuild_indexes="yes")
    assert _indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    _check_rows()
    _generate(250, rebuild_indexes="yes", seed=8)
    assert not FigureDirty.objects.exists()

    def contributions():
        return {f.case_id: (f.jurisdiction_id, f.unit_id, f.year, sorted(map(tuple, f.cells)))
                for f in CaseFigure.objects.all()}

    written = contributions()
    assert len(written) == Case.objects.exclude(stage="draft").count() > 400
    kinds = Counter(cell[0] for _j, _u, _y, cells in written.values() for cell in cells)
    assert kinds["stay"] > len(written) and min(kinds[k] for k in ("case", "submitted", "scenario", "ruled")) > 0
    cells = FigureCell.objects.count()
    assert figures_recount(repair=False) == []
    # The recount writes the same contributions (the same floats) and cells.
    assert figures_recount() == []
    assert contributions() == written and FigureCell.objects.count() == cells
    event = CaseEvent.objects.order_by("-id").first()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(reason="changed")
    # Marks are written again for the writes that follow the load.
    case = Case.objects.exclude(stage="closed").order_by("id").first()
    Case.objects.filter(pk=case.pk).update(stage="closed")
    assert FigureDirty.objects.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's index rebuild")
@pytest.mark.django_db(transaction=True)
def test_indexes_rebuilt_on_their_own_connections_after_the_load():
    """Run outside a transaction (as from the shell), a large load commits
    its rows first and builds the dropped indexes on connections of their
    own, several at once: every index is back as it was, the rows are
    those of a load in one transaction, and the search reads its index."""
    before = _indexes()
    out = io.StringIO()
    call_command("generate_cases", count=300, counties=3, rebuild_indexes="yes", index_workers=2, stdout=out)
    assert "built again on 2 connections" in out.getvalue()
    # Two processes made the cases (each its counties'), this one COPYd:
    # the ids are still in the order of filing, one after another.
    assert "written by 2 generator processes" in out.getvalue()
    filed = list(Case.objects.order_by("id").values_list("id", "created_at", "jurisdiction_id"))
    assert [pk for pk, _at, _j in filed] == list(range(filed[0][0], filed[0][0] + 300))
    assert [at for _pk, at, _j in filed] == sorted(at for _pk, at, _j in filed)
    assert len({j for _pk, _at, j in filed[:60]}) == 3
    # The load wrote the figures; ANALYZE ran on a third connection while
    # the GIN indexes built.
    assert "phase indexes and analyze (at once)" in out.getvalue()
    assert _indexes() == before
    with connection.cursor() as cursor:
        # ANALYZE of the cases came after the GIN builds: the bigram
        # index's expression has its statistics, as after a plain load.
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'case_search_bigram'")
        assert cursor.fetchone()[0] == 1
    _check_rows()
    history = io.StringIO()
    call_command("verify_history", stdout=history)
    assert "BROKEN" not in history.getvalue()
    assert figures_recount(repair=False) == []
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM cases_case "
                       "WHERE (case_bigrams(search_text) COLLATE \"C\") @> case_bigrams('校舍')")
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "case_search_bigram" in plan, plan


def test_applicants_file_a_few_cases_each_at_any_count(db):
    """A cadre files a few cases over the years (issue 19: 20 applicants a
    unit gave the bench's applicant 2,149 cases at 1M): each load makes
    applicants in proportion to its count, about two cases each, so the
    applicant bench/scale.py signs in as (the newest case's) has a handful
    whether there are a thousand cases or a million."""
    from django.db.models import Count

    def per_applicant():
        rows = (Case.objects.filter(jurisdiction__code__startswith="synthetic-bench").values("applicant")
                .annotate(n=Count("id")).values_list("n", flat=True))
        return sorted(rows)

    _generate(400)
    small = per_applicant()
    _generate(1600, seed=9)
    large = per_applicant()
    for counts in (small, large):
        assert 1.5 <= sum(counts) / len(counts) <= 3.5, counts
        assert max(counts) <= 12, counts
    # Five times the cases, about five times the applicants.
    assert 3.5 < len(large) / len(small) < 6.5, (len(small), len(large))
    newest = Case.objects.filter(jurisdiction__code__startswith="synthetic-bench").order_by("-id").first()
    assert Case.objects.filter(applicant_id=newest.applicant_id).count() <= 12
    # Applicants hold the applicant role over their unit, as the services require.
    assert newest.applicant.org_unit_id == newest.unit_id
    assert newest.applicant.memberships.filter(role="applicant", org_unit=newest.unit).exists()
    assert not newest.applicant.has_usable_password()


def test_inspectors_assigned_as_the_services_leave_them(db):
    """Cases accepted for verification have their inspectors (issue 19: the
    supervisor's second part was empty): every accepted case two or three,
    a quarter of those at verification still waiting, a few after a
    recusal. The rows are those reviews.services leaves: the history's
    assigned / recusal_marked events replayed give each case's active
    inspectors; Case.active_inspectors is the count _active_inspectors_sync
    stores (and migration cases 0019 counts); an ended assignment carries
    the recusal's reason; then case_assign and recusal_mark, run on
    generated cases, keep the same count."""
    from accounts.models import User
    from accounts.selectors import user_has_role
    from reviews.models import Assignment, Recusal
    from reviews.selectors import SUPERVISOR_PARTS, inspector_must_recuse, supervisor_queue
    from reviews.services import case_assign, recusal_mark

    _generate(900)
    cases = {c.pk: c for c in Case.objects.filter(jurisdiction__code__startswith="synthetic-bench")
             .select_related("unit")}
    rows = {}
    for a in Assignment.objects.filter(case__in=cases.values()).order_by("id"):
        rows.setdefault(a.case_id, []).append(a)
    recusals = {(r.case_id, r.user_id): r for r in Recusal.objects.filter(case__in=cases.values())}
    replayed, seen_recusal = {}, 0
    for e in CaseEvent.objects.filter(case__in=cases.values(), kind__in=("assigned", "recusal_marked")).order_by("id"):
        active = replayed.setdefault(e.case_id, set())
        assert e.from_stage == e.to_stage == "verification"
        if e.kind == "assigned":
            assert set(e.data["inspectors"]) == active | set(e.data["added"]) and e.data["removed"] == []
            assert len(e.data["inspectors"]) >= 2 and len(e.data["names"]) == len(e.data["inspectors"])
            active |= set(e.data["added"])
        else:
            assert (e.case_id, e.data["user"]) in recusals and e.reason == recusals[(e.case_id, e.data["user"])].reason
            active.discard(e.data["user"])
            seen_recusal += 1
    inspectors = {u.pk: u for u in User.objects.filter(assignments__case__in=cases.values()).distinct()}
    at_verification = [c for c in cases.values() if c.stage == "verification"]
    for case in cases.values():
        mine = rows.get(case.pk, [])
        active = {a.inspector_id for a in mine if a.active}
        assert case.active_inspectors == len(active), case.pk  # what the services store
        assert active == replayed.get(case.pk, set()), case.pk
        accepted = case.accepted_at is not None
        if not accepted:
            assert not mine, case.pk
        elif case.stage != "verification":
            assert len(active) >= 2, (case.pk, case.stage)
        for a in mine:
            assert a.assigned_by.username == "synthetic-supervisor"
            assert user_has_role(inspectors[a.inspector_id], "inspector", case.unit)
            if a.active:
                assert inspector_must_recuse(case=case, user=inspectors[a.inspector_id]) is None
                assert a.created_at >= case.accepted_at
            else:
                assert (case.pk, a.inspector_id) in recusals and a.ended_reason == recusals[(case.pk, a.inspector_id)].reason
    waiting = [c for c in at_verification if c.active_inspectors < 2]
    # A quarter wait (and half of the 3% after a recusal): of the few cases
    # at verification (16 of 900), within four standard deviations of that.
    n, p = len(at_verification), 0.25 + 0.015
    assert 0 < len(waiting) and abs(len(waiting) - p * n) <= 4 * math.sqrt(n * p * (1 - p)), (len(waiting), n)
    assert seen_recusal > 0
    # The supervisor's queue has both parts.
    supervisor = User.objects.get(username="synthetic-supervisor")
    queue = supervisor_queue(user=supervisor)
    assert all(queue.filter(part).exists() for part in SUPERVISOR_PARTS)
    # The services go on from the generated rows and keep the same count.
    case = Case.objects.get(pk=next(c.pk for c in waiting if c.active_inspectors == 0))
    pool = [u for u in User.objects.filter(memberships__role="inspector", memberships__org_unit=case.jurisdiction)
            .order_by("id")[:2]]
    case_assign(case=case, actor=supervisor, inspectors=pool)
    case.refresh_from_db()
    assert case.active_inspectors == 2 == Assignment.objects.filter(case=case, active=True).count()
    assigned = Case.objects.get(pk=next(c.pk for c in at_verification if c.active_inspectors >= 2))
    gone = Assignment.objects.filter(case=assigned, active=True).first().inspector
    recusal_mark(case=assigned, actor=supervisor, user=gone, reason="同学关系")
    assigned.refresh_from_db()
    assert assigned.active_inspectors == Assignment.objects.filter(case=assigned, active=True).count()
    out = io.StringIO()
    call_command("verify_history", stdout=out)
    assert "BROKEN" not in out.getvalue()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's bigram function")
def test_bulk_bigrams_are_the_functions_pairs(db):
    """The bulk body generate_cases builds the bigram index and ANALYZE's
    sample with gives, for every generated text and the reference texts,
    the pairs case_bigrams gives; after a load the function is again the
    one search_index installs."""
    from cases.management.commands import generate_cases as gen
    from cases.search_index import PG_FUNCTION, bigrams

    assert gen._bulk_bigrams_usable()
    _generate(300, rebuild_indexes="yes")
    texts = list(Case.objects.values_list("search_text", flat=True)) + [
        "", "校", "校舍", "ab校舍x", "aAbB\tc d\r\n", "王王王王", "𠀀𠀁字"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'case_bigrams'")
        assert cursor.fetchone()[0].strip() in PG_FUNCTION
        cursor.execute("SELECT t, case_bigrams(t) FROM unnest(%s::text[]) t", [texts])
        expected = {t: set(pairs) for t, pairs in cursor.fetchall()}
        cursor.execute(gen._BIGRAMS_BULK)
        cursor.execute("SELECT t, case_bigrams(t) FROM unnest(%s::text[]) t", [texts])
        bulk = {t: set(pairs) for t, pairs in cursor.fetchall()}
        cursor.execute(PG_FUNCTION)
    assert bulk == expected
    assert all(expected[t] == set(bigrams(t)) for t in texts)


def test_county_groups_balance_the_cases_and_keep_a_letter_body_together():
    """The generator processes' shares: about the same expected number of
    cases each; counties whose letters share a body (the 13th county is
    named like the first, 合成甲县12, so its letters are 甲纪容's too) are
    in the same process, which alone advances that body's counter."""
    from cases.management.commands.generate_cases import _county_groups, _cum

    def counties(n):
        names = ["甲乙丙丁戊己庚辛壬癸子丑"[i % 12] + "纪容" for i in range(n)]
        listed, cum = _cum([({"letter_body": name}, 1 / (i + 1)) for i, name in enumerate(names)])
        return listed, cum

    listed, cum = counties(8)
    groups = _county_groups(listed, cum, 2)
    assert sorted(i for g in groups for i in g) == list(range(8)) and len(groups) == 2
    shares = [sum(1 / (i + 1) for i in g) for g in groups]
    assert max(shares) / min(shares) < 1.1, groups
    listed, cum = counties(13)
    groups = _county_groups(listed, cum, 2)
    assert any({0, 12} <= set(g) for g in groups), groups
    assert _county_groups(*counties(1), 2) == [[0]]
    assert len(_county_groups(*counties(8), 1)) == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's index rebuild")
@pytest.mark.parametrize("batch_size", [10000, 20])
def test_a_failed_split_load_keeps_nothing_and_leaves_no_process(db, batch_size):
    """A COPY that fails while the generator processes run (here: the
    events' sequence set back, so the reserved ids are taken) stops both
    processes and raises in words; the load's rows, counters and dropped
    indexes are as they were. (In one batch the COPY fails after the
    processes ended; in batches of 20, while they still send.)"""
    from django.core.management.base import CommandError

    _generate(300, rebuild_indexes="yes")
    before = (Case.objects.count(), CaseEvent.objects.count(), Letter.objects.count(),
              list(CaseNumberCounter.objects.order_by("pk").values_list("last", flat=True)), _indexes())
    with connection.cursor() as cursor:
        # (Sequences outlive the tests' rollbacks: back to this load's first.)
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases_caseevent', 'id'), "
                       "(SELECT min(id) FROM cases_caseevent))")
    with pytest.raises(CommandError, match="the load failed, nothing of it was kept") as failed:
        _generate(300, rebuild_indexes="yes", seed=9, batch_size=batch_size)
    assert "UniqueViolation" in str(failed.value) or "duplicate key" in str(failed.value)
    assert (Case.objects.count(), CaseEvent.objects.count(), Letter.objects.count(),
            list(CaseNumberCounter.objects.order_by("pk").values_list("last", flat=True)), _indexes()) == before
    with pytest.raises(ChildProcessError):  # every process reaped
        os.waitpid(-1, os.WNOHANG)
