"""Issue 16's term for withdrawing a publication, 撤回公开, where it is
read: the rendered management page (the section's heading and its button),
the withdrawal done through that page, the public page afterwards and the
API's operation summary. 撤回申请 (withdrawing an application, the old
label of this button) appears on none of them."""

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from publication import services
from publication.models import Publication

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
OLD_TERMS = ("撤回申请", "撤销公开", "撤下")


def _published(case, users) -> Publication:
    publication = services.publication_draft_create(case=case, actor=users["admin"])
    return services.publication_publish(publication=publication, actor=users["admin"])


def test_the_withdraw_action_reads_chehui_gongkai(client, ruled_case, users):
    publication = _published(ruled_case, users)
    client.force_login(users["admin"])
    url = reverse("publication:detail", args=[publication.pk])
    html = client.get(url, **ZH).content.decode()
    section = re.search(r'<section[^>]*aria-labelledby="withdraw-heading".*?</section>', html, re.S)
    assert section, "the published publication's page offers no withdrawal"
    section = section.group(0)
    assert re.search(r'<h2 id="withdraw-heading">\s*撤回公开\s*</h2>', section)
    assert re.search(r'<button type="submit" class="danger">\s*撤回公开\s*</button>', section)
    withdraw_url = reverse("publication:withdraw", args=[publication.pk])
    assert f'action="{withdraw_url}"' in section
    for old in OLD_TERMS:
        assert old not in html, old

    # The withdrawal through the page itself; the page then tells it in the
    # same words and no longer offers it.
    response = client.post(withdraw_url,
                           {"reason": "当事人申请复核"}, follow=True, **ZH)
    page = strip_tags(response.content.decode())
    assert Publication.objects.get(pk=publication.pk).status == Publication.Status.WITHDRAWN
    assert "公开信息已撤回。" in page and "已撤回" in page and "当事人申请复核" in page
    assert 'id="withdraw-heading"' not in response.content.decode()
    for old in OLD_TERMS:
        assert old not in page, old

    public = client.get(reverse("portal:outcome_detail", args=[publication.slug]), **ZH).content.decode()
    assert "该公开信息已撤回" in public and not any(old in public for old in OLD_TERMS)


def test_the_api_operation_is_chehui_gongkai(client, users):
    client.force_login(users["admin"])
    schema = client.get("/api/schema/?format=json", **ZH).json()
    operation = schema["paths"]["/api/v1/cases/{case_id}/publication/withdraw/"]["post"]
    assert operation["operationId"] == "case_publication_withdraw"
    assert operation["summary"] == "撤回公开"
    assert not any(old in str(operation) for old in OLD_TERMS)
