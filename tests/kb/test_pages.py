"""Knowledge-base pages render what a reader needs, from the real page tree."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def article_titles(page_html: str) -> list[str]:
    return re.findall(r'class="article-list__title"><a href="[^"]+">([^<]+)</a>', page_html)


# --- KB home --------------------------------------------------------------------------


def test_kb_home_lists_categories_with_visible_article_counts(client, tree):
    page = html(client.get(tree.kb.url))
    assert "<h1>Knowledge base</h1>" in page
    assert "Guides and answers for every product." in page
    assert 'href="/kb/getting-started/">Getting started</a>' in page
    assert "icon--rocket" in page and "icon--card" in page
    assert "First steps with the portal." in page
    # Getting started: install + configure (the draft does not count).
    assert re.search(r"Getting started</a>.*?2 articles", page, re.S)
    # Billing: the restricted article is not counted for an anonymous visitor.
    assert re.search(r"Billing</a>.*?1 article\b", page, re.S)


def test_kb_home_featured_articles_and_popular_tags(client, tree):
    page = html(client.get(tree.kb.url))
    featured = page.split('id="kb-featured-heading"')[1].split("</section>")[0]
    assert "Install the agent" in featured
    assert "In Getting started" in featured
    assert "Enterprise single sign-on" not in featured
    assert "Upcoming feature" not in featured
    tags = page.split('id="kb-tags-heading"')[1].split("</section>")[0]
    assert 'href="/kb/tags/setup/"' in tags
    assert 'href="/kb/tags/invoices/"' in tags
    assert "/kb/tags/sso/" not in tags  # only used on a restricted article
    # Most used first: "setup" (2 visible articles) before "invoices" (1).
    assert tags.index("/kb/tags/setup/") < tags.index("/kb/tags/invoices/")


def test_kb_home_for_a_granted_member_counts_restricted_articles(client, tree, member, products):
    from tests.factories import grant

    grant(member, products["atlas"])
    client.force_login(member)
    page = html(client.get(tree.kb.url))
    assert re.search(r"Billing</a>.*?2 articles", page, re.S)
    featured = page.split('id="kb-featured-heading"')[1].split("</section>")[0]
    assert "Enterprise single sign-on" in featured
    assert "badge--restricted" in featured
    assert "/kb/tags/sso/" in page


def test_kb_home_empty_state(client, kb):
    page = html(client.get(kb.url))
    assert "There are no topics here yet." in page


# --- Category -------------------------------------------------------------------------


def test_category_page(client, tree):
    page = html(client.get(tree.start.url))
    assert '<nav class="breadcrumbs"' in page
    assert '<li><a href="/kb/">Knowledge base</a></li>' in page
    assert '<span aria-current="page">Getting started</span>' in page
    assert "Read <strong>this</strong> first." in page  # intro rendered as Markdown
    assert article_titles(page) == ["Install the agent", "Configure the agent"]
    assert "Get the agent running in five minutes." in page
    assert '<span class="badge badge--product">Ledger</span>' in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">', page)
    assert "Upcoming feature" not in page


def test_category_lists_restricted_articles_only_to_those_who_may_see_them(
    client, tree, member, products
):
    from tests.factories import grant

    assert article_titles(html(client.get(tree.billing.url))) == ["Download invoices"]
    grant(member, products["atlas"])
    client.force_login(member)
    page = html(client.get(tree.billing.url))
    assert article_titles(page) == ["Download invoices", "Enterprise single sign-on"]
    item = page.split("Enterprise single sign-on")[1].split("</li>")[0]
    assert '<span class="badge badge--restricted">Restricted</span>' in item
    public_item = page.split("Download invoices")[1].split("</li>")[0]
    assert "badge--restricted" not in public_item


@override_settings(PORTICO_CATEGORY_ARTICLES_PER_PAGE=2)
def test_category_is_paginated(client, kb):
    category = make_category(kb, title="Many")
    for n in range(5):
        make_article(category, f"Article number {n}")
    first = html(client.get(category.url))
    assert article_titles(first) == ["Article number 0", "Article number 1"]
    assert '<nav class="pagination"' in first
    assert 'rel="next" href="?page=2"' in first
    assert "Page 1 of 3" in first
    last = html(client.get(category.url, {"page": 3}))
    assert article_titles(last) == ["Article number 4"]
    assert 'rel="prev" href="?page=2"' in last
    assert 'rel="next"' not in last
    # Nonsense page numbers fall back to a real page instead of failing.
    assert article_titles(html(client.get(category.url, {"page": "x"}))) == article_titles(first)


def test_empty_category(client, kb):
    category = make_category(kb, title="Soon")
    assert "There are no articles in this topic yet." in html(client.get(category.url))


def test_category_slug_cannot_shadow_tag_pages(kb):
    category = make_category(kb, title="Tags", slug="tags-ok")
    category.slug = "tags"
    with pytest.raises(ValidationError) as error:
        category.full_clean()
    assert "slug" in error.value.message_dict


# --- Article --------------------------------------------------------------------------


def test_article_page(client, tree):
    page = html(client.get(tree.install.url))
    crumbs = page.split('<nav class="breadcrumbs"')[1].split("</nav>")[0]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs) == [
        ("/kb/", "Knowledge base"),
        ("/kb/getting-started/", "Getting started"),
    ]
    assert '<span aria-current="page">Install the agent</span>' in crumbs
    assert (
        '<h1 id="article-title"><span class="content-lang" lang="en" dir="ltr">'
        "Install the agent</span></h1>"
    ) in page
    assert (
        '<p class="lede content-lang" lang="en" dir="ltr">'
        "Get the agent running in five minutes.</p>"
    ) in page
    last_updated = tree.install.last_updated
    assert f'<time datetime="{last_updated.isoformat()}">' in page
    assert '<span class="badge badge--product">Ledger</span>' in page
    assert "badge--restricted" not in page
    prose = page.split('<div class="prose">')[1].split('<section id="helpful"')[0]
    assert "<table>" in prose and '<div class="callout callout--tip"' in prose
    assert '<meta name="description" content="Get the agent running in five minutes.">' in page


def test_article_table_of_contents_links_to_the_heading_ids(client, tree):
    page = html(client.get(tree.install.url))
    toc = page.split('<nav class="toc"')[1].split("</nav>")[0]
    anchors = re.findall(r'href="#([^"]+)">([^<]+)<', toc)
    assert anchors == [
        ("before-you-start", "Before you start"),
        ("system-requirements", "System requirements"),
        ("install", "Install"),
    ]
    prose = page.split('<div class="prose">')[1]
    for anchor, _text in anchors:
        assert f'id="{anchor}"' in prose
    # ### nests under the ## before it.
    assert re.search(
        r"Before you start</a>\s*<ol[^>]*>\s*<li><a href=\"#system-requirements\"", toc
    )


def test_article_without_headings_has_no_table_of_contents(client, kb):
    article = make_article(make_category(kb), body="Just a paragraph.")
    assert '<nav class="toc"' not in html(client.get(article.url))


def test_article_tags_link_to_tag_pages(client, tree):
    page = html(client.get(tree.install.url))
    tags = page.split('id="tags-heading"')[1].split("</section>")[0]
    assert re.findall(r'<a class="tag" href="([^"]+)">([^<]+)</a>', tags) == [
        ("/kb/tags/agent/", "agent"),
        ("/kb/tags/setup/", "setup"),
    ]


def related_titles(page_html: str) -> list[str]:
    if 'id="related-heading"' not in page_html:
        return []
    block = page_html.split('id="related-heading"')[1].split("</section>")[0]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', block)


def test_related_articles_prefer_shared_tags_then_category(client, tree, kb):
    other = make_category(kb, title="Elsewhere")
    make_article(other, "Unrelated elsewhere", tags=["misc"])
    shares_one = make_article(other, "Shares one tag", tags=["agent"])
    same_category_untagged = make_article(tree.start, "Same category, no tags")
    page = html(client.get(tree.install.url))
    assert related_titles(page) == [
        "Configure the agent",  # two shared tags, same category
        shares_one.title,  # one shared tag
        same_category_untagged.title,  # same category only
    ]


def test_related_articles_are_capped_at_five(client, kb):
    category = make_category(kb)
    article = make_article(category, "Main", tags=["x"])
    for n in range(7):
        make_article(category, f"Sibling {n}", tags=["x"])
    titles = related_titles(html(client.get(article.url)))
    assert len(titles) == 5
    assert "Main" not in titles


def test_article_helpful_form(client, tree):
    page = html(client.get(tree.install.url))
    form = page.split('<section id="helpful"')[1].split("</section>")[0]
    assert f'action="/feedback/articles/{tree.install.pk}/helpful/"' in form
    assert 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<button class="button" type="submit" name="helpful" value="yes">Yes</button>' in form
    assert 'name="helpful" value="no">No</button>' in form
    assert '<label for="id_comment">' in form
    assert 'aria-live="polite"' in form
    assert "/static/js/kb.js" in page


def test_article_body_blocks_render(client, kb, tmp_path):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from tests.factories import publish

    image = Image.objects.create(title="Dashboard", file=get_test_image_file("dash.png"))
    document = Document.objects.create(
        title="Setup guide", file=ContentFile(b"%PDF-1.4 " + b"x" * 2048, name="guide.pdf")
    )
    article = make_article(make_category(kb), "With blocks")
    article.body = [
        ("callout", {"kind": "warning", "title": "Careful", "text": "Back up **first**."}),
        ("callout", {"kind": "tip", "title": "", "text": "Plain tip."}),
        ("image", {"image": image, "alt_text": "The dashboard", "caption": "Your dashboard"}),
        ("image", {"image": image, "alt_text": "", "caption": ""}),
        ("document", {"document": document, "title": "", "description": "All the steps."}),
    ]
    publish(article)
    page = html(client.get(article.url))
    assert '<div class="callout callout--warning" role="note" aria-label="Careful">' in page
    assert '<p class="callout__label">Careful</p>' in page
    assert "Back up <strong>first</strong>." in page
    assert '<div class="callout callout--tip" role="note" aria-label="Tip">' in page
    assert re.search(r'<img [^>]*alt="The dashboard"', page)
    assert re.search(r'<img [^>]*srcset="[^"]*/dash[^"]*480w', page)
    assert "<figcaption>Your dashboard</figcaption>" in page
    assert re.search(r'<img [^>]*alt="Dashboard"', page)  # falls back to the image's own
    assert page.count("<figcaption>") == 1
    assert f'<a href="{document.url}">Setup guide</a>' in page
    assert re.search(r"\(PDF, 2\.0.KB\)", page)
    assert '<p class="document__description">All the steps.</p>' in page


# --- Tags -----------------------------------------------------------------------------


def test_tag_page(client, tree):
    page = html(client.get("/kb/tags/setup/"))
    assert "Articles tagged “setup”" in page
    assert article_titles(page) == ["Configure the agent", "Install the agent"]
    assert "In Getting started" in page
    assert '<meta name="robots" content="noindex, follow">' in page
    crumbs = page.split('<nav class="breadcrumbs"')[1].split("</nav>")[0]
    assert 'href="/kb/"' in crumbs and 'href="/kb/tags/"' in crumbs


def test_unknown_tag_is_404(client, tree):
    assert client.get("/kb/tags/no-such-tag/").status_code == 404


@override_settings(PORTICO_CATEGORY_ARTICLES_PER_PAGE=1)
def test_tag_page_is_paginated(client, tree):
    first = html(client.get("/kb/tags/agent/"))
    assert article_titles(first) == ["Configure the agent"]
    assert "Page 1 of 2" in first
    assert article_titles(html(client.get("/kb/tags/agent/", {"page": 2}))) == ["Install the agent"]


def test_tag_index(client, tree):
    page = html(client.get("/kb/tags/"))
    assert re.findall(r'<a class="tag" href="([^"]+)">', page) == [
        "/kb/tags/agent/",
        "/kb/tags/invoices/",
        "/kb/tags/setup/",
    ]


def test_table_of_contents_across_blocks_matches_rendered_ids(client, kb):
    from tests.factories import publish

    article = make_article(make_category(kb), "Several blocks")
    article.body = [
        ("text", "## Set up `agent`\n\nText."),
        ("callout", {"kind": "note", "title": "", "text": "### Inside a **callout**"}),
        ("text", "## Next steps\n\n## Set up `agent`"),
    ]
    publish(article)
    page = html(client.get(article.url))
    toc = page.split('<nav class="toc"')[1].split("</nav>")[0]
    anchors = re.findall(r'href="#([^"]+)">([^<]+)<', toc)
    assert [text for _anchor, text in anchors] == [
        "Set up agent",  # plain text: no Markdown in the table of contents
        "Inside a callout",
        "Next steps",
        "Set up agent",
    ]
    prose = page.split('<div class="prose">')[1].split('<section id="helpful"')[0]
    for anchor, _text in anchors:
        assert f'id="{anchor}"' in prose, anchor
