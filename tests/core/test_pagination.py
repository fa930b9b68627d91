"""The shared pagination block keeps the list's filters while paging."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_page_links_keep_the_filters_and_replace_the_page():
    request = RequestFactory().get("/cases/search/", {"q": "校舍", "stage": "ruled", "page": "2"})
    page = Paginator(list(range(45)), 20).get_page(2)
    html = render_to_string("includes/pagination.html", {"page": page}, request=request)
    assert 'href="?q=%E6%A0%A1%E8%88%8D&amp;stage=ruled&amp;page=1"' in html
    assert 'href="?q=%E6%A0%A1%E8%88%8D&amp;stage=ruled&amp;page=3"' in html
    single = Paginator(list(range(5)), 20).get_page(1)
    assert "pagination" not in render_to_string("includes/pagination.html", {"page": single}, request=request)
