"""Procedure variants of the policy version (issue 16), read by the steps:
two jurisdictions with different 办法 run a case each through to closing,
and each is offered only its own steps.

- 怀来县 (as its 办法 reads): no unit review, errors corrected by the four
  forms (运用“四种形态”分类处置);
- 昆明市: unit review, Kunming's five correction steps, a written 初步认定意见
  告知书 before 申辩, a ruling made jointly with the 组织部门 (both sign),
  and a two-thirds majority.
"""

import datetime as dt

import pytest

from accounts.models import Membership, Role
from cases import services as case_services
from cases.models import Stage
from cases.services import case_actions_for_user
from corrections import services as corr
from corrections.models import Correction
from corrections.services import correction_next_actions
from letters.models import LetterKind
from letters.rendering import render_html
from reviews import services as rev
from tests.factories import UserFactory
from tests.reviews.conftest import fill_draft, to_defence, vote_all

pytestmark = pytest.mark.django_db

FIVE_STEPS = {"send_correction_notice", "record_talk", "add_rectification_task", "record_rule_change"}

HUAILAI = {
    "unit_review": {"required_for": [], "source": "《怀来县…办法》：相关单位或个人提出书面申请，之后进入核实阶段"},
    "correction": {"mode": "four_forms", "source": "《怀来县…办法》：运用“四种形态”根据具体情形实行分类处置"},
}
KUNMING = {
    "correction": {"mode": "five_steps", "source": "昆明市纠错办法：启动纠错、发送通知、谈话提醒、督促整改、完善制度"},
    "preliminary_notice": {"required": True, "source": "测试：告知初步认定意见"},
    "joint_ruling": {"with": "org_department", "body": "中共昆明市委组织部", "source": "测试：会同组织部门认定"},
    "majority": {"numerator": 2, "denominator": 3, "inclusive": True, "source": "测试：三分之二以上"},
}


def _kunming_users(world) -> dict:
    """Kunming's people, under the same keys as Huailai's."""
    units, base = world["units"], world["users"]

    def person(username, name, home, role, over):
        user = UserFactory(username=username, full_name=name, org_unit=units[home])
        Membership.objects.create(user=user, org_unit=units[over], role=role)
        return user

    users = {
        "applicant": base["km_applicant"], "intake": base["km_intake"], "inspector1": base["km_inspector"],
        "unit_reviewer": person("km_unit", "钱芳", "kunming-fgw", Role.UNIT_REVIEWER, "kunming-fgw"),
        "inspector2": person("km_insp2", "郑敏", "kunming-jw", Role.INSPECTOR, "kunming"),
        "supervisor": person("km_sup", "冯刚", "kunming-jw", Role.SUPERVISOR, "kunming"),
    }
    for i in (1, 2, 3):
        users[f"committee{i}"] = person(f"km_com{i}", f"委员{i}", "kunming-jw", Role.COMMITTEE, "kunming")
    return users


def _offered(case, users) -> set[str]:
    case.refresh_from_db()
    out = set()
    for user in users.values():
        out |= set(case_actions_for_user(case=case, user=user))
    return out


def _file(users):
    case = case_services.case_create(actor=users["applicant"], title="推进项目中的程序瑕疵申请容错")
    fill_draft(case, users["applicant"])
    case_services.case_submit(case=case, actor=users["applicant"])
    case.refresh_from_db()
    return case


def _rule(case, users):
    to_defence(case, users)
    rev.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
    vote_all(case, users, results=("mitigated",) * 3)
    uses = list(case.policy_version.items.filter(kind="result_use").order_by("number"))
    rev.case_rule(case=case, actor=users["committee1"], result="mitigated", reasons="符合容错条件。",
                  applied_items=list(case.policy_version.items.filter(kind="positive"))[:1],
                  uses=[{"item": uses[0], "duration_months": 6}], needs_correction=True, mitigation="lighter")
    case.refresh_from_db()
    return case


def _record(case):
    correction = Correction.objects.filter(case=case).first()
    tasks = list(correction.tasks.all()) if correction else []
    return correction_next_actions(case=case, correction=correction, clarification=None, tasks=tasks)


