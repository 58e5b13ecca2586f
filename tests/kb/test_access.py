"""Restricted and draft articles: every way in is closed to outsiders."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Page, PageViewRestriction

from tests.factories import UserFactory, grant, make_article, make_category

pytestmark = pytest.mark.django_db

SECRET = "Enterprise single sign-on"


@pytest.fixture
def declared_member(products):
    """Says they use Atlas (and are an admin) — but nothing was granted."""
    from segments.models import Segment
    from tests.factories import SegmentFactory

    user = UserFactory(username="declarer")
    user.declared_products.add(products["atlas"])
    user.declared_role = SegmentFactory(kind=Segment.Kind.ROLE, slug="admin", name="Admin")
    user.save()
    return user


@pytest.fixture
def granted_member(products):
    user = UserFactory(username="granted")
    grant(user, products["atlas"])
    return user


@pytest.fixture
def wrong_grant_member(products):
    user = UserFactory(username="ledger-only")
    grant(user, products["ledger"])
    return user


OUTSIDERS = ["anonymous", "member", "declared_member", "wrong_grant_member"]
INSIDERS = ["granted_member", "staff", "editor"]


def login(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_restricted_article_is_404_for_outsiders(client, request, tree, who):
    login(client, request, who)
    response = client.get(tree.secret.url)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("who", INSIDERS)
def test_restricted_article_is_shown_to_insiders(client, request, tree, who):
    login(client, request, who)
    response = client.get(tree.secret.url)
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert '<span class="badge badge--restricted">Restricted</span>' in response.content.decode()


def test_expired_grant_does_not_unlock(client, tree, products):
    from datetime import timedelta

    from django.utils import timezone

    from segments.models import SegmentMembership

    user = UserFactory(username="lapsed")
    SegmentMembership.objects.create(
        user=user, segment=products["atlas"], expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(user)
    assert client.get(tree.secret.url).status_code == 404


def test_restricted_article_without_segments_is_for_staff_only(client, kb, member, staff):
    article = make_article(make_category(kb), "Internal only", restricted=True)
    assert client.get(article.url).status_code == 404
    client.force_login(member)
    assert client.get(article.url).status_code == 404
    client.force_login(staff)
    assert client.get(article.url).status_code == 200


def listing_pages(tree):
    return {
        "kb home": tree.kb.url,
        "category": tree.billing.url,
        "tag page": "/kb/tags/setup/",
        "tag index": "/kb/tags/",
        "related (same tags)": tree.install.url,
        "related (same category)": tree.invoices.url,
    }


@pytest.mark.parametrize("who", OUTSIDERS)
def test_restricted_article_absent_from_every_listing_for_outsiders(client, request, tree, who):
    login(client, request, who)
    for name, url in listing_pages(tree).items():
        response = client.get(url)
        assert response.status_code == 200, name
        content = response.content.decode()
        assert SECRET not in content, name
        assert tree.secret.url not in content, name
    # A tag used only on the restricted article does not exist for them.
    assert client.get("/kb/tags/sso/").status_code == 404


@pytest.mark.parametrize("who", INSIDERS)
def test_restricted_article_listed_for_insiders(client, request, tree, who):
    login(client, request, who)
    for name, url in listing_pages(tree).items():
        if name == "tag index":
            continue  # lists tags, not articles
        content = client.get(url).content.decode()
        assert tree.secret.url in content, name
    assert client.get("/kb/tags/sso/").status_code == 200


def test_sitemap_never_lists_restricted_or_draft_articles(client, tree, granted_member):
    for who in (None, granted_member):
        if who:
            client.force_login(who)
        sitemap = client.get("/sitemap.xml").content.decode()
        assert "/kb/getting-started/install-the-agent/" in sitemap
        assert "/kb/billing/invoices/" in sitemap
        assert "/kb/billing/enterprise-sso/" not in sitemap
        assert "/kb/getting-started/upcoming/" not in sitemap


@pytest.mark.parametrize("who", ["anonymous", "member", "editor", "staff"])
def test_drafts_are_404_and_unlisted(client, request, tree, who):
    login(client, request, who)
    draft_url = "/kb/getting-started/upcoming/"
    assert client.get(draft_url).status_code == 404
    for url in (tree.kb.url, tree.start.url, "/kb/tags/setup/", tree.install.url):
        assert "Upcoming feature" not in client.get(url).content.decode()


def test_unpublished_article_is_404(client, tree):
    tree.invoices.unpublish()
    assert client.get("/kb/billing/invoices/").status_code == 404
    assert "Download invoices" not in client.get(tree.billing.url).content.decode()


def test_unknown_paths_are_404(client, tree):
    for url in ("/kb/nope/", "/kb/billing/nope/", "/kb/billing/invoices/extra/"):
        assert client.get(url).status_code == 404, url


# --- Wagtail's own privacy settings still apply ---------------------------------------


def test_wagtail_login_restriction_on_a_category_covers_its_articles(client, tree, member):
    PageViewRestriction.objects.create(page=tree.start, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(tree.install.url)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
    client.force_login(member)
    assert client.get(tree.install.url).status_code == 200


def test_wagtail_group_restriction_on_the_kb(client, tree, member):
    restriction = PageViewRestriction.objects.create(
        page=tree.kb, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(member)
    for url in (tree.kb.url, tree.start.url, tree.install.url):
        response = client.get(url)
        # Wagtail sends people outside the groups to the login page.
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/login/"), url


def test_view_restrictions_match_wagtails_own_lookup(tree):
    restriction = PageViewRestriction.objects.create(
        page=tree.start, restriction_type=PageViewRestriction.LOGIN
    )
    alias = tree.invoices.create_alias(parent=tree.start, update_slug="invoices-alias")
    source_restriction = PageViewRestriction.objects.create(
        page=tree.invoices, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    for page in (tree.kb, tree.start, tree.billing, tree.install, tree.invoices, alias.specific):
        ours = set(page.get_view_restrictions())
        wagtails = set(Page.get_view_restrictions(page))
        assert ours == wagtails, page
    assert set(alias.specific.get_view_restrictions()) == {restriction, source_restriction}
