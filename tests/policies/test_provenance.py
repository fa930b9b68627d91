"""Provenance of catalogue items (issue 16): items drafted after comparable
rules are marked 参照同类规定拟定（待核定） wherever they show until an admin
confirms them against his own text."""

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from policies import services
from policies.catalogue import catalogue_load
from policies.models import Certainty, PolicyAuditEntry, PolicyItem

pytestmark = pytest.mark.django_db

MARK = "参照同类规定拟定（待核定）"


def test_public_page_marks_drafted_items(client, kunming_latest):
    html = client.get(reverse("public:policy_detail", args=[kunming_latest.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
                      ).content.decode()
    assert html.count(MARK) >= kunming_latest.items.filter(certainty=Certainty.RECONSTRUCTED).count()


def test_confirm_against_the_text(kunming_latest, policy_admin):
    """Confirming sets the wording, the article and who confirmed; the mark
    goes; a published version and an item that is not drafted are refused."""
    item = kunming_latest.items.get(kind="positive", number=1)
    with pytest.raises(ApplicationError):
        services.policy_item_confirm(item=item, actor=policy_admin, text="x")
    draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
    item = draft.items.get(kind="positive", number=1)
    assert item.mark == MARK
    item = services.policy_item_confirm(item=item, actor=policy_admin, article="第五条（一）",
                                        text="在落实市委、市政府决策部署中出现失误的；", source="昆明市办法第五条")
    assert (item.certainty, item.article, item.confirmed_by) == (Certainty.VERBATIM, "第五条（一）", policy_admin)
    assert item.mark == "" and item.label() == "1. 落实决策部署中的失误"
    assert PolicyAuditEntry.objects.filter(version=draft, action="item_confirmed").exists()
    with pytest.raises(ApplicationError) as exc:
        services.policy_item_confirm(item=item, actor=policy_admin)
    assert exc.value.code == "not_reconstructed"


def test_confirm_an_example_default_item(kunming_latest, policy_admin):
    """An example-default item is as unconfirmed as a drafted one: marked
    示例默认（待核定） until the admin confirms it, by the same service or by
    setting its certainty to verbatim or summary."""
    draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
    first, second = draft.items.filter(kind="positive").order_by("number")[:2]
    PolicyItem.objects.filter(pk__in=[first.pk, second.pk]).update(certainty=Certainty.EXAMPLE_DEFAULT)
    first.refresh_from_db()
    assert first.mark == "示例默认（待核定）" and first.label().endswith("（示例默认（待核定））")
    first = services.policy_item_confirm(item=first, actor=policy_admin, article="第五条（一）")
    assert (first.certainty, first.mark, first.confirmed_by) == (Certainty.VERBATIM, "", policy_admin)
    second.refresh_from_db()
    second = services.policy_item_update(item=second, actor=policy_admin, data={"certainty": Certainty.SUMMARY})
    assert second.mark == "" and second.confirmed_by == policy_admin


def test_loader_marks_an_older_database(kunming_latest):
    """A database loaded before the marking (its drafted items stored as
    summaries) gets them marked by the next load, published or not; no
    wording changes."""
    drafted = list(kunming_latest.items.filter(certainty=Certainty.RECONSTRUCTED).values_list("pk", "text"))
    PolicyItem.objects.filter(pk__in=[pk for pk, _ in drafted]).update(certainty=Certainty.SUMMARY)
    report = catalogue_load(only=["kunming"])
    assert any("marked as drafted" in line for line in report.updated)
    assert list(kunming_latest.items.filter(certainty=Certainty.RECONSTRUCTED).values_list("pk", "text")) == drafted
    assert not catalogue_load(only=["kunming"]).changed
