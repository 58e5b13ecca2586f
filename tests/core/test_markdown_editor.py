"""The admin's Markdown editor: its widget on article bodies and category introductions,
and its preview endpoint, which uses the site's one renderer and is for the admin only."""

import pytest
from django.urls import reverse

from core import markdown
from core.markdown import render_markdown
from tests.factories import UserFactory, make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def chief(db):
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


def test_preview_renders_with_the_site_renderer(client, chief):
    client.force_login(chief)
    markdown.clear_local_cache()
    text = "## Plans\n\n**bold** <script>alert(1)</script>\n\n| a | b |\n| :- | -: |\n| 1 | 2 |"
    response = client.post(reverse("markdown_preview"), {"text": text})
    assert response.status_code == 200
    assert not markdown._local, "a preview is not kept in the cache"
    html = response.content.decode()
    assert html == str(render_markdown(text))
    assert "<strong>bold</strong>" in html and "<table" in html and "<script" not in html
    assert "no-store" in response["Cache-Control"]


def test_preview_is_for_the_admin_only(client, member):
    url = reverse("markdown_preview")
    assert client.post(url, {"text": "**x**"}).status_code == 302
    client.force_login(member)
    assert client.post(url, {"text": "**x**"}).status_code in (302, 403)


def test_preview_only_takes_posts(client, chief):
    client.force_login(chief)
    assert client.get(reverse("markdown_preview")).status_code == 405


def test_article_and_category_editors_load_the_markdown_editor(client, chief, home):
    category = make_category(title="Billing")
    article = make_article(category, title="Invoices")
    client.force_login(chief)
    for page in (article, category):
        html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
        assert "vendor/easymde/easymde.min.js" in html and "js/markdown-editor.js" in html
        assert "portico-markdown" in html and reverse("markdown_preview") in html
