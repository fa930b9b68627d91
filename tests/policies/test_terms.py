"""Issue 16's terms, each as the official usage words it, on the surfaces
that print it (labels of statuses, steps and pages in Chinese). The other
terms of the list have tests of their own: 报备容错受理决定书
(tests/prefilings/test_letter.py), 报备 and 备案 as two records and 从轻 /
减轻 apart (tests/policies/test_procedures.py), 免责率 by the scenario ruled
(tests/dashboard/test_stats.py::test_rate_by_the_scenario_ruled)."""

from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from core.steps import step_get
from corrections.models import RectificationReport, RectificationTask
from prefilings.models import Procedure

ROOT = Path(settings.BASE_DIR)


def _zh(value) -> str:
    with translation.override("zh-hans"):
        return str(value)


def test_accepted_rectification_is_yanshou_tongguo():
    """An accepted rectification is 验收通过, never 予以受理 (acceptance of an
    application)."""
    assert _zh(RectificationTask.Status.ACCEPTED.label) == "验收通过"
    assert _zh(RectificationReport.Decision.ACCEPTED.label) == "验收通过"
    label = _zh(step_get("accept_rectification").label)
    assert "验收通过" in label and "受理" not in label


def test_a_report_under_review_is_shenhe_zhong():
    """A rectification report being checked is 审核中: 复核 is the
    applicant's appeal against a ruling, not the inspector's check."""
    assert _zh(RectificationReport.Decision.PENDING.label) == "审核中"
    assert "审核中" in _zh(RectificationTask.Status.REPORTED.label)
    corrections = polib.pofile(str(ROOT / "corrections/locale/zh_Hans/LC_MESSAGES/django.po"))
    checked = [e for e in corrections if "rectification" in e.msgid.lower() or "report" in e.msgid.lower()]
    assert checked and not [e.msgid for e in checked if "复核" in e.msgstr]


def test_withdrawing_a_publication_is_chehui_gongkai():
    """The page's action and the API's summary (one msgid) say 撤回公开."""
    with translation.override("zh-hans"):
        assert gettext("Withdraw the publication") == "撤回公开"
    template = (ROOT / "publication/templates/publication/detail.html").read_text()
    assert '{% translate "Withdraw the publication" %}' in template


def test_expert_consultation_is_the_seeds_word():
    """专家咨询 (the seed's 防错 word: “专家咨询制度”), not 专家论证, in every
    catalogue that names it."""
    assert _zh(Procedure.EXPERT.label) == "专家咨询"
    worded = []
    for po in [*ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"), ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"]:
        worded += [(po.parent.parent.parent.parent.name, e.msgid) for e in polib.pofile(str(po))
                   if "专家论证" in e.msgstr]
    assert worded == []
