"""Issue 16: an item drafted after comparable rules is marked
参照同类规定拟定（待核定） everywhere it shows: the filing form, the case page,
the assessment (its form and its record), and the public portal's outcome
page; an example-default item, as unconfirmed, is marked 示例默认（待核定）
on the same surfaces (one rule: PolicyItem.is_unconfirmed). An item taken
from the text beside it carries no mark. (The public policy page:
tests/policies/test_provenance.py; letters:
tests/letters/test_letter_wording.py and
tests/careers/test_unconfirmed_marks_in_letters.py.)"""

import re

import pytest
from django.urls import reverse

from cases import services as case_services
from policies.models import Certainty, PolicyItem
from publication import services as publication_services
from publication.models import Publication
from reviews import services as review_services
from reviews.views import case_page_url
from tests.reviews.conftest import assess

from .conftest import bring_to_verification, rule

pytestmark = pytest.mark.django_db

MARKS = {Certainty.RECONSTRUCTED: "参照同类规定拟定（待核定）", Certainty.EXAMPLE_DEFAULT: "示例默认（待核定）"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _marked(html: str, title: str, mark: str) -> bool:
    """Whether ``title`` is followed by the mark (within its own label)."""
    return re.search(re.escape(title) + r"[^<]{0,40}(?:</[a-z]+>\s*)?(?:<span[^>]*>)?\s*（?" + re.escape(mark), html) \
        is not None


@pytest.fixture(params=[Certainty.RECONSTRUCTED, Certainty.EXAMPLE_DEFAULT])
def drafted(request, world):
    """改革创新 (positive 1) and 出于公心 (condition 1) unconfirmed (drafted
    after comparable rules, or example defaults); every other item taken
    from the text."""
    version = world["policy"]
    version.items.update(certainty=Certainty.VERBATIM)
    version.items.filter(kind__in=["positive", "condition"], number=1).update(certainty=request.param)
    return version, MARKS[request.param]


def test_drafted_items_marked_wherever_they_show(client, drafted, users, identified):
    _version, mark = drafted
    # The filing form (of a draft): the scenarios the cadre may claim.
    client.force_login(users["applicant"])
    draft = case_services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
    form = client.get(reverse("cases:edit", args=[draft.pk, "reasons"]), **ZH)
    html = form.content.decode()
    assert form.status_code == 200
    assert "1. 改革创新（" + mark + "）" in html
    assert "2. 应急处置" in html and "2. 应急处置（" not in html

    # The case page: the scenario claimed.
    case = bring_to_verification(users)
    page = client.get(reverse("cases:detail", args=[case.pk]), **ZH).content.decode()
    assert _marked(page, "1. 改革创新", mark), "the claimed scenario is shown unmarked on the case page"

    # The assessment: its form's choices, then the record on the case page.
    review_services.case_assign(case=case, actor=users["supervisor"],
                                inspectors=[users["inspector1"], users["inspector2"]])
    client.force_login(users["inspector1"])
    page = client.get(case_page_url(case.pk), **ZH).content.decode()
    assess_form = page[page.index('data-action="assess"'):]
    assess_form = assess_form[:assess_form.index("</form>")]
    assert f"1. 改革创新（{mark}）" in assess_form and f"1. 出于公心（{mark}）" in assess_form
    assert "2. 程序合规（" not in assess_form
    assess(case, users["inspector1"])
    page = client.get(case_page_url(case.pk), **ZH).content.decode()
    record = page[page.index("assessment"):]
    assert _marked(record, "1. 出于公心", mark) and _marked(record, "1. 改革创新", mark)
    assert not _marked(record, "2. 程序合规", mark)

    # The public portal: the outcome page names the scenario ruled, marked.
    rule(case, users)
    publication = publication_services.publication_draft_create(case=case, actor=users["admin"])
    publication = publication_services.publication_publish(publication=publication, actor=users["admin"])
    assert publication.status == Publication.Status.PUBLISHED
    assert list(publication.scenarios.values_list("kind", "number")) == [(PolicyItem.Kind.POSITIVE, 1)]
    client.logout()
    public = client.get(reverse("portal:outcome_detail", args=[publication.slug]), **ZH).content.decode()
    assert _marked(public, "改革创新", mark), "the portal shows the drafted scenario unmarked"
    listing = client.get(reverse("portal:outcomes"), **ZH).content.decode()
    assert _marked(listing, "改革创新", mark)
