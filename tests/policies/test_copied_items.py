"""Issue 16: the items an earlier load copied into a version from another
jurisdiction (``copied_from``, hidden everywhere else) are shown on the
version's admin page, marked with their origin; the admin adopts one
(confirming it against his own text, recorded) or deletes one nothing
cites, through the services, each in the audit log."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from policies import services
from policies.catalogue import catalogue_load
from policies.models import Certainty, PolicyAuditEntry, PolicyItem, PolicyVersion
from reviews.models import Ruling, RulingUse
from tests.factories import make_case

pytestmark = pytest.mark.django_db

ORIGIN = "昆明市容错免责办法（结果运用6种方式）"
LEGACY = Path(__file__).resolve().parent / "legacy_catalogues"


@pytest.fixture
def copies(world):
    """Two of Kunming's result uses copied into the factory's 怀来 version;
    a ruling under it cited the second."""
    version = world["policy"]
    free = PolicyItem.all_objects.create(
        version=version, kind="result_use", number=7, title="表彰奖励", text="容错免责事项不影响表彰奖励的评选",
        source="昆明", certainty=Certainty.SUMMARY, copied_from=ORIGIN)
    cited = PolicyItem.all_objects.create(
        version=version, kind="result_use", number=8, title="职级职称晋升", text="容错免责事项不影响职级晋升和职称评聘",
        source="昆明", certainty=Certainty.SUMMARY, copied_from=ORIGIN)
    users = world["users"]
    case = make_case(applicant=users["applicant"], stage="ruled", policy_version=version, outcome="mitigated")
    ruling = Ruling.objects.create(case=case, result="mitigated", reasons="符合容错条件。",
                                   decided_on=timezone.localdate(), recorded_by=users["committee1"], is_current=True)
    RulingUse.objects.create(ruling=ruling, policy_item=cited, duration_months=12)
    return version, free, cited


def _page(client, version) -> str:
    return client.get(reverse("admin:policies_policyversion_change", args=[version.pk]),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def _url(version, item, what):
    return reverse("admin:policies_policyversion_copy", args=[version.pk, item.pk, what])


def test_admin_page_shows_the_copies_with_their_origin(admin_client, copies):
    version, free, cited = copies
    assert not version.items.filter(pk__in=[free.pk, cited.pk]).exists()
    html = _page(admin_client, version)
    assert f'id="copy-{free.pk}"' in html and f'id="copy-{cited.pk}"' in html
    assert html.count(ORIGIN) >= 2 and "复制自" in html
    # Only the copy nothing cites can be deleted.
    assert _url(version, free, "delete") in html and _url(version, cited, "delete") not in html


def test_adopt_records_the_admins_text(admin_client, policy_admin, copies):
    version, free, _cited = copies
    # Without naming his own text, nothing is adopted.
    admin_client.post(_url(version, free, "adopt"), {"source": " ", "certainty": "verbatim"})
    free.refresh_from_db()
    assert free.adopted_at is None and not version.items.filter(pk=free.pk).exists()

    admin_client.post(_url(version, free, "adopt"),
                      {"source": "《怀来县党员干部容错纠错机制实施办法（试行）》", "article": "第十条（五）",
                       "certainty": "verbatim"})
    free.refresh_from_db()
    assert version.items.filter(pk=free.pk).exists()
    assert (free.adopted_by, free.confirmed_by, free.certainty, free.article) == (
        policy_admin, policy_admin, Certainty.VERBATIM, "第十条（五）")
    assert free.copied_from == ORIGIN and free.text == "容错免责事项不影响表彰奖励的评选"
    entry = PolicyAuditEntry.objects.get(action="copy_adopted", version=version)
    assert entry.actor == policy_admin and entry.data["copied_from"] == ORIGIN
    assert f'id="copy-{free.pk}"' not in _page(admin_client, version)
    # Adopted once: a second adoption or a deletion is refused.
    with pytest.raises(ApplicationError) as exc:
        services.policy_item_copy_delete(item=free, actor=policy_admin)
    assert exc.value.code == "not_copied" and exc.value.status_code == 409


def test_delete_only_what_nothing_cites(admin_client, policy_admin, copies):
    version, free, cited = copies
    admin_client.post(_url(version, free, "delete"))
    assert not PolicyItem.all_objects.filter(pk=free.pk).exists()
    entry = PolicyAuditEntry.objects.get(action="copy_deleted", version=version)
    assert entry.actor == policy_admin and entry.data["title"] == "表彰奖励"

    admin_client.post(_url(version, cited, "delete"))
    assert PolicyItem.all_objects.filter(pk=cited.pk).exists()
    with pytest.raises(ApplicationError) as exc:
        services.policy_item_copy_delete(item=cited, actor=policy_admin)
    assert exc.value.code == "copy_in_use"
    # An item of the version's own cannot be deleted through this path.
    own = version.items.first()
    with pytest.raises(ApplicationError):
        services.policy_item_copy_delete(item=own, actor=policy_admin)
    assert PolicyAuditEntry.objects.filter(action="copy_deleted").count() == 1


def test_the_loader_keeps_an_adoption(policy_admin):
    """On a repaired old database, a copy the admin adopted is neither marked
    again nor reported as a conflict by the next load."""
    catalogue_load(directory=LEGACY)
    catalogue_load()
    tongren = PolicyVersion.objects.get(document__code="tongren-rongcuo", number=1)
    copy = PolicyItem.all_objects.get(version=tongren, kind="result_use", title="表彰奖励")
    services.policy_item_copy_adopt(item=copy, actor=policy_admin, source="《铜仁市…办法》第九条")
    again = catalogue_load()
    assert again.conflicts == [] and again.updated == []
    assert tongren.items.filter(pk=copy.pk).exists()
