"""Import of a jurisdiction's own 办法 (issue 16): DOCX, PDF with a text
layer and pasted text are split into articles and numbered items, kept
verbatim with their article number, classified by the admin into a draft,
published, and a case filed under it gets a ruling letter citing them."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from letters.models import LetterKind
from letters.rendering import render_html, render_pdf_from_html
from policies import services
from policies.importer import split_clauses
from policies.models import Certainty, ImportedClause, PolicyAuditEntry, PolicyVersion
from tests.reviews.conftest import accept_case, to_ruled

pytestmark = pytest.mark.django_db

BANFA = """怀来县党员干部容错纠错实施办法
第一章 总则
第一条 为激励党员干部担当作为，制定本办法。
第二章 容错条件和情形
第二条 同时符合下列条件的，可以予以容错：
（一）出于公心，没有为个人、他人或单位谋取私利；
（二）决策经过民主决策程序，符合规定。
第三条 有下列情形之一的，可以容错免责：
（一）在落实县委、县政府决策部署中，因缺乏经验出现工作失误的；
（二）在处置突发事件中，因主动揽责涉险出现一定失误的。
第四条 有下列情形之一的，不予容错：
1. 为个人谋取不正当利益的；
2. 明知故犯、屡错屡犯的。
第五条 予以容错的，当年年度考核不受影响。
第六条 对认定结论不服的，可以自认定书作出之日起十个工作日内，向县纪委书面申请复核。
第七条 对复核决定仍不服的，可以向上一级党组织提出申诉。
"""

EXPECTED = [
    ("第一条", "为激励党员干部担当作为，制定本办法。"),
    ("第二条", "同时符合下列条件的，可以予以容错："),
    ("第二条（一）", "出于公心，没有为个人、他人或单位谋取私利；"),
    ("第二条（二）", "决策经过民主决策程序，符合规定。"),
    ("第三条", "有下列情形之一的，可以容错免责："),
    ("第三条（一）", "在落实县委、县政府决策部署中，因缺乏经验出现工作失误的；"),
    ("第三条（二）", "在处置突发事件中，因主动揽责涉险出现一定失误的。"),
    ("第四条", "有下列情形之一的，不予容错："),
    ("第四条第1项", "为个人谋取不正当利益的；"),
    ("第四条第2项", "明知故犯、屡错屡犯的。"),
    ("第五条", "予以容错的，当年年度考核不受影响。"),
    ("第六条", "对认定结论不服的，可以自认定书作出之日起十个工作日内，向县纪委书面申请复核。"),
    ("第七条", "对复核决定仍不服的，可以向上一级党组织提出申诉。"),
]


def _docx(text: str) -> bytes:
    """A minimal DOCX (ECMA-376): one paragraph a line."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in text.split("\n"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def _pairs(clauses):
    return [(c.article, c.text) for c in clauses]


def test_split_articles_and_items():
    """第X条, （一） and 1. each become a clause with its article number;
    the title and chapter headings are left out; periods are suggested."""
    clauses = split_clauses(BANFA)
    assert _pairs(clauses) == EXPECTED
    review = clauses[-2]
    assert (review.amount, review.unit) == (10, "working_day")


def test_docx_and_pdf_give_the_same_clauses():
    from policies.importer import extract_text

    assert _pairs(split_clauses(extract_text(name="办法.docx", data=_docx(BANFA)))) == EXPECTED
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in BANFA.split("\n")) + "</body></html>"
    pdf = render_pdf_from_html(html)
    assert _pairs(split_clauses(extract_text(name="办法.pdf", data=pdf))) == EXPECTED


def test_bad_input_changes_nothing(world):
    document = world["policy"].document
    before = PolicyVersion.objects.count()
    for kwargs in ({"text": "  "}, {"text": "没有条文的一段话。"}, {"data": b"\x00\x01binary", "file_name": "x.bin"},
                   {"data": b"PK\x03\x04broken", "file_name": "x.docx"}):
        with pytest.raises(ValidationError):
            services.policy_document_import(document=document, actor=None, effective_from=dt.date(2024, 1, 1),
                                            **kwargs)
    assert PolicyVersion.objects.count() == before