def test_two_jurisdictions_each_with_its_own_procedure(world):
    from policies.models import PolicyVersion

    PolicyVersion.objects.filter(pk=world["policy"].pk).update(procedure=HUAILAI)
    PolicyVersion.objects.filter(pk=world["km_policy"].pk).update(procedure=KUNMING)
    hl_users, km_users = world["users"], _kunming_users(world)

    # 怀来: no unit review — the application goes straight to intake.
    hl = _file(hl_users)
    assert hl.stage == Stage.SUBMITTED
    assert not hl.clocks.filter(stage="unit_review").exists()
    # 昆明: the unit's party organisation reviews first.
    km = _file(km_users)
    assert km.stage == Stage.UNIT_REVIEW and "unit_forward" in _offered(km, km_users)
    case_services.case_unit_forward(case=km, actor=km_users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="钱芳、李明", opinion="同意报送。")
    for case, users in ((hl, hl_users), (km, km_users)):
        case_services.case_accept(case=case, actor=users["intake"])
        case.refresh_from_db()
        _rule(case, users)
        assert case.stage == Stage.RULED
    # Kunming rules jointly: its letter waits for the 组织部门's countersign,
    # which only Kunming's 组织部门 is offered; Huailai's is issued at once.
    org = {"org_dept": world["users"]["org_dept"], "km_org_dept": world["users"]["km_org_dept"]}
    assert not km.letters.filter(kind=LetterKind.RULING).exists()
    assert set(case_actions_for_user(case=km, user=org["km_org_dept"])) >= {"countersign_ruling"}
    assert "countersign_ruling" not in _offered(km, km_users) | _offered(hl, {**hl_users, **org})
    rev.ruling_countersign(case=km, actor=org["km_org_dept"])
    km.refresh_from_db()
    assert "countersign_ruling" not in _offered(km, {**km_users, **org})

    # Only Kunming's 办法 asks for a written preliminary notice.
    assert km.letters.filter(kind=LetterKind.PRELIMINARY_NOTICE).exists()
    assert not hl.letters.filter(kind=LetterKind.PRELIMINARY_NOTICE).exists()
    notice = km.letters.get(kind=LetterKind.PRELIMINARY_NOTICE)
    assert "初步认定意见告知书" in render_html(LetterKind.PRELIMINARY_NOTICE, notice.context)
    # Kunming rules jointly: both bodies sign its 认定书; Huailai's alone.
    km_ruling = render_html(LetterKind.RULING, km.letters.get(kind=LetterKind.RULING).context)
    hl_ruling = render_html(LetterKind.RULING, hl.letters.get(kind=LetterKind.RULING).context)
    assert "中共昆明市纪律检查委员会" in km_ruling and "中共昆明市委组织部" in km_ruling
    assert "组织部" not in hl_ruling

    # Correction: Huailai classifies by the four forms and is done; the five
    # steps are never offered to it.
    with pytest.raises(Exception) as exc:
        corr.correction_start(case=hl, actor=hl_users["supervisor"], decided_by="县纪委常委会",
                              problems="采购程序未履行公开招标。")
    assert "四种形态" in str(exc.value) or "four forms" in str(exc.value)
    corr.correction_start(case=hl, actor=hl_users["supervisor"], decided_by="县纪委常委会",
                          problems="采购程序未履行公开招标。", four_forms="first",
                          four_forms_note="由县纪委约谈提醒，责令作出书面检查")
    hl.refresh_from_db()
    assert hl.stage == Stage.CLARIFICATION
    assert not (_offered(hl, hl_users) & FIVE_STEPS)
    with pytest.raises(Exception):
        corr.correction_notice_send(case=hl, actor=hl_users["inspector1"])

    # Kunming goes through its five steps, each offered in its turn.
    corr.correction_start(case=km, actor=km_users["supervisor"], decided_by="市纪委常委会",
                          problems="审批程序不完备。")
    km.refresh_from_db()
    assert "send_correction_notice" in _record(km) & _offered(km, km_users)
    corr.correction_notice_send(case=km, actor=km_users["inspector1"])
    corr.correction_talk_record(case=km, actor=km_users["inspector1"], talk_on=dt.date.today(),
                                participants="孔亮、赵喆", record="指出问题。", acknowledgement="认可。")
    task = corr.rectification_task_add(case=km, actor=km_users["inspector1"], description="补办审批手续")
    corr.rectification_report_submit(case=km, actor=km_users["applicant"], task_id=task.pk, text="已补办。")
    corr.rectification_accept(case=km, actor=km_users["inspector2"], task_id=task.pk, reason="整改到位")
    corr.correction_rule_change_record(case=km, actor=km_users["inspector1"], rule_change="修订审批办法。",
                                       document_title="昆发改发〔2026〕1号")
    km.refresh_from_db()
    assert km.stage == Stage.CLARIFICATION

    for case, users in ((hl, hl_users), (km, km_users)):
        corr.clarification_skip(case=case, actor=users["supervisor"], reason="无需澄清。")
        corr.correction_case_close(case=case, actor=users["inspector1"], reason="办结。")
        case.refresh_from_db()
        assert case.stage == Stage.CLOSED
    kinds_hl = list(hl.events.values_list("kind", flat=True))
    kinds_km = list(km.events.values_list("kind", flat=True))
    assert "four_forms_handled" in kinds_hl and "rule_change_recorded" not in kinds_hl
    assert "unit_forwarded" not in kinds_hl and "unit_forwarded" in kinds_km
    assert "rule_change_recorded" in kinds_km and "four_forms_handled" not in kinds_km


