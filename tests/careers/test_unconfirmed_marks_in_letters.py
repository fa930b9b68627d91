"""Issue 16: "Letters cite item numbers only of items that are confirmed or
marked as reconstructed in the text itself." An example-default item is as
unconfirmed as a reconstructed one (PolicyItem.is_unconfirmed): the 认定书
that cites it by number, and the 结果运用函 that states a use, print its mark
(示例默认，待核定) right after it; a verbatim item carries none. The letters
are issued by the real ruling and hand-off services."""

import re

import pytest
from django.utils.html import strip_tags

from careers import services
from letters.models import Letter
from letters.rendering import render_html
from letters.snapshot import EXAMPLE_MARK, MARK
from policies.models import Certainty

from .conftest import rule

pytestmark = pytest.mark.django_db


def _text(letter) -> str:
    return strip_tags(render_html(letter.kind, letter.context)).replace("\n", "")


@pytest.mark.parametrize("certainty,mark", [(Certainty.EXAMPLE_DEFAULT, EXAMPLE_MARK),
                                            (Certainty.RECONSTRUCTED, MARK)])
def test_unconfirmed_items_are_marked_in_the_letters(world, users, today, certainty, mark):
    version = world["policy"]
    version.items.update(certainty=Certainty.VERBATIM)
    # 改革创新 (positive 1) and 考核 (result use 1) unconfirmed; 选拔任用
    # (result use 2) taken from the text.
    version.items.filter(kind__in=["positive", "result_use"], number=1).update(certainty=certainty)
    positive = version.items.get(kind="positive", number=1)
    use1, use2 = version.items.get(kind="result_use", number=1), version.items.get(kind="result_use", number=2)
    case = rule(users)

    ruling = _text(Letter.objects.get(case=case, kind="ruling"))
    cited = re.search(r"第1项[^“]*“" + re.escape(positive.text.rstrip("。；;，,.")) + r"”（([^）]*)）", ruling)
    assert cited and cited.group(1) == mark, f"the ruling cites positive item 1 without {mark}: {ruling}"
    assert re.search(re.escape(use1.text.rstrip("。；;，,.")) + "（" + re.escape(mark), ruling)
    assert not re.search(re.escape(use2.text.rstrip("。；;，,.")) + "（", ruling), "a verbatim use was marked"

    services.obligations_open(case_id=case.pk)
    notice = _text(Letter.objects.get(case=case, kind="result_use_notice"))
    assert f"{use1.text}（{mark}）" in notice, f"the result-use notice states {use1.title} unmarked: {notice}"
    assert f"{use2.text}（" not in notice.replace(f"{use2.text}（影响期", "")
