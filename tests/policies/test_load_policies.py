"""``load_policies``: the shipped catalogues, their counts, idempotence,
and what it must never touch."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.services import org_unit_create
from policies.catalogue import CATALOGUE_DIR, catalogue_load
from policies.models import (
    STEP_SET_STAGES,
    Certainty,
    Jurisdiction,
    PolicyItem,
    PolicyVersion,
    StageTimeLimit,
    TimeLimitStage,
)

pytestmark = pytest.mark.django_db

K = PolicyItem.Kind


def _counts(code):
    version = PolicyVersion.objects.get(document__jurisdiction__code=code, number=1)
    counts = {}
    for kind, certainty in version.items.values_list("kind", "certainty"):
        counts.setdefault(kind, {}).setdefault(certainty, 0)
        counts[kind][certainty] += 1
    return version, {k: sum(v.values()) for k, v in counts.items()}, counts


def _snapshot():
    return {
        "jurisdictions": list(Jurisdiction.objects.order_by("pk").values()),
        "versions": list(PolicyVersion.objects.order_by("pk").values()),
        "items": list(PolicyItem.objects.order_by("pk").values()),
        "limits": list(StageTimeLimit.objects.order_by("pk").values()),
    }


class TestCatalogueCounts:
    def test_at_least_five_jurisdictions_published(self, catalogue):
        """Central, Huailai, Kunming, Jiangsu, Tongren and more are loaded,
        each with a published version."""
        codes = set(
            PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
            .values_list("document__jurisdiction__code", flat=True)
        )
        assert {"central", "huailai", "kunming", "jiangsu", "tongren"} <= codes
        assert len(codes) >= 5

    def test_kunming_14_positive_8_negative(self, catalogue):
        """Kunming: 14 positive and 8 negative items as the source states,
        marked as summaries (the original list was not available); six
        result uses, five correction steps."""
        _, totals, by_certainty = _counts("kunming")
        assert totals[K.POSITIVE] == 14
        assert totals[K.NEGATIVE] == 8
        assert by_certainty[K.POSITIVE] == {Certainty.RECONSTRUCTED: 14}
        assert by_certainty[K.NEGATIVE] == {Certainty.RECONSTRUCTED: 8}
        assert totals[K.RESULT_USE] == 6
        assert totals[K.CORRECTION_STEP] == 5
        assert by_certainty[K.CORRECTION_STEP] == {Certainty.VERBATIM: 5}

    def test_jiangsu_5_conditions_8_scenarios(self, catalogue):
        """Jiangsu: five conditions and eight scenarios."""
        _, totals, _ = _counts("jiangsu")
        assert totals[K.CONDITION] == 5
        assert totals[K.POSITIVE] == 8

    def test_tongren_9_scenarios(self, catalogue):
        """Tongren: nine scenarios; its conditions are quoted verbatim."""
        _, totals, by_certainty = _counts("tongren")
        assert totals[K.POSITIVE] == 9
        assert by_certainty[K.CONDITION] == {Certainty.VERBATIM: 3}

    def test_central_article_17_verbatim(self, catalogue):
        """The central base carries 问责条例 Art. 17 verbatim, the three
        distinctions and the six factors."""
        version, totals, by_certainty = _counts("central")
        assert totals[K.POSITIVE] == 4 and by_certainty[K.POSITIVE] == {Certainty.VERBATIM: 4}
        assert version.items.filter(kind=K.POSITIVE, number=2, text__contains="明确反对意见").exists()
        assert totals[K.DISTINCTION] == 3 and totals[K.FACTOR] == 6

    @pytest.mark.parametrize("code", ["huailai", "kunming", "jiangsu", "tongren", "shaanxi", "shijiazhuang", "xiamen"])
    def test_every_local_version_carries_the_common_blocks(self, db, code):
        """Every local version has the three distinctions and six factors
        (with their central source) and a time limit for every stage; every
        item and limit carries a source and a certainty."""
        catalogue_load(only=[code])
        version, totals, _ = _counts(code)
        assert totals[K.DISTINCTION] == 3 and totals[K.FACTOR] == 6
        assert "中央" in version.items.filter(kind=K.DISTINCTION).first().source
        assert set(version.time_limits.values_list("stage", flat=True)) == set(TimeLimitStage.values) - STEP_SET_STAGES
        assert not version.items.filter(source="").exists()
        assert not version.time_limits.filter(source="").exists()
        assert set(version.items.values_list("certainty", flat=True)) <= set(Certainty.values)
        assert totals[K.NEGATIVE] >= 3 and totals[K.CONDITION] >= 3

    @pytest.mark.parametrize("code", ["central", "huailai", "jiangsu", "tongren", "shaanxi", "shangzhou",
                                      "shijiazhuang", "xiamen"])
    def test_nothing_of_kunming_copied_into_another_version(self, catalogue, code):
        """Kunming's six result uses, five correction steps and the feedback
        rule of 昌宁 are not copied into other versions (issue 16): where the
        source says nothing, the kind is empty."""
        version = PolicyVersion.objects.get(document__jurisdiction__code=code, number=1)
        assert not version.items.filter(kind__in=[K.RESULT_USE, K.CORRECTION_STEP]).exists()
        for needle in ("昆明", "昌宁", "宜君"):
            assert not version.items.filter(source__contains=needle).exists(), needle
        assert version.procedure.get("correction", {}).get("mode", "") in ("unspecified", "four_forms")

    def test_reconstructed_items_of_the_four_seed_jurisdictions(self, catalogue):
        """Items of the four seed jurisdictions' lists drafted after
        comparable rules are marked so; those quoted stay verbatim."""
        lists = [K.CONDITION, K.POSITIVE, K.NEGATIVE]
        rows = PolicyItem.objects.filter(
            version__document__jurisdiction__code__in=["huailai", "kunming", "jiangsu", "tongren"], kind__in=lists)
        by = {c: rows.filter(certainty=c).count() for c in Certainty.values}
        assert by[Certainty.SUMMARY] == 0
        assert by[Certainty.VERBATIM] == 5  # Huailai's two scenarios, Tongren's three conditions
        assert by[Certainty.RECONSTRUCTED] == rows.count() - 5

    def test_time_limits_sourced_or_example_default(self, catalogue, kunming_latest):
        """Kunming's pre-filing review is the Songming rule (1 working day,
        verbatim); the other limits are example defaults."""
        pre = kunming_latest.time_limits.get(stage="prefiling_review")
        assert (pre.amount, pre.unit, pre.certainty) == (1, "working_day", Certainty.VERBATIM)
        assert "嵩明" in pre.source
        ver = kunming_latest.time_limits.get(stage="verification")
        assert (ver.amount, ver.extension_allowed, ver.certainty) == (30, True, Certainty.EXAMPLE_DEFAULT)
        assert kunming_latest.time_limits.get(stage="review_request").unit == "calendar_day"

    def test_prefixes(self, catalogue):
        """Jurisdiction codes and prefixes others rely on."""
        hl = Jurisdiction.objects.get(code="huailai")
        assert (hl.case_prefix, hl.letter_prefix, hl.issuing_body) == ("怀容", "怀纪容", "中共怀来县纪律检查委员会")
        assert Jurisdiction.objects.get(code="kunming").letter_prefix == "昆纪容"
        assert Jurisdiction.objects.get(code="jiangsu").case_prefix == "苏容"
        assert Jurisdiction.objects.get(code="tongren").case_prefix == "铜容"


class TestIdempotence:
    def test_second_run_changes_nothing(self, catalogue):
        """A second run reports nothing created or updated and leaves every
        row (including timestamps) as it was."""
        before = _snapshot()
        report = catalogue_load()
        assert report.changed is False
        assert report.conflicts == []
        assert _snapshot() == before

    def test_command_output(self, db):
        """The command says what it did, then that nothing changed."""
        out = StringIO()
        call_command("load_policies", stdout=out)
        assert "created   kunming-rongcuo v1" in out.getvalue()
        out = StringIO()
        call_command("load_policies", stdout=out)
        assert out.getvalue().strip().startswith("0 created, 0 updated")

    def test_org_unit_and_admin_edits_are_kept(self, catalogue):
        """An org unit linked by an admin and an edited prefix survive a
        reload."""
        unit = org_unit_create(name="昆明市", code="km", kind="jurisdiction")
        Jurisdiction.objects.filter(code="kunming").update(org_unit=unit, case_prefix="昆明容")
        catalogue_load()
        j = Jurisdiction.objects.get(code="kunming")
        assert j.org_unit_id == unit.pk
        assert j.case_prefix == "昆明容"

    def test_changed_file_never_mutates_a_published_version(self, catalogue, tmp_path):
        """If the file changes for an already-published version, the version
        is left as it was and the conflict is reported; a new version number
        in the file publishes a new version and closes the old one."""
        directory = Path(tmp_path) / "catalogues"
        shutil.copytree(CATALOGUE_DIR, directory)
        path = directory / "tongren.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("未造成重大损失}", "未造成重大损失（修订）}"),
                        encoding="utf-8")
        before = _snapshot()
        report = catalogue_load(directory=directory, only=["tongren"])
        assert report.created == [] and len(report.conflicts) == 1
        assert "published" in report.conflicts[0]
        assert _snapshot() == before

        text = path.read_text(encoding="utf-8")
        text = text.replace("      - number: 1\n        effective_from: 2017-01-01",
                            "      - number: 2\n        effective_from: 2024-01-01")
        path.write_text(text, encoding="utf-8")
        shutil.copy(CATALOGUE_DIR / "tongren.yaml", directory / "tongren_v1.yaml")
        # v1 stays as shipped (tongren_v1.yaml), v2 comes from the edited file.
        report = catalogue_load(directory=directory, only=["tongren"])
        assert report.conflicts == []
        v1, v2 = PolicyVersion.objects.filter(document__code="tongren-rongcuo").order_by("number")
        assert v2.is_published and v2.items.filter(text="未造成重大损失（修订）").exists()
        assert not v1.items.filter(text__contains="修订").exists()
        assert str(v1.effective_to) == "2023-12-31"
