import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import grant, make_announcement

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
RSS_URL = "/feeds/announcements/rss/"
ATOM_URL = "/feeds/announcements/atom/"


@pytest.fixture
def news(index, products):
    today = timezone.localdate()
    return {
        "public": make_announcement(
            index,
            "Ledger 5.0",
            segments=[products["ledger"]],
            summary="Faster reports.",
            date=today,
        ),
        "relay": make_announcement(
            index, "Relay outage report", segments=[products["relay"]], date=today - dt.timedelta(1)
        ),
        "secret": make_announcement(
            index,
            "Ledger private beta",
            segments=[products["ledger"]],
            restricted=True,
            summary="Only for beta customers.",
        ),
        "draft": make_announcement(index, "Unfinished", live=False),
    }


def rss_items(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel").findall("item")


def atom_entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_url_names():
    assert reverse("announcements:rss") == RSS_URL
    assert reverse("announcements:atom") == ATOM_URL


def test_rss_lists_public_items_newest_first(client, news):
    items = rss_items(client.get(RSS_URL))

    assert [i.findtext("title") for i in items] == ["Ledger 5.0", "Relay outage report"]
    first = items[0]
    assert first.findtext("description") == "Faster reports."
    assert first.findtext("link") == "http://testserver" + news["public"].url
    assert first.findtext("guid") == first.findtext("link")
    assert [c.text for c in first.findall("category")] == ["Ledger"]
    assert first.findtext("pubDate")


def test_atom_lists_public_items(client, news):
    entries = atom_entries(client.get(ATOM_URL))

    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Ledger 5.0", "Relay outage report"]
    entry = entries[0]
    assert entry.find(f"{ATOM}link").get("href") == "http://testserver" + news["public"].url
    assert entry.findtext(f"{ATOM}summary") == "Faster reports."
    assert entry.findtext(f"{ATOM}updated")


@pytest.mark.parametrize("url", [RSS_URL, ATOM_URL])
def test_feeds_never_list_restricted_items(client, news, products, member, staff, url):
    grant(member, products["ledger"])
    for user in (None, member, staff):
        if user:
            client.force_login(user)
        body = client.get(url).content.decode()
        ET.fromstring(body)
        assert "Ledger private beta" not in body
        assert "Only for beta customers" not in body
        assert news["secret"].url not in body
        assert "Unfinished" not in body
        for product_slug in ("ledger", None):
            params = {"product": product_slug} if product_slug else {}
            assert "private beta" not in client.get(url, params).content.decode()


def test_product_feed(client, news):
    items = rss_items(client.get(RSS_URL, {"product": "relay"}))
    assert [i.findtext("title") for i in items] == ["Relay outage report"]
    root = ET.fromstring(client.get(ATOM_URL, {"product": "relay"}).content)
    assert "Relay" in root.findtext(f"{ATOM}title")
    assert client.get(RSS_URL, {"product": "nonsense"}).status_code == 404


def test_feed_is_limited_to_twenty(client, index):
    for n in range(25):
        make_announcement(index, f"Item {n}", date=timezone.localdate() - dt.timedelta(n))
    items = rss_items(client.get(RSS_URL))
    assert len(items) == 20
    assert items[0].findtext("title") == "Item 0"


def test_feed_is_publicly_cacheable(client, news):
    response = client.get(RSS_URL)
    assert "public" in response["Cache-Control"]
