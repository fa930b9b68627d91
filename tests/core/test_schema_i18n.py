"""The schema's texts for clients are msgids translated into the language
it is asked in (issue 15): Chinese by default, English with ?lang=en; a
docstring inherited from a base class is nobody's description."""

import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _schema(lang=None):
    return APIClient().get("/api/schema/?format=json" + (f"&lang={lang}" if lang else "")).json()


def _op(schema, path, method):
    return schema["paths"][path][method]


def test_the_schema_speaks_chinese_by_default_and_english_when_asked(world):
    zh, en = _schema(), _schema("en")
    create = ("/api/v1/directory/users/", "post")
    assert _op(zh, *create)["summary"] == "新建人员（系统管理员）"
    assert _op(en, *create)["summary"] == "Create a person (system administrator)"
    assert "仅限该单位所属范围的系统管理员" in _op(zh, *create)["description"]
    assert _op(zh, *create)["responses"]["422"]["description"].startswith("输入符合本架构")
    assert _op(en, *create)["responses"]["422"]["description"].startswith("The input matches this schema")
    accept = _op(zh, "/api/v1/cases/{case_id}/accept/", "post")["description"]
    assert accept.startswith("**步骤** 予以受理：案件处于") and "`submitted`" in accept
    schemes = zh["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["description"].startswith("供程序使用")
    assert "X-CSRFTOKEN" in schemes["cookieAuth"]["description"]


def test_no_operation_is_described_by_a_docstring_it_inherited(world):
    schema = _schema("en")
    leaked = [f"{method} {path}" for path, methods in schema["paths"].items() for method, op in methods.items()
              if "paginated_response" in (op.get("description") or "")]
    assert leaked == []


HAN = re.compile(r"[\u4e00-\u9fff]")


def _english_in_chinese(zh, en, key):
    """Operations whose ``key`` (summary, or the description's first
    paragraph: the operation's own text, before the generated step and
    precondition notes) is still English in the Chinese schema."""
    left = []
    for path, methods in en["paths"].items():
        for method, op in methods.items():
            text_en = (op.get(key) or "").split("\n\n")[0]
            text_zh = (zh["paths"][path][method].get(key) or "").split("\n\n")[0]
            if text_en and (text_zh == text_en or not HAN.search(text_zh)):
                left.append(f"{method.upper()} {path}: {text_zh}")
    return left


def test_every_summary_and_description_is_chinese_in_the_default_schema(world):
    zh, en = _schema(), _schema("en")
    summaries = [op.get("summary") for methods in en["paths"].values() for op in methods.values()]
    # every operation has one (a client's list of operations reads them)
    assert len(summaries) > 100 and all(summaries)
    assert _english_in_chinese(zh, en, "summary") == []
    assert _english_in_chinese(zh, en, "description") == []
    # and the English schema stays English (msgids, not their translation)
    assert not [s for s in summaries if HAN.search(s) and "(" not in s]
    cases = _op(zh, "/api/v1/cases/", "get")
    assert cases["summary"] == "案件列表" and cases["description"] == "调用者有权查看的案件，可按条件筛选。"
    assert _op(en, "/api/v1/cases/", "post")["description"] == "A new draft of the caller's application."
    assert _op(zh, "/api/v1/cases/{case_id}/start_correction/", "post")["summary"] == "启动纠错（第一步）"
    assert _op(zh, "/api/v1/prefilings/{prefiling_id}/refuse/", "post")["summary"] == "不予登记并说明理由"


def test_response_descriptions_are_chinese_in_the_default_schema(world):
    zh, en = _schema(), _schema("en")
    english = sorted({r["description"] for methods in zh["paths"].values() for op in methods.values()
                      for r in op["responses"].values() if r.get("description") and not HAN.search(r["description"])})
    # drf-spectacular's own text for a 204, not ours
    assert english == ["No response body"]
    case_404 = _op(zh, "/api/v1/cases/{case_id}/", "get")["responses"]["404"]["description"]
    assert case_404 == "案件不存在，或调用者无权查看。"
    assert _op(en, "/api/v1/cases/{case_id}/", "get")["responses"]["404"]["description"].startswith("No such case")
    yaml_zh = APIClient().get("/api/schema/").content.decode()
    assert "案件不存在，或调用者无权查看。" in yaml_zh