def _pdf_text(html: str, tmp_path) -> str:
    from letters.fonts import prepare_fonts
    from letters.rendering import render_pdf_from_html
    from tests.letters.conftest import pdf_text

    prepare_fonts()
    path = tmp_path / "letter.pdf"
    path.write_bytes(render_pdf_from_html(html))
    return pdf_text(path).replace("\n", "")


def test_joint_ruling_countersigned_by_the_org_dept(world, client, tmp_path):
    """Where the version rules jointly with the 组织部门, the ruling letter
    waits for the jurisdiction's 组织部门 to countersign (会签) — a step only
    it is offered, on the page and through the API — and then carries both
    signatures; where it does not, the step is never offered and the letter
    is signed by the commission alone."""
    from django.urls import reverse
    from rest_framework.test import APIClient

    from policies.models import PolicyVersion

    PolicyVersion.objects.filter(pk=world["policy"].pk).update(procedure=HUAILAI)
    PolicyVersion.objects.filter(pk=world["km_policy"].pk).update(procedure=KUNMING)
    base, km_users = world["users"], _kunming_users(world)
    km = _file(km_users)
    case_services.case_unit_forward(case=km, actor=km_users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="钱芳、李明", opinion="同意报送。")
    case_services.case_accept(case=km, actor=km_users["intake"])
    km.refresh_from_db()
    _rule(km, km_users)
    assert not km.letters.filter(kind=LetterKind.RULING).exists()

    # The page: the form shows for Kunming's 组织部门 only; Huailai's does
    # not see the case.
    page = reverse("reviews:case", args=[km.pk])
    client.force_login(base["km_org_dept"])
    assert 'data-action="countersign_ruling"' in client.get(page).content.decode()
    client.force_login(km_users["committee1"])
    assert 'data-action="countersign_ruling"' not in client.get(page).content.decode()
    client.force_login(base["org_dept"])
    assert client.get(page).status_code == 404
    assert client.post(reverse("reviews:action", args=[km.pk, "countersign_ruling"]), {}).status_code == 404

    # The API: another jurisdiction's 组织部门 does not see the case (404),
    # the committee and the applicant may not countersign (403).
    api = APIClient()
    url = f"/api/v1/cases/{km.pk}/countersign_ruling/"
    for user, status in ((base["org_dept"], 404), (km_users["committee1"], 403), (km_users["applicant"], 403)):
        api.force_authenticate(user)
        assert api.post(url, {}, format="json").status_code == status, user.username
    assert not km.letters.filter(kind=LetterKind.RULING).exists()
    api.force_authenticate(base["km_org_dept"])
    r = api.post(url, {"note": "同意。"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["step"]["name"] == "countersign_ruling"
    assert "countersign_ruling" not in r.json()["actions"]
    assert api.post(url, {}, format="json").status_code == 409
    event = km.events.get(kind="ruling_countersigned")
    assert event.actor_id == base["km_org_dept"].pk and event.data["body"] == "中共昆明市委组织部"
    letter = km.letters.get(kind=LetterKind.RULING)
    text = _pdf_text(render_html(LetterKind.RULING, letter.context), tmp_path)
    assert "中共昆明市纪律检查委员会" in text and "中共昆明市委组织部" in text and "会同中共昆明市委组织部" in text

    # Huailai does not rule jointly: its letter is issued at the ruling,
    # signed by the commission alone, and the step is never offered.
    hl = _file(base)
    case_services.case_accept(case=hl, actor=base["intake"])
    hl.refresh_from_db()
    _rule(hl, base)
    assert "countersign_ruling" not in _offered(hl, base)
    api.force_authenticate(base["org_dept"])
    assert api.post(f"/api/v1/cases/{hl.pk}/countersign_ruling/", {}, format="json").status_code == 409
    text = _pdf_text(render_html(LetterKind.RULING, hl.letters.get(kind=LetterKind.RULING).context), tmp_path)
    assert "组织部" not in text


def test_majority_from_the_version(world):
    """Two of three votes carry a ruling under "more than half"; under the
    version's "more than two thirds" they do not."""
    from policies.models import PolicyVersion

    users = world["users"]
    PolicyVersion.objects.filter(pk=world["policy"].pk).update(procedure={
        "majority": {"numerator": 2, "denominator": 3, "source": "测试：超过三分之二"}})
    case = _file(users)
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    case_services.case_accept(case=case, actor=users["intake"])
    case.refresh_from_db()
    to_defence(case, users)
    rev.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
    vote_all(case, users, results=("exempt", "exempt", "mitigated"))
    from core.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        rev.case_rule(case=case, actor=users["committee1"], result="exempt", reasons="符合容错条件。")
    assert exc.value.code == "no_majority"


def test_hearing_required_for_a_major_public_interest(world):
    """Where the 办法 requires a hearing for a matter of major public
    interest, a case the inspectors flag so cannot be deliberated before the
    hearing is recorded; an unflagged case can."""
    from core.exceptions import ApplicationError
    from policies.models import PolicyVersion
    from reviews.models import OptionalStep
    from tests.reviews.conftest import assess, pdf

    users = world["users"]
    PolicyVersion.objects.filter(pk=world["policy"].pk).update(procedure={
        "hearing": {"required_when": "major_public_interest", "source": "测试：涉及重大公共利益的，应当听证"}})
    for flagged in (True, False):
        case = _file(users)
        case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                        participants="王芳、李明", opinion="同意报送。")
        case_services.case_accept(case=case, actor=users["intake"])
        case.refresh_from_db()
        rev.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
        assess(case, users["inspector1"])
        rev.case_preliminary_report(case=case, actor=users["inspector2"], recommended_result="exempt",
                                    summary="符合容错条件。", major_public_interest=flagged)
        rev.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
        members = [users[m] for m in ("committee1", "committee2", "committee3")]
        if flagged:
            with pytest.raises(ApplicationError) as exc:
                rev.meeting_record(case=case, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                   members_present=members)
            assert exc.value.code == "hearing_required"
            rev.optional_step_record(case=case, actor=users["inspector1"], kind=OptionalStep.Kind.HEARING,
                                     held_on=dt.date(2026, 1, 7), body="县纪委", conclusion="听证意见支持容错。",
                                     file=pdf("听证笔录.pdf"))
        rev.meeting_record(case=case, actor=users["committee1"], held_on=dt.date(2026, 1, 8), members_present=members)


def test_unit_name_hidden_as_the_version_says(world):
    """The version's disclosure rule decides whether a published outcome
    hides the unit's name; the words of a disclosure item count only where
    the version states no rule."""
    from policies.models import PolicyVersion
    from publication.services import policy_hides_unit

    version = world["policy"]
    assert policy_hides_unit(version) is False
    PolicyVersion.objects.filter(pk=version.pk).update(
        procedure={"disclosure": {"hide_unit": True, "source": "测试：公开时隐去单位名称"}})
    version.refresh_from_db()
    assert policy_hides_unit(version) is True


def test_lighter_and_reduced_kept_apart(world):
    """A mitigated ruling says 从轻 or 减轻, and its letter prints which;
    another result cannot carry either."""
    from django.core.exceptions import ValidationError


    users = world["users"]
    case = _file(users)
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    case_services.case_accept(case=case, actor=users["intake"])
    case.refresh_from_db()
    to_defence(case, users)
    rev.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
    vote_all(case, users, results=("mitigated",) * 3)
    with pytest.raises(ValidationError):
        rev.case_rule(case=case, actor=users["committee1"], result="mitigated", reasons="从轻。", mitigation="maybe")
    # The service itself refuses a mitigated ruling that does not say which.
    with pytest.raises(ValidationError) as exc:
        rev.case_rule(case=case, actor=users["committee1"], result="mitigated", reasons="从轻。")
    assert "mitigation" in exc.value.message_dict
    # So does the API: 422, the field named, the message in Chinese or English.
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(users["committee1"])
    url = f"/api/v1/cases/{case.pk}/rule/"
    for lang, words in (("zh-hans", "从轻"), ("en", "must say whether")):
        r = client.post(url, {"result": "mitigated", "reasons": "情节轻微。"}, format="json", HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code == 422, r.content
        assert words in " ".join(r.json()["fields"]["mitigation"])
    assert not case.rulings.exists()
    r = client.post(url, {"result": "mitigated", "mitigation": "reduced", "reasons": "情节轻微。"}, format="json")
    assert r.status_code == 200, r.content
    ruling = case.rulings.get(is_current=True)
    assert ruling.mitigation == "reduced"
    text = render_html(LetterKind.RULING, case.letters.get(kind=LetterKind.RULING).context)
    assert "予以容错、减轻处理" in text and "从轻或者减轻" not in text


def test_filing_and_record_are_two_records(world):
    """报备 to the higher level and 备案 at the same level are two records of
    the ruling, each with its document and event, each once."""
    from core.exceptions import ApplicationError
    from reviews.models import Notice
    from tests.reviews.conftest import pdf

    users = world["users"]
    case = _file(users)
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    case_services.case_accept(case=case, actor=users["intake"])
    case.refresh_from_db()
    _rule(case, users)
    assert {"file_report", "record_same_level"} <= _offered(case, users)
    rev.notice_record(case=case, actor=users["supervisor"], kind="filing", recipients="张家口市纪委监委",
                      file=pdf("报备函.pdf"))
    rev.notice_record(case=case, actor=users["supervisor"], kind="record", recipients="中共怀来县委",
                      file=pdf("备案函.pdf"))
    notices = {n.kind: n for n in Notice.objects.filter(case=case)}
    assert notices["filing"].document.original_name == "报备函.pdf"
    assert notices["record"].document.original_name == "备案函.pdf"
    kinds = list(case.events.values_list("kind", flat=True))
    assert "filed" in kinds and "recorded_same_level" in kinds
    with pytest.raises(ApplicationError):
        rev.notice_record(case=case, actor=users["supervisor"], kind="record", recipients="中共怀来县委")


def test_unit_review_by_origin_as_the_version_says():
    """Which origins go through the unit's party organisation first is the
    version's: not configured, individual applications only (DESIGN §2);
    configured, exactly the origins it names (none, or units too)."""
    from policies.models import PolicyVersion
    from policies.procedure import ORIGINS, unit_review_required

    cases = {
        None: {"individual"},
        (): set(),
        ("individual", "unit"): {"individual", "unit"},
        ("unit",): {"unit"},
    }
    for required_for, expected in cases.items():
        procedure = {} if required_for is None else {"unit_review": {"required_for": list(required_for),
                                                                     "source": "测试"}}
        version = PolicyVersion(procedure=procedure)
        assert {o for o in ORIGINS if unit_review_required(version, o)} == expected, required_for
