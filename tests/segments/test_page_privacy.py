"""Wagtail's own page privacy (login, password, groups) goes through the one policy.

A page behind a view restriction is listed only to people that restriction lets in —
signed-in members for "login", the chosen groups for "groups", and for "password" (a
browser's secret, not a person's) editors and staff only — on the home page, the
knowledge base, tag and category pages and related articles alike. Opening the page is
still Wagtail's answer (sign-in page, password form).
"""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from wagtail.models import PageViewRestriction

from kb.models import ArticlePage, CategoryPage
from segments import policy
from tests.factories import UserFactory, make_article, make_category, make_kb_index, publish

pytestmark = pytest.mark.django_db

PUBLIC = "Kestrel public guide"
LOGIN_ONLY = "Vireo sign-in guide"
PASSWORD = "Ptarmigan password guide"
GROUP_ONLY = "Quokka beta guide"
EVERY_TITLE = (PUBLIC, LOGIN_ONLY, PASSWORD, GROUP_ONLY)


@pytest.fixture
def beta_testers(db):
    return Group.objects.create(name="Beta testers")


@pytest.fixture
def site(home, beta_testers):
    kb = publish(make_kb_index(home))
    open_category = make_category(kb, title="Open guides", slug="open")
    members_category = make_category(kb, title="Members area", slug="members")

    def article(category, title, slug):
        return make_article(
            category,
            title,
            body="## Steps\n\nShared words about the agent.",
            slug=slug,
            summary=f"{title} summary.",
            tags=["agent"],
            featured=True,
        )

    pages = {
        PUBLIC: article(open_category, PUBLIC, "kestrel"),
        LOGIN_ONLY: article(members_category, LOGIN_ONLY, "vireo"),
        PASSWORD: article(open_category, PASSWORD, "ptarmigan"),
        GROUP_ONLY: article(open_category, GROUP_ONLY, "quokka"),
    }
    PageViewRestriction.objects.create(
        page=members_category, restriction_type=PageViewRestriction.LOGIN
    )
    PageViewRestriction.objects.create(
        page=pages[PASSWORD], restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    groups = PageViewRestriction.objects.create(
        page=pages[GROUP_ONLY], restriction_type=PageViewRestriction.GROUPS
    )
    groups.groups.add(beta_testers)
    return {
        "kb": kb,
        "open": open_category,
        "members": members_category,
        "pages": pages,
    }


def people(member, beta_testers):
    tester = UserFactory(username="tester")
    tester.groups.add(beta_testers)
    return {
        "anonymous": (AnonymousUser(), {PUBLIC}),
        "member": (member, {PUBLIC, LOGIN_ONLY}),
        "group member": (tester, {PUBLIC, LOGIN_ONLY, GROUP_ONLY}),
        "staff": (UserFactory(username="agent", is_staff=True), set(EVERY_TITLE)),
    }


def test_visible_to_and_can_view_follow_each_kind_of_restriction(site, member, beta_testers):
    for who, (user, expected) in people(member, beta_testers).items():
        listed = set(
            policy.visible_to(ArticlePage.objects.live(), user).values_list("title", flat=True)
        )
        assert listed == expected, who
        for title, page in site["pages"].items():
            fresh = ArticlePage.objects.get(pk=page.pk)
            assert policy.can_view(fresh, user) is (title in expected), (who, title)


def test_outsiders_never_see_private_titles_in_listings(client, site, member):
    article = site["pages"][PUBLIC]
    urls = [
        "/",
        site["kb"].url,
        site["kb"].url + "tags/",
        site["kb"].url + "tags/agent/",
        site["open"].url,
        article.url,
    ]
    for signed_in in (False, True):
        if signed_in:
            client.force_login(member)
        hidden = [PASSWORD, GROUP_ONLY] + ([] if signed_in else [LOGIN_ONLY])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            for title in hidden:
                assert title not in html, (signed_in, url, title)
                assert f"{title} summary." not in html, (signed_in, url, title)
    # A signed-in member may open a sign-in-only article, so it is listed for them.
    assert LOGIN_ONLY in client.get(site["members"].url).content.decode()


def test_staff_still_see_everything_listed(client, site):
    client.force_login(UserFactory(username="agent", is_staff=True))
    html = client.get(site["open"].url).content.decode()
    for title in (PUBLIC, PASSWORD, GROUP_ONLY):
        assert title in html


def test_serving_stays_wagtails_answer(client, site, member):
    # Not a 404 from the policy: Wagtail asks for a sign-in or a password as before.
    response = client.get(site["pages"][LOGIN_ONLY].url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    response = client.get(site["pages"][PASSWORD].url)
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()  # Wagtail's password form
    client.force_login(member)
    assert client.get(site["pages"][LOGIN_ONLY].url).status_code == 200


def test_an_alias_of_a_private_page_is_private_too(site, member):
    alias = site["pages"][PASSWORD].create_alias(parent=site["members"], update_slug="alias")
    # Wagtail itself applies the original's restriction to the alias...
    assert alias.specific.get_view_restrictions().exists()
    # ...and so do listings and can_view.
    assert alias.pk not in policy.visible_to(ArticlePage.objects.all(), member).values_list(
        "pk", flat=True
    )
    assert not policy.can_view(ArticlePage.objects.get(pk=alias.pk), member)


def test_any_page_queryset_follows_privacy(site, member):
    """Categories (pages without target segments) are narrowed the same way."""
    anonymous = set(
        policy.visible_to(CategoryPage.objects.live(), AnonymousUser()).values_list(
            "slug", flat=True
        )
    )
    assert anonymous == {"open"}
    signed_in = set(
        policy.visible_to(CategoryPage.objects.live(), member).values_list("slug", flat=True)
    )
    assert signed_in == {"open", "members"}


def test_privacy_costs_no_extra_query(site, member, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(policy.visible_to(ArticlePage.objects.live(), AnonymousUser()))
    policy.is_privileged(member)  # the grants lookup, once per request
    with django_assert_num_queries(1):
        list(policy.visible_to(ArticlePage.objects.live(), member))


def test_one_page_against_many_people_costs_one_query(site, django_assert_num_queries):
    page = ArticlePage.objects.get(pk=site["pages"][LOGIN_ONLY].pk)
    members = [UserFactory(username=f"reader{n}") for n in range(5)]
    for user in members:
        policy.is_privileged(user)
    with django_assert_num_queries(1):
        assert all(policy.can_view(page, user) for user in members)
    public = ArticlePage.objects.get(pk=site["pages"][PUBLIC].pk)
    with django_assert_num_queries(1):
        assert all(policy.can_view(public, AnonymousUser()) for _ in range(5))
