"""Issue 16: the correction variant 四种形态分类处置 lists the four forms in
their current wording — 《中国共产党党内监督条例》第七条 and
《中国共产党纪律处分条例》（2023年修订）第五条, both of which read
"经常开展批评和自我批评、约谈函询，让“红红脸、出出汗”成为常态；党纪轻处分、
组织调整成为违纪处理的大多数；党纪重处分、重大职务调整的成为少数；严重违纪涉嫌
违法立案审查的成为极少数" — each with the handling the jurisdiction's own 办法
gives it (or, where it gives none, said so and marked), and the case page
cites those two articles for the wording."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags

from cases.models import Stage
from corrections import services
from corrections.models import Correction, FourForms
from policies.catalogue import catalogue_load
from policies.models import PolicyVersion
from policies.procedure import FOUR_FORMS, FOUR_FORMS_SOURCE, four_forms, procedure_validate
from reviews.models import Ruling
from tests.factories import make_case, make_policy_version

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
# Verbatim from both articles, their inner quotes the Chinese “ ” (U+201C, U+201D).
WORDING = {
    "first": "经常开展批评和自我批评、约谈函询，让\u201c红红脸、出出汗\u201d成为常态",
    "second": "党纪轻处分、组织调整成为违纪处理的大多数",
    "third": "党纪重处分、重大职务调整的成为少数",
    "fourth": "严重违纪涉嫌违法立案审查的成为极少数",
}
ORDINALS = {"first": "第一种形态", "second": "第二种形态", "third": "第三种形态", "fourth": "第四种形态"}
SOURCE = "《中国共产党党内监督条例》第七条；《中国共产党纪律处分条例》（2023年修订）第五条"
HANDLING = {
    "first": "由所在单位党组织进行谈话提醒，责令作出书面检查",
    "second": "依规给予党纪轻处分或者进行组织调整",
    "third": "依规给予党纪重处分或者作出重大职务调整",
    "fourth": "移送立案审查",
}
CONFIGURED = {"correction": {"mode": "four_forms", "source": "测试县办法第九条",
                             "forms": [{"form": k, "handling": v} for k, v in HANDLING.items()]}}


def test_the_wording_is_the_articles_own():
    assert dict(FOUR_FORMS) == WORDING and [k for k, _ in FOUR_FORMS] == list(WORDING)
    first = dict(FOUR_FORMS)["first"]
    assert "“红红脸、出出汗”" in first and '"' not in first and "‘" not in first and "「" not in first
    assert FOUR_FORMS_SOURCE == SOURCE
    # The form chosen on a correction is named by the same wording (its core phrase).
    with translation.override("zh-hans"):
        labels = {c.value: str(c.label) for c in FourForms if c.value}
    assert labels == {
        "first": "第一种形态：批评和自我批评、约谈函询",
        "second": "第二种形态：党纪轻处分、组织调整",
        "third": "第三种形态：党纪重处分、重大职务调整",
        "fourth": "第四种形态：严重违纪涉嫌违法立案审查",
    }
    for code, label in labels.items():
        ordinal, phrase = label.split("：")
        assert ordinal == ORDINALS[code] and phrase in WORDING[code], code


def test_a_configured_form_needs_its_handling_once():
    for bad in ([{"form": "fifth", "handling": "x"}], [{"form": "first", "handling": " "}],
                [{"form": "first", "handling": "a"}, {"form": "first", "handling": "b"}]):
        with pytest.raises(ValidationError):
            procedure_validate({"correction": {"mode": "four_forms", "source": "s", "forms": bad}})
    with pytest.raises(ValidationError):
        procedure_validate({"correction": {"mode": "five_steps", "source": "s", "forms": CONFIGURED["correction"]
                                           ["forms"]}})
    assert procedure_validate(CONFIGURED) == CONFIGURED


def _ruled(users, version):
    case = make_case(applicant=users["applicant"], stage=Stage.RULED, policy_version=version, outcome="mitigated")
    Ruling.objects.create(case=case, result="mitigated", mitigation="lighter", reasons="符合容错条件。",
                          needs_correction=True, decided_on=timezone.localdate(), recorded_by=users["committee1"],
                          is_current=True)
    return case


def _panel(client, case) -> str:
    body = client.get(reverse("cases:detail", args=[case.pk]), **ZH).content.decode()
    return body.split('id="corrections"')[1].split("</section>")[0]


def _forms_listed(panel: str) -> dict:
    listed = re.search(r"<ol class=\"four-forms\"[^>]*>(.*?)</ol>", panel, re.S).group(1)
    out = {}
    for code, item in re.findall(r'<li data-form="(\w+)">(.*?)</li>', listed, re.S):
        out[code] = re.sub(r"\s+", " ", strip_tags(item)).strip()
    return out


def test_configured_handling_is_listed_and_applied(world, client):
    users = world["users"]
    version = make_policy_version(org_unit=world["units"]["huailai"], code="huailai", name="怀来县", prefix="怀",
                                  procedure=CONFIGURED)
    assert [(f["form"], f["wording"], f["handling"]) for f in four_forms(version)] == [
        (k, WORDING[k], HANDLING[k]) for k in WORDING]
    case = _ruled(users, version)
    client.force_login(users["inspector1"])
    panel = _panel(client, case)
    assert _forms_listed(panel) == {k: f"{ORDINALS[k]}：{WORDING[k]} 处置方式：{HANDLING[k]}" for k in WORDING}
    assert f"各形态表述依据{SOURCE}。" in strip_tags(panel)

    # Choosing the second form without typing its handling applies the 办法's.
    services.correction_start(case=case, actor=users["supervisor"], decided_by="纪委常委会",
                              problems="采购程序未履行公开招标。", four_forms="second")
    correction = Correction.objects.get(case=case)
    assert (correction.four_forms, correction.four_forms_note) == ("second", HANDLING["second"])
    assert correction.status == Correction.Status.COMPLETED
    record = strip_tags(_panel(client, case))
    assert f"第二种形态：党纪轻处分、组织调整 — {HANDLING['second']}" in record


def test_huailai_names_no_handling_so_it_is_recorded_per_case(world, client):
    """怀来's 办法 says only 运用“四种形态”根据具体情形实行分类处置: the forms
    are listed in their wording, each handling said to be the case's, marked."""
    users = world["users"]
    catalogue_load(only=["huailai"])
    version = PolicyVersion.objects.exclude(document__code="huailai-doc").get(
        document__jurisdiction__code="huailai", number=1)
    case = _ruled(users, version)
    client.force_login(users["inspector1"])
    panel = _panel(client, case)
    none = "处置方式：参照同类规定拟定（待核定） 本办法未规定，按案件记录处置方式。"
    assert _forms_listed(panel) == {k: f"{ORDINALS[k]}：{WORDING[k]} {none}" for k in WORDING}
    assert f"各形态表述依据{SOURCE}。" in strip_tags(panel)
    with pytest.raises(ValidationError):  # nothing to apply: the handling must be typed
        services.correction_start(case=case, actor=users["supervisor"], decided_by="纪委常委会",
                                  problems="采购程序未履行公开招标。", four_forms="first")
    services.correction_start(case=case, actor=users["supervisor"], decided_by="纪委常委会",
                              problems="采购程序未履行公开招标。", four_forms="first",
                              four_forms_note="约谈提醒，责令作出书面检查")
    assert Correction.objects.get(case=case).four_forms_note == "约谈提醒，责令作出书面检查"
