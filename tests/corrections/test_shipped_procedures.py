"""Every shipped catalogue says how its errors are corrected (issue 16), and
a case under it is offered only that correction:

- 昆明市: its five steps (启动纠错、发送通知、谈话提醒、督促整改、完善制度);
- 怀来县: 运用“四种形态”分类处置 (the form and its handling, then done);
- the seven others, whose texts name no correction procedure: one record of
  what is corrected and how it is handled, marked 参照同类规定拟定（待核定）,
  none of Kunming's steps, no correction notice and no correction clock.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from cases.services import case_actions_for_user
from corrections import services
from corrections.models import Correction
from letters.models import LetterKind
from policies.catalogue import catalogue_load
from policies.models import PolicyVersion
from reviews.models import Ruling
from tests.factories import make_case

pytestmark = pytest.mark.django_db

FIVE_STEPS = {"send_correction_notice", "record_talk", "add_rectification_task", "submit_rectification_report",
              "accept_rectification", "return_rectification", "record_rule_change"}
EXPECTED = {
    "kunming": "five_steps", "huailai": "four_forms",
    **{code: "unspecified" for code in ("central", "jiangsu", "shaanxi", "shangzhou", "shijiazhuang", "tongren",
                                         "xiamen")},
}


def _ruled(users, version):
    """A ruled case of 张伟 (怀来县教育局) filed under ``version``."""
    case = make_case(applicant=users["applicant"], stage=Stage.RULED, policy_version=version, outcome="mitigated")
    Ruling.objects.create(case=case, result="mitigated", mitigation="lighter", reasons="符合容错条件。",
                          needs_correction=True, decided_on=timezone.localdate(), recorded_by=users["committee1"],
                          is_current=True)
    return case


def _offered(case, users) -> set[str]:
    case.refresh_from_db()
    out = set()
    for name in ("supervisor", "inspector1", "inspector2", "applicant", "intake", "committee1"):
        out |= set(case_actions_for_user(case=case, user=users[name]))
    return out


def test_every_shipped_version_sets_its_correction_procedure(db):
    catalogue_load()
    for code, mode in EXPECTED.items():
        version = PolicyVersion.objects.exclude(document__code=f"{code}-doc").get(document__jurisdiction__code=code, number=1)
        setting = version.procedure["correction"]
        assert setting["mode"] == mode, code
        assert setting["source"].strip(), code
        if mode == "unspecified":
            # Nothing invented: the source says the text names no procedure.
            assert "待核定" in setting["source"] and "昆明" not in setting["source"], code
    # Huailai's rule is quoted from its 办法; Kunming's five steps from its 纠错办法.
    hl = PolicyVersion.objects.exclude(document__code="huailai-doc").get(document__jurisdiction__code="huailai", number=1)
    assert "四种形态" in hl.procedure["correction"]["source"]


@pytest.mark.parametrize("code", list(EXPECTED))
def test_each_shipped_version_offers_only_its_own_correction(world, client, code):
    users = world["users"]
    catalogue_load(only=[code])
    version = PolicyVersion.objects.exclude(document__code=f"{code}-doc").get(document__jurisdiction__code=code, number=1)
    case = _ruled(users, version)
    mode = EXPECTED[code]
    start = {"case": case, "actor": users["supervisor"], "decided_by": "纪委常委会", "problems": "采购程序未履行公开招标。"}

    if mode == "five_steps":
        services.correction_start(**start)
        case.refresh_from_db()
        assert case.stage == Stage.CORRECTION
        assert "send_correction_notice" in _offered(case, users)
        assert case.clocks.filter(stage="correction").exists()
        return

    if mode == "four_forms":
        with pytest.raises(ValidationError) as exc:
            services.correction_start(**start)
        assert "four_forms" in exc.value.message_dict
        services.correction_start(**start, four_forms="first", four_forms_note="约谈提醒，责令作出书面检查")
        kind = "four_forms_handled"
    else:
        # No procedure in the 办法: the handling must be recorded, nothing more.
        with pytest.raises(ValidationError) as exc:
            services.correction_start(**start)
        assert "four_forms_note" in exc.value.message_dict
        services.correction_start(**start, four_forms_note="责令补办招标手续并作出说明")
        kind = "correction_handled"
    case.refresh_from_db()
    correction = Correction.objects.get(case=case)
    assert case.stage == Stage.CLARIFICATION and correction.status == Correction.Status.COMPLETED
    assert case.events.filter(kind=kind).exists()
    assert not (_offered(case, users) & FIVE_STEPS)
    error = services.state_error("send_correction_notice", case=case, correction=correction, clarification=None,
                                 tasks=[])
    assert error == (services.FOUR_FORMS_ONLY if mode == "four_forms" else services.NO_PROCEDURE)
    with pytest.raises(Exception):
        services.correction_notice_send(case=case, actor=users["inspector1"])
    # Nothing binding: no correction notice, no correction clock.
    assert not case.letters.filter(kind=LetterKind.CORRECTION_NOTICE).exists()
    assert not case.clocks.filter(stage="correction").exists()

    client.force_login(users["inspector1"])
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'data-correction-procedure="{mode}"' in body
    if mode == "unspecified":
        assert "参照同类规定拟定（待核定）" in body
    for label in ("发送通知", "谈话提醒", "完善制度"):
        assert label not in body.split('id="corrections"')[1].split("</section>")[0], label
