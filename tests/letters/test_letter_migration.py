"""Upgrading moves each pre-filing's registration letter (the former
``PreFilingLetter``) into ``letters.Letter`` with its number, snapshot, file
and status: no letter is lost."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("letters", "0001_initial"), ("prefilings", "0001_initial")]
AFTER = [("letters", "0003_move_prefiling_letters"), ("prefilings", "0002_letter_is_a_letter")]


def test_registration_letters_move_into_letters(world):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    PreFiling = old.get_model("prefilings", "PreFiling")
    PreFilingLetter = old.get_model("prefilings", "PreFilingLetter")
    users, units = world["users"], world["units"]
    filing = PreFiling.objects.create(
        title="学校营养餐供餐模式改革试点", unit_id=users["applicant"].org_unit_id, jurisdiction_id=units["huailai"].pk,
        filed_by_id=users["applicant"].pk, policy_version_id=world["policy"].pk, status="registered",
        number="怀容备〔2026〕第0001号",
    )
    PreFilingLetter.objects.create(
        prefiling_id=filing.pk, number="怀纪容〔2026〕7号", issued_on=dt.date(2026, 3, 2), status="ready",
        context={"title": "报备受理决定书"}, template_version="abc123", file="prefilings/1/letters/x.pdf",
        size=1234, sha256="f" * 64,
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    letter = new.get_model("letters", "Letter").objects.get(prefiling_id=filing.pk)
    assert (letter.kind, letter.number, letter.number_body, letter.number_year, letter.number_seq) == (
        "prefiling_registration", "怀纪容〔2026〕7号", "怀纪容", 2026, 7)
    assert (letter.status, letter.sha256, letter.file.name, letter.context["title"]) == (
        "ready", "f" * 64, "prefilings/1/letters/x.pdf", "报备受理决定书")
    assert letter.case_id is None

    # Back to the latest state for the rest of the suite.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
