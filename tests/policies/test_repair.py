"""Old databases keep Kunming's copies in their published versions (issue
16). A published version is never reworded, so the loader's repair path
(run by ``bootstrap`` through ``load_policies``) marks the copied items
(``copied_from``): they stay for the history that cites them and apply to
nothing from then on; a version loaded before procedure variants existed
gets its file's procedure. Tested on a database loaded from the catalogues
as they were (``legacy_catalogues/``)."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from cases.models import Stage
from policies.catalogue import (
    _stored_content,
    _version_fields,
    catalogue_load,
    desired_version_content,
    read_catalogues,
)
from policies.models import PolicyAuditEntry, PolicyItem, PolicyVersion
from policies.procedure import correction_mode
from reviews.models import Ruling, RulingUse
from tests.factories import make_case

pytestmark = pytest.mark.django_db

LEGACY = Path(__file__).resolve().parent / "legacy_catalogues"
K = PolicyItem.Kind


def _v1(code):
    return PolicyVersion.objects.exclude(document__code=f"{code}-doc").get(document__jurisdiction__code=code, number=1)


def test_repair_marks_the_copies_and_keeps_history(world):
    users = world["users"]
    catalogue_load(directory=LEGACY)
    tongren = _v1("tongren")
    # The old database: Kunming's lists in Tongren's published version.
    assert tongren.items.filter(kind=K.RESULT_USE).count() == 6
    assert tongren.items.filter(kind=K.CORRECTION_STEP).count() == 5
    assert tongren.procedure == {} and tongren.is_published
    # A case ruled under it cited one of the copied result uses.
    case = make_case(applicant=users["applicant"], stage=Stage.RULED, policy_version=tongren, outcome="mitigated")
    ruling = Ruling.objects.create(case=case, result="mitigated", mitigation="lighter", reasons="符合容错条件。",
                                   decided_on=timezone.localdate(), recorded_by=users["committee1"], is_current=True)
    copied = tongren.items.get(kind=K.RESULT_USE, title="干部提拔任用")
    RulingUse.objects.create(ruling=ruling, policy_item=copied, duration_months=12)
    words = {i.pk: (i.title, i.text) for i in PolicyItem.objects.filter(version=tongren)}

    report = catalogue_load()

    assert any("tongren-rongcuo v1: 14 items copied" in line for line in report.updated), report.updated
    tongren.refresh_from_db()
    assert tongren.is_published
    # Nothing of Kunming's is offered by Tongren's version any more ...
    assert not tongren.items.filter(kind__in=[K.RESULT_USE, K.CORRECTION_STEP, K.DISCLOSURE_SCOPE]).exists()
    # ... nothing was deleted or reworded ...
    kept = PolicyItem.all_objects.filter(version=tongren)
    assert {i.pk: (i.title, i.text) for i in kept} == words
    assert set(kept.exclude(copied_from="").values_list("kind", flat=True)) == {
        K.RESULT_USE, K.CORRECTION_STEP, K.DISCLOSURE_SCOPE}
    # ... and the ruling still shows the use it recorded, marked as copied.
    use = RulingUse.objects.select_related("policy_item").get(ruling=ruling)
    assert use.policy_item.title == "干部提拔任用" and "昆明" in use.policy_item.copied_from
    # Its procedure now says what its 办法 says: no correction steps.
    assert tongren.procedure["correction"]["mode"] == "unspecified" and correction_mode(tongren) == ""

    # Kunming keeps its own result uses and steps; 昌宁/宜君's texts are marked.
    kunming = _v1("kunming")
    assert kunming.items.filter(kind=K.RESULT_USE).count() == 6
    assert kunming.items.filter(kind=K.CORRECTION_STEP).count() == 5
    assert not kunming.items.filter(kind=K.DISCLOSURE_SCOPE).exists()
    assert correction_mode(kunming) == "five_steps"
    # Huailai keeps its own 澄清保护 under its old number; the rest is marked.
    huailai = _v1("huailai")
    assert list(huailai.items.filter(kind=K.DISCLOSURE_SCOPE).values_list("title", flat=True)) == ["澄清保护"]
    assert correction_mode(huailai) == "four_forms"
    entry = PolicyAuditEntry.objects.filter(version=tongren, action="version_repaired").get()
    assert len(entry.data["copied_items_marked"]) == 14 and entry.data["procedure_filled"]

    # Where the catalogue was corrected beyond the copies (Kunming's
    # result-use source and 防错 areas, Xiamen's scenario sources), the
    # corrections are new version numbers: created and published beside the
    # version first published, which is closed the day before.
    assert {"kunming-rongcuo v2", "xiamen-rongcuo v2"} <= {line.split(" (")[0] for line in report.created}
    assert report.conflicts == [], report.conflicts
    kunming_v2 = PolicyVersion.objects.get(document__code="kunming-rongcuo", number=2)
    assert kunming_v2.is_published and kunming_v2.items.filter(kind=K.PREVENTION_AREA).count() == 6
    assert not kunming.items.filter(kind=K.PREVENTION_AREA).exists()
    kunming.refresh_from_db()
    assert kunming.effective_to == kunming_v2.effective_from - dt.timedelta(days=1)

    # The repaired versions now say what their files say: a second run
    # changes nothing and reports no conflict.
    again = catalogue_load()
    assert again.updated == [] and again.created == [] and again.conflicts == []
    assert {"tongren-rongcuo v1", "huailai-rongcuo v1", "jiangsu-rongcuo v1", "kunming-rongcuo v1",
            "kunming-rongcuo v2", "xiamen-rongcuo v1", "xiamen-rongcuo v2"} <= set(again.unchanged)


def _state() -> dict:
    """What every stored version says (its own items, as every list and
    letter sees them), by document and number."""
    return {
        (v.document.code, v.number): (*_stored_content(v), v.status, v.effective_to)
        for v in PolicyVersion.objects.select_related("document")
    }


def _file_state() -> dict:
    """What a fresh load stores: each version of the files as they are,
    published, each closed the day before the next takes effect."""
    common, files = read_catalogues()
    state = {}
    for data in files:
        for doc in data.get("documents") or []:
            versions = sorted(doc.get("versions") or [], key=lambda v: int(v["number"]))
            for n, spec in enumerate(versions):
                fields = _version_fields(spec)
                items, limits = desired_version_content(spec, common)
                items = sorted(({k: v for k, v in i.items() if k != "contradicts"} for i in items),
                               key=lambda i: (i["kind"], i["number"]))
                later = versions[n + 1] if n + 1 < len(versions) else None
                end = _version_fields(later)["effective_from"] - dt.timedelta(days=1) if later else None
                state[(doc["code"], int(spec["number"]))] = (fields, items, limits, "published", end)
    return state


def _sorted(state: dict) -> dict:
    return {key: (f, sorted(i, key=lambda i: (i["kind"], i["number"])), lim, st, end)
            for key, (f, i, lim, st, end) in state.items()}


def test_repaired_and_fresh_databases_end_alike():
    """A database loaded from the pre-issue-16 catalogues and repaired by
    today's loader holds, version by version, what a fresh load of today's
    files holds: the same versions, items (the copies hidden), time limits,
    procedure, and periods in force; neither reports a conflict."""
    catalogue_load(directory=LEGACY)
    repaired = catalogue_load()
    assert repaired.conflicts == []
    assert _sorted(_state()) == _sorted(_file_state())


def test_fresh_database_holds_the_files():
    fresh = catalogue_load()
    assert fresh.conflicts == []
    assert _sorted(_state()) == _sorted(_file_state())
    assert not catalogue_load().changed
