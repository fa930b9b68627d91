"""Issue 16: a letter says only what the case's policy version says.

Every letter kind is rendered for every shipped catalogue (and each origin
of a ruling); the text may carry no time limit the version does not set, no
consequence or remedy it does not state, and no text of another
jurisdiction's version. A version that configures them prints them.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils.html import strip_tags

from accounts.models import OrgUnit
from accounts.services import org_unit_create
from letters.models import LetterKind
from letters.rendering import render_html
from letters.snapshot import MARK, build_context
from policies.catalogue import catalogue_load
from policies.models import Jurisdiction, PolicyItem, PolicyVersion
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UNIT_WORDS = {"working_day": "个工作日", "calendar_day": "日", "month": "个月"}
# A period, not a date: 2026年11月3日 (GB/T 9704 成文日期 in Arabic numerals)
# is a day of a month.
LIMIT_RE = re.compile(r"(?<![月\d])(\d+)(个工作日|个月|日)")
# Sentences the letters used to print that no shipped version configures.
UNCONFIGURED = ("视为撤回", "最终决定", "不停止", "自收到本认定书", "内作出认定", "一个月")
CASE_KINDS = (
    LetterKind.ACCEPTANCE, LetterKind.SUPPLEMENT, LetterKind.NOT_ACCEPTED, LetterKind.RULING,
    LetterKind.REVIEW_DECISION, LetterKind.CORRECTION_NOTICE, LetterKind.CLARIFICATION,
    LetterKind.PRELIMINARY_NOTICE, LetterKind.PREFILING_REGISTRATION, LetterKind.RESULT_USE_NOTICE,
    LetterKind.REVOCATION, LetterKind.REPORT_CLARIFICATION,
)


def test_every_letter_kind_is_rendered():
    """A new kind of letter joins the per-catalogue test below."""
    assert set(CASE_KINDS) == set(LetterKind.values)


def _case_for(version: PolicyVersion, origin: str, n: int):
    jurisdiction = version.document.jurisdiction
    top = OrgUnit.objects.filter(code=f"j-{jurisdiction.code}").first() or org_unit_create(
        name=jurisdiction.name, code=f"j-{jurisdiction.code}", kind=OrgUnit.Kind.JURISDICTION,
        short_name=jurisdiction.name[:1])
    unit = OrgUnit.objects.filter(code=f"u-{jurisdiction.code}").first() or org_unit_create(
        name=f"{jurisdiction.name}某局", code=f"u-{jurisdiction.code}", kind=OrgUnit.Kind.UNIT, parent=top,
        short_name="某局")
    applicant = UserFactory(full_name="王某", org_unit=unit)
    return make_case(
        applicant=applicant, unit=unit, stage="ruled", origin=origin, policy_version=version,
        number=f"测容〔2026〕第{n:04d}号", number_year=2026, number_seq=n,
        submitted_at=dt.datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI),
        accepted_at=dt.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI),
        facts_reasons="为赶在汛期前完工，经局党组集体研究，先行开工后补办手续。",
    )


def _ruling_data(version: PolicyVersion) -> dict:
    items = list(version.items.all())
    listed = [i for i in items if i.kind in (PolicyItem.Kind.CONDITION, PolicyItem.Kind.POSITIVE,
                                              PolicyItem.Kind.NEGATIVE)]
    return {
        "result": "mitigated", "reasons": "综合分析，符合容错条件。",
        "assessment": [{"item_id": i.pk, "finding": "met" if i.kind == "condition" else "applies"} for i in listed],
        "result_uses": [{"item_id": i.pk} for i in items if i.kind == PolicyItem.Kind.RESULT_USE],
        "meeting_on": "2026-11-02",
    }


def _letters(version: PolicyVersion, start: int = 0) -> list[tuple[str, str, str]]:
    """(kind, origin, plain text) of every letter kind for ``version``."""
    out = []
    n = start + 100 * (version.number - 1) + 1  # case numbers apart per version
    for kind in CASE_KINDS:
        origins = ("individual", "unit", "proactive") if kind == LetterKind.RULING else ("individual",)
        for origin in origins:
            case = _case_for(version, origin, n)
            n += 1
            data = {
                LetterKind.SUPPLEMENT: {"missing": "会议纪要", "due_on": "2026-10-30"},
                LetterKind.RULING: _ruling_data(version),
                LetterKind.REVIEW_DECISION: {"reasons": "原认定事实清楚。", "requested_on": "2026-11-05"},
                LetterKind.CORRECTION_NOTICE: {"problems": "程序不完备。", "due_on": "2026-12-30"},
                LetterKind.CLARIFICATION: {"findings": "反映失实。"},
                LetterKind.PRELIMINARY_NOTICE: {"result": "exempt", "summary": "符合容错条件。"},
                # The callers' keys (prefilings, careers, clarifications services).
                LetterKind.PREFILING_REGISTRATION: {"measure": "校舍改造先行先试采购",
                                                    "risks": "1. 工期延误（控制措施：倒排工期）"},
                LetterKind.RESULT_USE_NOTICE: _result_use_data(version),
                LetterKind.REVOCATION: {"reason": "申请材料中的会议纪要系事后补写。", "held_on": "2026-11-20",
                                        "held_on_cn": "二〇二六年十一月二十日",
                                        "original_number": "测纪容〔2026〕1号",
                                        "uses": [u["title"] for u in _result_use_data(version)["uses"]]},
                LetterKind.REPORT_CLARIFICATION: {
                    "report_received_on": "2026-10-09", "scope": "unit", "method": "letter",
                    "points": [{"number": 1, "allegation": "违规采购", "finding_label": "不属实", "basis": ""}]},
            }.get(kind, {})
            context = build_context(case=case, kind=kind, ref="t", number="测纪容〔2026〕1号",
                                    issued_on=dt.date(2026, 11, 3), data=data)
            out.append((kind, origin, strip_tags(render_html(kind, context))))
    return out


def _result_use_data(version: PolicyVersion) -> dict:
    uses = [i for i in version.items.all() if i.kind == PolicyItem.Kind.RESULT_USE]
    return {
        "result": "mitigated", "result_label": "予以容错、减轻处理", "decided_on": "2026-11-03",
        "decided_on_cn": "二〇二六年十一月三日",
        "uses": [{"title": i.title or i.text[:20], "text": i.text,
                  "period": f"{i.default_duration_months}个月" if i.default_duration_months and i.duration_confirmed
                  else ""} for i in uses],
    }


def _allowed_limits(version: PolicyVersion) -> set[tuple[str, str]]:
    # Only limits taken from the text: an example default runs the clock
    # but is no rule a letter may state (issue 16).
    allowed = {(str(t.amount), UNIT_WORDS[t.unit]) for t in version.time_limits.all() if t.is_confirmed}
    allowed |= {(str(i.default_duration_months), "个月") for i in version.items.all()
                if i.default_duration_months and i.duration_confirmed}
    return allowed


CODES = ["central", "huailai", "kunming", "jiangsu", "tongren", "shaanxi", "shangzhou", "shijiazhuang", "xiamen"]


@pytest.fixture
def catalogue(db):
    return catalogue_load()


@pytest.mark.parametrize("code", CODES)
def test_every_letter_says_only_what_the_version_says(catalogue, code):
    # Every version the catalogue ships (Kunming's and Xiamen's corrected
    # version 2 beside version 1).
    versions = list(PolicyVersion.objects.select_related("document__jurisdiction")
                    .filter(document__jurisdiction__code=code).order_by("number"))
    assert versions
    for version in versions:
        _check_version(code, version)


def _check_version(code, version):
    own = {i.text.strip() for i in version.items.all()}
    others = {
        i.text.strip() for i in PolicyItem.objects.exclude(version=version).exclude(text__in=own)
    }
    other_names = set(Jurisdiction.objects.exclude(pk=version.document.jurisdiction_id)
                      .exclude(code="central").values_list("name", flat=True))
    other_titles = set(PolicyVersion.objects.exclude(document=version.document)
                       .values_list("document__title", flat=True))
    allowed = _allowed_limits(version)
    # The items a ruling cites (防错 areas are a pre-filing's, and a short
    # area name can be a phrase inside a scenario's text).
    reconstructed = {i.text.strip() for i in version.items.filter(certainty="reconstructed")
                     .exclude(kind="prevention_area")}
    for kind, origin, text in _letters(version):
        flat = text.replace("\n", "")
        where = f"{code} v{version.number} {kind} {origin}"
        for phrase in UNCONFIGURED:
            assert phrase not in flat, f"{where}: prints “{phrase}”, which the version does not configure"
        for amount, unit in LIMIT_RE.findall(flat):
            assert (amount, unit) in allowed, f"{where}: {amount}{unit} is no time limit of the version"
        # Another version's item may share words with one of this version's
        # own (both quoting 问责条例 Art. 17): look only outside its own texts.
        rest = flat
        for mine in sorted(own, key=len, reverse=True):
            rest = rest.replace(mine, "")
        # (Kunming's four-character step names are words any letter may use:
        # "现启动纠错程序"; longer texts are what a copy would show.)
        for other in (o for o in others if len(o) >= 6):
            assert other not in rest, f"{where}: prints another version's item “{other[:20]}”"
        for name in other_names:
            assert name not in flat, f"{where}: names another jurisdiction ({name})"
        for title in other_titles:
            assert f"《{title}》" not in flat, f"{where}: cites another jurisdiction's document"
        if kind == LetterKind.RULING:
            # Items are cited verbatim, each drafted one with the mark.
            for item_text in reconstructed:
                clause = item_text.rstrip("。；;，,.")
                if clause in flat:
                    assert re.search(re.escape(clause) + "。?”?（" + MARK, flat), \
                        f"{where}: {item_text[:20]} cited without the mark"
            if origin == "proactive":
                assert "问责调查过程中" in flat and "申请，本机关" not in flat
            if origin == "unit":
                assert f"{version.document.jurisdiction.name}某局于" in flat
            # The review window counts from the ruling, as its clock does.
            limit = version.time_limits.filter(stage="review_request").first()
            if limit and limit.is_confirmed:
                assert f"自本认定书作出之日起{limit.amount}{UNIT_WORDS[limit.unit]}内" in flat
            # Every ruling tells the cadre he may ask for a 复核, stating no
            # limit, body or article the version does not configure.
            remedy = flat[flat.index("救济途径"):]
            assert "书面申请复核一次。" in remedy, f"{where}: no remedy"
            if not (limit and limit.is_confirmed):
                assert "自本认定书作出之日起" not in remedy, f"{where}: states an unconfigured window"
            cites_text = f"按照《{version.document.title}》规定" in remedy
            assert cites_text == ("review" in version.procedure and not (limit and limit.is_confirmed)), \
                f"{where}: refers to the 办法 for a 复核 it does not configure"
            body = (version.procedure.get("review") or {}).get("body", "")
            assert ("向" in remedy) == bool(body), f"{where}: names a review body the version does not"
        if kind == LetterKind.PRELIMINARY_NOTICE:
            # The 申辩 is told; its window only as a limit from the text.
            assert "向本机关提出书面申辩意见" in flat, f"{where}: the 申辩 is not told"
            defence = version.time_limits.filter(stage="defence").first()
            stated = f"自本告知书作出之日起{defence.amount}{UNIT_WORDS[defence.unit]}内" if defence else ""
            if defence and defence.is_confirmed:
                assert stated in flat, f"{where}: the defence window from the text is not stated"
            else:
                assert "自本告知书作出之日起" not in flat, f"{where}: states an unconfigured defence window"
        if kind == LetterKind.REVIEW_DECISION:
            path = (version.procedure.get("appeal") or {}).get("path", "")
            assert (path or "可以依照有关规定提出申诉。") in flat, f"{where}: the 申诉 right is not printed"
            assert "上一级" not in flat or path, f"{where}: names an unconfigured 申诉 body"


def test_configured_statements_are_printed(catalogue):
    """A version that states the consequences and remedies gets them printed,
    and a joint ruling is signed by both bodies; without them, none."""
    version = PolicyVersion.objects.get(document__jurisdiction__code="huailai", number=1)
    PolicyVersion.objects.filter(pk=version.pk).update(procedure={
        "review": {"body": "中共怀来县纪律检查委员会复核小组", "source": "第九条"},
        "appeal": {"path": "可以向上一级党组织提出申诉。", "source": "第十条"},
        "joint_ruling": {"with": "org_department", "body": "中共怀来县委组织部", "source": "第八条"},
        "statements": {
            "supplement_lapse": {"text": "逾期未补正且无正当理由的，可以终止办理。", "source": "第六条"},
            "review_not_suspended": {"text": "复核期间，不停止本认定结果的执行。", "source": "第九条"},
        },
    })
    # The review window taken from the text (an example default is not printed).
    version.time_limits.filter(stage="review_request").update(certainty="verbatim", source="第九条")
    version.refresh_from_db()
    texts = {(kind, origin): text.replace("\n", "") for kind, origin, text in _letters(version)}
    ruling = texts[(LetterKind.RULING, "individual")]
    assert "向中共怀来县纪律检查委员会复核小组书面申请复核一次。复核期间，不停止本认定结果的执行。" in ruling
    assert "中共怀来县委组织部" in ruling and "予以受理，会同中共怀来县委组织部经调查核实" in ruling
    assert "中共怀来县委组织部" not in texts[(LetterKind.ACCEPTANCE, "individual")]
    assert "逾期未补正且无正当理由的，可以终止办理。" in texts[(LetterKind.SUPPLEMENT, "individual")]
    assert "对本复核决定仍有异议的，可以向上一级党组织提出申诉。" in texts[(LetterKind.REVIEW_DECISION, "individual")]


def test_no_review_limit_remedy_states_none(catalogue):
    """A version without a review time limit still tells the cadre he may ask
    for a 复核 (every case may, once), stating no limit, body or article."""
    version = PolicyVersion.objects.get(document__jurisdiction__code="tongren", number=1)
    version.time_limits.filter(stage="review_request").delete()
    ruling = next(t for k, o, t in _letters(version) if k == LetterKind.RULING).replace("\n", "")
    assert "救济途径如对本认定结果有异议，可书面申请复核一次。" in ruling
    assert "自本认定书作出之日起" not in ruling and "本机关书面申请" not in ruling


def test_review_provided_by_the_text_cites_it(catalogue):
    """Where the version says its 办法 provides the 复核 (procedure.review,
    no body, no stated limit), the remedy refers to that 办法 by its title;
    with a body it names it."""
    version = PolicyVersion.objects.select_related("document").get(
        document__jurisdiction__code="huailai", number=1)
    PolicyVersion.objects.filter(pk=version.pk).update(procedure={"review": {"source": "第九条"}})
    version.refresh_from_db()
    ruling = next(t for k, o, t in _letters(version) if k == LetterKind.RULING).replace("\n", "")
    assert f"如对本认定结果有异议，可按照《{version.document.title}》规定书面申请复核一次。" in ruling
    PolicyVersion.objects.filter(pk=version.pk).update(
        procedure={"review": {"source": "第九条", "body": "中共怀来县纪律检查委员会"}})
    version.refresh_from_db()
    ruling = next(t for k, o, t in _letters(version, start=50) if k == LetterKind.RULING).replace("\n", "")
    assert f"按照《{version.document.title}》规定向中共怀来县纪律检查委员会书面申请复核一次。" in ruling


def test_correction_notice_marks_an_unconfirmed_step(catalogue):
    """A correction step nobody has confirmed (e.g. one an admin took over
    with a template: issue 16) is printed with its mark; a verbatim one
    without."""
    version = PolicyVersion.objects.filter(document__jurisdiction__code="kunming").latest("number")
    steps = list(version.items.filter(kind=PolicyItem.Kind.CORRECTION_STEP).order_by("number"))
    assert len(steps) == 5 and all(s.certainty == "verbatim" for s in steps)
    PolicyItem.objects.filter(pk=steps[1].pk).update(certainty="reconstructed")
    case = _case_for(version, "individual", 900)
    context = build_context(case=case, kind=LetterKind.CORRECTION_NOTICE, ref="t", number="测纪容〔2026〕1号",
                            issued_on=dt.date(2026, 11, 3), data={"problems": "程序不完备。"})
    flat = strip_tags(render_html(LetterKind.CORRECTION_NOTICE, context)).replace("\n", "")
    assert f"2. {steps[1].text}（{MARK}）" in flat
    assert f"1. {steps[0].text}（" not in flat and f"1. {steps[0].text}" in flat
