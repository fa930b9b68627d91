"""Issue 16: catalogues as templates, a county's own version as the law. An
administrator of a jurisdiction adopts another jurisdiction's published
version (here Kunming's shipped catalogue) into his own draft: every item
is copied with where it came from and marked 参照同类规定拟定（待核定）until he
confirms it against his own text, the time limits become example
defaults, the procedure is not copied, and letters under the draft's
version cite his own document's title."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import OrgUnit, Role, User
from accounts.services import membership_grant, org_unit_create
from core.exceptions import ApplicationError
from letters.models import LetterKind
from letters.rendering import render_html
from letters.snapshot import MARK as LETTER_MARK
from letters.snapshot import build_context
from policies import services
from policies.catalogue import catalogue_load
from policies.models import Certainty, Jurisdiction, PolicyAuditEntry, PolicyItem, PolicyVersion, StageTimeLimit
from tests.factories import make_case

pytestmark = pytest.mark.django_db

MARK = "参照同类规定拟定（待核定）"
OWN_TITLE = "新安县党员干部容错纠错实施办法（试行）"


@pytest.fixture
def county(db):
    """Kunming's shipped catalogue, and a new county with no version yet,
    its administrator, an administrator of another county, and an intake
    officer of the new one."""
    catalogue_load(only=["kunming"])
    template = PolicyVersion.objects.filter(document__jurisdiction__code="kunming").latest("number")
    # An article of Kunming's text on one item: it numbers Kunming's 办法,
    # not the county's, and must not follow the copy into letters.
    PolicyItem.objects.filter(version=template, kind="condition", number=1).update(article="第五条（一）")
    unit = org_unit_create(name="新安县", code="xinan", kind=OrgUnit.Kind.JURISDICTION, short_name="新")
    office = org_unit_create(name="中共新安县纪律检查委员会", code="xinan-jw", kind=OrgUnit.Kind.UNIT, parent=unit)
    school = org_unit_create(name="新安县教育局", code="xinan-edu", kind=OrgUnit.Kind.UNIT, parent=unit)
    other = org_unit_create(name="旧城县", code="jiucheng", kind=OrgUnit.Kind.JURISDICTION)
    jurisdiction = Jurisdiction.objects.create(code="xinan", name="新安县", org_unit=unit,
                                               issuing_body="中共新安县纪律检查委员会", letter_prefix="新纪容")
    people = {}
    for username, home, role, over in (("xa_admin", office, Role.ADMIN, unit),
                                       ("jc_admin", office, Role.ADMIN, other),
                                       ("xa_intake", office, Role.INTAKE, unit),
                                       ("xa_applicant", school, Role.APPLICANT, school)):
        user = User.objects.create_user(username=username, password="pw-Adopt-2026!", org_unit=home,
                                        is_staff=role == Role.ADMIN)
        membership_grant(user=user, org_unit=over, role=role)
        if role == Role.ADMIN:
            # The admin site's permissions on the policy catalogue, as an
            # installation grants them; the jurisdiction is the role's.
            user.user_permissions.add(*Permission.objects.filter(
                content_type__app_label="policies", codename__in=[
                    "add_policyversion", "change_policyversion", "view_policyversion", "view_jurisdiction",
                    "change_policyitem", "view_policyitem", "view_stagetimelimit", "change_stagetimelimit"]))
        people[username] = user
    return {"template": template, "jurisdiction": jurisdiction, "unit": unit, "school": school, **people}


def _adopt(county, **kwargs):
    values = {"jurisdiction": county["jurisdiction"], "template": county["template"], "actor": county["xa_admin"],
              "title": OWN_TITLE, "effective_from": dt.date(2027, 1, 1), **kwargs}
    return services.policy_version_adopt_template(**values)


def test_adopting_copies_every_item_unconfirmed_with_its_origin(county):
    template = county["template"]
    draft = _adopt(county)
    assert draft.status == PolicyVersion.Status.DRAFT
    assert draft.document.jurisdiction == county["jurisdiction"] and draft.document.title == OWN_TITLE
    source_items = list(template.items.order_by("kind", "number"))
    copies = list(draft.items.order_by("kind", "number"))
    assert len(copies) == len(source_items) > 20
    for original, copy in zip(source_items, copies, strict=True):
        assert (copy.kind, copy.number, copy.title, copy.text) == (original.kind, original.number, original.title,
                                                                  original.text)
        # Not confirmed for the county, whatever it was in Kunming.
        assert copy.certainty == Certainty.RECONSTRUCTED and copy.confirmed_at is None
        assert copy.mark == MARK and copy.label().endswith(f"（{MARK}）")
        # Where it came from, with the certainty it had there.
        assert copy.taken_from["jurisdiction"] == "kunming" and copy.taken_from["version"] == template.pk
        assert copy.taken_from["item"] == original.pk and copy.taken_from["certainty"] == original.certainty
        assert copy.source.startswith(f"取自《{template.document.title}》")
        assert copy.article == ""
    # Kunming's article stays in the provenance only.
    condition = draft.items.get(kind="condition", number=1)
    assert condition.taken_from["article"] == "第五条（一）"
    # Time limits: copied as example defaults, each naming its origin.
    limits = list(draft.time_limits.all())
    assert len(limits) == template.time_limits.count() > 10
    assert {t.certainty for t in limits} == {Certainty.EXAMPLE_DEFAULT}
    assert all(t.source.startswith("示例默认（待核定）：取自《") and t.taken_from["version"] == template.pk for t in limits)
    # The procedure names Kunming's bodies and rules: not copied.
    assert template.procedure and draft.procedure == {}
    # Contradiction pairs follow the copies.
    pairs = sum(i.contradicts.count() for i in template.items.all())
    assert sum(i.contradicts.count() for i in draft.items.all()) == pairs
    entry = draft.audit_entries.get(action=PolicyAuditEntry.Action.DRAFT_ADOPTED)
    assert entry.actor == county["xa_admin"]
    assert entry.data["template_version"] == template.pk and entry.data["template_jurisdiction"] == "kunming"
    assert entry.data["jurisdiction"] == "xinan" and entry.data["document"] == OWN_TITLE
    assert entry.data["items"] == len(copies) and entry.data["time_limits"] == len(limits)
    assert "correction" in entry.data["procedure_not_copied"]
    # Kunming's own version is untouched.
    assert not template.items.filter(certainty=Certainty.RECONSTRUCTED, taken_from__has_key="item").exists()


def test_publishing_asks_for_the_confirmation_and_records_it(county):
    draft = _adopt(county)
    with pytest.raises(ApplicationError) as exc:
        services.policy_version_publish(version=draft, actor=county["xa_admin"])
    assert exc.value.code == "unconfirmed_items"
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT
    services.policy_version_publish(version=draft, actor=county["xa_admin"], acknowledge_unconfirmed=True)
    entry = draft.audit_entries.get(action=PolicyAuditEntry.Action.VERSION_PUBLISHED)
    assert len(entry.data["unconfirmed_acknowledged"]) == draft.items.count() + draft.time_limits.count()


def test_confirming_an_item_removes_its_mark(county):
    draft = _adopt(county)
    item = draft.items.get(kind="positive", number=1)
    services.policy_item_confirm(item=item, actor=county["xa_admin"], text=item.text, article="第六条（一）")
    item.refresh_from_db()
    assert item.certainty == Certainty.VERBATIM and item.mark == "" and item.confirmed_by == county["xa_admin"]
    # Its source is now the county's own text; the provenance stays.
    assert item.source == f"《{OWN_TITLE}》第六条（一）" and item.taken_from["jurisdiction"] == "kunming"
    assert f"{item.get_kind_display()} {item.number}" not in services.policy_version_unconfirmed(draft)
    assert draft.items.filter(certainty=Certainty.RECONSTRUCTED).count() == draft.items.count() - 1


def test_a_ruling_under_the_adopted_version_cites_the_countys_title(county):
    template = county["template"]
    draft = _adopt(county)
    services.policy_version_publish(version=draft, actor=county["xa_admin"], acknowledge_unconfirmed=True)
    case = make_case(applicant=county["xa_applicant"], stage="ruled", policy_version=draft)
    condition = draft.items.get(kind="condition", number=1)
    context = build_context(case=case, kind=LetterKind.RULING, ref="t", number="新纪容〔2027〕1号",
                            issued_on=dt.date(2027, 2, 1),
                            data={"result": "exempt", "reasons": "符合容错条件。", "meeting_on": "2027-01-30",
                                  "assessment": [{"item_id": condition.pk, "finding": "met"}]})
    text = strip_tags(render_html(LetterKind.RULING, context)).replace("\n", "")
    assert f"对照《{OWN_TITLE}》有关条款" in text
    assert template.document.title not in text and "昆明" not in text
    # The item is cited verbatim with its mark, without Kunming's article.
    assert f"容错条件第1项“{condition.text}”（{LETTER_MARK}）" in text
    assert "第五条" not in text


def test_refusals_change_nothing(county):
    before = (PolicyVersion.objects.count(), PolicyItem.objects.count(), StageTimeLimit.objects.count(),
              PolicyAuditEntry.objects.count())

    def unchanged():
        return before == (PolicyVersion.objects.count(), PolicyItem.objects.count(), StageTimeLimit.objects.count(),
                          PolicyAuditEntry.objects.count())

    for actor in (county["xa_intake"], county["jc_admin"]):
        with pytest.raises(ApplicationError) as exc:
            _adopt(county, actor=actor)
        assert exc.value.status_code == 403 and "新安县" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        _adopt(county, title="  ")
    assert "title" in exc.value.message_dict
    # The template's own title under the county's name: refused.
    with pytest.raises(ValidationError) as exc:
        _adopt(county, title=county["template"].document.title)
    assert "昆明市" in exc.value.message_dict["title"][0]
    # A version of one's own jurisdiction is not a template.
    kunming = county["template"].document.jurisdiction
    kunming.org_unit = county["unit"]
    with pytest.raises(ValidationError):
        _adopt(county, jurisdiction=kunming)
    assert unchanged()
    draft = _adopt(county)
    with pytest.raises(ApplicationError) as exc:
        _adopt(county, title="另一个办法")
    assert exc.value.status_code == 409 and exc.value.code == "open_draft" and str(draft) in exc.value.message


def test_a_jurisdiction_with_its_own_document_gets_a_new_version_of_it(county):
    draft = _adopt(county)
    services.policy_version_publish(version=draft, actor=county["xa_admin"], acknowledge_unconfirmed=True)
    second = _adopt(county, effective_from=None)
    assert second.document == draft.document and second.number == 2
    assert second.effective_from > draft.effective_from
# --- the page (admin) and the API -------------------------------------------


def _page_url(county):
    return reverse("admin:policies_jurisdiction_adopt", args=[county["jurisdiction"].pk])


def test_adopt_page_previews_and_adopts(client, county):
    template = county["template"]
    client.force_login(county["xa_admin"])
    html = client.get(_page_url(county), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'value="{template.pk}"' in html and template.document.title in html
    page = client.get(_page_url(county), {"template": template.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    total = template.items.count() + template.time_limits.count()
    assert f'id="adopt-unconfirmed">{total}<' in html
    assert f'id="adopt-count-positive">{template.items.filter(kind="positive").count()}<' in html
    # A title is required: the form says so in Chinese and nothing is made.
    response = client.post(_page_url(county), {"template": template.pk, "title": "",
                                                "effective_from": "2027-01-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "对照《…》有关条款" in response.content.decode()
    assert not PolicyVersion.objects.filter(document__jurisdiction=county["jurisdiction"]).exists()
    response = client.post(_page_url(county), {"template": template.pk, "title": OWN_TITLE,
                                                "effective_from": "2027-01-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    draft = PolicyVersion.objects.get(document__jurisdiction=county["jurisdiction"])
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:policies_policyversion_change", args=[draft.pk])
    # The draft's page lists the copies to confirm, each with its origin and mark.
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="taken-items"' in html and html.count(f"取自《{template.document.title}》") >= draft.items.count()
    item = draft.items.get(kind="positive", number=2)
    confirm = reverse("admin:policies_policyversion_confirm", args=[draft.pk, item.pk])
    assert confirm in html
    response = client.post(confirm, {"text": item.text, "article": "第六条（二）", "certainty": "verbatim"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.certainty == Certainty.VERBATIM and item.article == "第六条（二）"
    # An open draft: the page refuses a second adoption with the reason.
    response = client.post(_page_url(county), {"template": template.pk, "title": "另一个办法",
                                                "effective_from": "2027-01-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409 and "草稿" in response.content.decode()


def test_adopt_page_refuses_another_jurisdictions_admin(client, county):
    client.force_login(county["jc_admin"])
    assert client.get(_page_url(county)).status_code == 403
    response = client.post(_page_url(county), {"template": county["template"].pk, "title": OWN_TITLE,
                                                "effective_from": "2027-01-01"})
    assert response.status_code == 403
    assert not PolicyVersion.objects.filter(document__jurisdiction=county["jurisdiction"]).exists()


def _api_url(county):
    return reverse("api-policy-adopt", args=[county["jurisdiction"].code])


def test_api_adopts(client, county):
    template = county["template"]
    client.force_login(county["xa_admin"])
    response = client.post(_api_url(county), {"template": template.pk, "title": OWN_TITLE,
                                              "effective_from": "2027-01-01"},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 201, response.content
    body = response.json()
    draft = PolicyVersion.objects.get(pk=body["id"])
    assert draft.document.jurisdiction == county["jurisdiction"] and body["document"]["title"] == OWN_TITLE
    assert body["status"] == "draft" and body["unconfirmed"] == draft.items.count() + draft.time_limits.count()
    assert body["template"]["id"] == template.pk and "correction" in body["procedure_not_copied"]
    assert body["counts"]["positive"] == template.items.filter(kind="positive").count()
    # Open draft: 409, nothing more made.
    response = client.post(_api_url(county), {"template": template.pk, "title": "另一个办法"},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409 and response.json()["code"] == "open_draft"
    assert PolicyVersion.objects.filter(document__jurisdiction=county["jurisdiction"]).count() == 1


def test_api_refuses_bad_input_and_other_admins(client, county):
    template = county["template"]
    client.force_login(county["xa_admin"])
    response = client.post(_api_url(county), {"template": template.pk, "title": ""},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and "对照《…》有关条款" in response.json()["fields"]["title"][0]
    response = client.post(_api_url(county), {"title": OWN_TITLE}, content_type="application/json")
    assert response.status_code == 400
    client.force_login(county["jc_admin"])
    response = client.post(_api_url(county), {"template": template.pk, "title": OWN_TITLE},
                           content_type="application/json")
    assert response.status_code == 403
    assert not PolicyVersion.objects.filter(document__jurisdiction=county["jurisdiction"]).exists()


def test_api_lists_the_templates_with_what_each_copies(client, county, django_assert_max_num_queries):
    template = county["template"]
    url = reverse("api-policy-templates", args=[county["jurisdiction"].code])
    client.force_login(county["xa_admin"])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert set(rows) == set(PolicyVersion.objects.filter(document__jurisdiction__code="kunming")
                            .values_list("pk", flat=True))
    row = rows[template.pk]
    assert row["shipped"] is True and row["counts"]["positive"] == template.items.filter(kind="positive").count()
    assert row["unconfirmed"] == template.items.count() + template.time_limits.count()
    assert "correction" in row["procedure_not_copied"]
    # What the list says is what adopting copies.
    client.post(_api_url(county), {"template": template.pk, "title": OWN_TITLE}, content_type="application/json")
    draft = PolicyVersion.objects.get(document__jurisdiction=county["jurisdiction"])
    assert row["unconfirmed"] == draft.items.count() + draft.time_limits.count()
    client.force_login(county["jc_admin"])
    assert client.get(url).status_code == 403
