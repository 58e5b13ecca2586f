import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import grant, make_announcement, publish

pytestmark = pytest.mark.django_db


def test_page_renders_everything(client, index, products):
    other = make_announcement(index, "Earlier news")
    page = make_announcement(
        index,
        "Ledger 5.0 is out",
        body="## What changed\n\nFaster **reports**.",
        segments=[products["ledger"]],
        summary="Faster reports and a new export.",
    )

    response = client.get(page.url)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<h1 id="announcement-title"><span class="content-lang" lang="en" dir="ltr">'
        "Ledger 5.0 is out</span></h1>"
    ) in html
    assert 'class="breadcrumbs"' in html
    assert 'href="/announcements/">Announcements</a>' in html
    assert f'<time datetime="{page.date:%Y-%m-%d}">' in html
    assert 'class="badge badge--product"' in html and ">Ledger</a>" in html
    assert 'class="prose"' in html
    assert "<strong>reports</strong>" in html
    assert "Faster reports and a new export." in html
    assert list(response.context["more_announcements"]) == [other]
    assert 'href="/account/subscriptions/"' in html
    assert 'type="application/rss+xml"' in html


def test_more_announcements_respects_access(client, index, products, member):
    page = make_announcement(index, "Public")
    secret = make_announcement(index, "Secret", segments=[products["ledger"]], restricted=True)
    public = make_announcement(index, "Also public")
    make_announcement(index, "Draft", live=False)

    client.force_login(member)
    assert list(client.get(page.url).context["more_announcements"]) == [public]

    grant(member, products["ledger"])
    more = list(client.get(page.url).context["more_announcements"])
    assert set(more) == {public, secret}


def test_restricted_page_is_404_for_outsiders(client, index, products, member, other_member):
    page = make_announcement(index, "Secret", segments=[products["ledger"]], restricted=True)
    grant(member, products["ledger"])

    assert client.get(page.url).status_code == 404
    other_member.declared_products.add(products["ledger"])
    client.force_login(other_member)
    assert client.get(page.url).status_code == 404

    client.force_login(member)
    response = client.get(page.url)
    assert response.status_code == 200
    assert 'class="badge badge--restricted"' in response.content.decode()


def test_restricted_page_visible_to_staff(client, index, products, staff):
    page = make_announcement(index, "Secret", segments=[products["ledger"]], restricted=True)
    client.force_login(staff)
    assert client.get(page.url).status_code == 200


def test_page_query_count(client, index, products, member, django_assert_max_num_queries):
    for _ in range(6):
        make_announcement(index, segments=[products["relay"]])
    page = make_announcement(index, segments=[products["ledger"], products["relay"]])

    # Wagtail's routing and view-restriction check take eight; breadcrumbs, products and
    # "more announcements" one each.
    client.get(page.url)
    with django_assert_max_num_queries(10):
        assert client.get(page.url).status_code == 200

    grant(member, products["ledger"])
    client.force_login(member)
    client.get(page.url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(page.url).status_code == 200
    assert len(ctx.captured_queries) <= 16

    # Fixed: more siblings and more products do not add queries.
    for _ in range(6):
        make_announcement(index, segments=[products["atlas"], products["ledger"]])
    page.segments.add(products["atlas"])
    publish(page)
    client.get(page.url)  # the first read after a publish refills the shared caches
    with CaptureQueriesContext(connection) as again:
        assert client.get(page.url).status_code == 200
    assert len(again.captured_queries) == len(ctx.captured_queries)


def test_pages_preview_in_the_admin(index, products):
    page = make_announcement(index, segments=[products["ledger"]], restricted=True)
    assert index.make_preview_request().status_code == 200
    assert page.make_preview_request().status_code == 200