def test_import_classify_publish_file_and_rule(world, users):
    """The whole road: import → classify → publish → a case filed under it →
    the ruling letter cites the imported items verbatim, with their article,
    and its remedy is the imported review limit and 申诉 path."""
    v1 = world["policy"]
    admin = users["admin"]
    draft = services.policy_document_import(
        document=v1.document, actor=admin, effective_from=dt.date(2024, 1, 1), data=_docx(BANFA),
        file_name="怀来县办法.docx", time_limits_from=v1,
    )
    clauses = {c.article: c for c in draft.imported_clauses.all()}
    assert [(c.article, c.text) for c in draft.imported_clauses.order_by("seq")] == EXPECTED
    plan = {
        "第一条": {"kind": "ignored"}, "第二条": {"kind": "ignored"}, "第三条": {"kind": "ignored"},
        "第四条": {"kind": "ignored"},
        "第二条（一）": {"kind": "condition", "title": "出于公心"},
        "第二条（二）": {"kind": "condition", "title": "程序合规"},
        "第三条（一）": {"kind": "positive", "title": "落实决策部署"},
        "第三条（二）": {"kind": "positive", "title": "突发事件"},
        "第四条第1项": {"kind": "negative"}, "第四条第2项": {"kind": "negative"},
        "第五条": {"kind": "result_use", "title": "年度考核"},
        "第六条": {"kind": "time_limit", "stage": "review_request"},
        "第七条": {"kind": "procedure", "procedure_key": "appeal.path"},
    }
    for article, spec in plan.items():
        services.imported_clause_classify(clause=clauses[article], actor=admin, **spec)
    draft.refresh_from_db()
    items = {i.article: i for i in draft.items.all()}
    assert items["第三条（一）"].text == "在落实县委、县政府决策部署中，因缺乏经验出现工作失误的；"
    assert items["第三条（一）"].certainty == Certainty.VERBATIM
    assert "第三条（一）" in items["第三条（一）"].source
    limit = draft.time_limits.get(stage="review_request")
    assert (limit.amount, limit.unit, limit.certainty) == (10, "working_day", Certainty.VERBATIM)
    assert draft.procedure["appeal"]["path"] == "对复核决定仍不服的，可以向上一级党组织提出申诉。"
    # A classified clause is not classified twice.
    from core.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        services.imported_clause_classify(clause=clauses["第五条"], actor=admin, kind="condition")

    # The lent time limits are example defaults: publishing says so and
    # needs the explicit confirmation, which is recorded.
    with pytest.raises(ApplicationError) as exc:
        services.policy_version_publish(version=draft, actor=admin)
    assert exc.value.code == "unconfirmed_items"
    services.policy_version_publish(version=draft, actor=admin, acknowledge_unconfirmed=True)
    entry = PolicyAuditEntry.objects.get(version=draft, action="version_published")
    # Every imported item is verbatim; the 17 lent time limits are what is
    # unconfirmed (the review limit now comes from 第六条).
    assert len(entry.data["unconfirmed_acknowledged"]) == 17
    assert PolicyAuditEntry.objects.filter(version=draft, action="draft_imported", data__clauses=13).exists()

    case = accept_case(users)
    assert case.policy_version_id == draft.pk
    case = to_ruled(case, users, result="exempt")
    letter = case.letters.get(kind=LetterKind.RULING)
    text = render_html(LetterKind.RULING, letter.context).replace("\n", "")
    for article in ("第二条（一）", "第二条（二）", "第三条（一）"):
        # Verbatim, without the item's own closing stop (the letter's punctuation follows the quote).
        assert f"（{article}）“{items[article].text.rstrip('。；;，,.')}”" in text, article
    assert "对照《怀来县容错纠错实施办法（试行）》有关条款" in text
    assert "自本认定书作出之日起10个工作日内" in text
    assert "参照同类规定拟定" not in text
    assert ImportedClause.objects.filter(version=draft, kind="").count() == 0
