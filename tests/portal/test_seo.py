"""What search engines and link previews read (``core.seo``): a canonical link,
OpenGraph and Twitter tags and schema.org JSON-LD on every public page, all on the host
the request came to; community questions in the sitemap, restricted and hidden ones never.

The JSON-LD is read by a real JSON-LD processor (pyld): each block is expanded against
the schema.org vocabulary and the required properties of its type are checked on the
expanded graph (what a search engine sees), not on our own dictionaries."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

import pytest
from django.test import Client
from pyld import jsonld
from wagtail.models import Locale

from core import seo
from forum import services
from tests.factories import (
    UserFactory,
    make_announcement,
    make_announcement_index,
    make_article,
    make_category,
    make_kb_index,
    publish,
)

pytestmark = pytest.mark.django_db

HOST = "help.example.test:8443"
BASE = f"http://{HOST}"
S = "https://schema.org/"

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)">')
META = re.compile(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">')


# --- Reading a page as a search engine does ---------------------------------------------


def _schema_org_loader(url, options=None):
    """The schema.org context, offline: its vocabulary is ``https://schema.org/``."""
    if url.rstrip("/") not in ("https://schema.org", "http://schema.org"):
        raise jsonld.JsonLdError(f"no network in tests: {url}", "loading document failed")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": S}},
    }


def structured_data(body: str) -> list[dict]:
    """Every JSON-LD block of a page, expanded by the JSON-LD algorithm."""
    expanded = []
    for raw in JSON_LD.findall(body):
        document = json.loads(raw)  # the escapes (\u003C) are plain JSON
        expanded += jsonld.expand(document, {"documentLoader": _schema_org_loader})
    return expanded


def of_type(nodes: list[dict], kind: str) -> list[dict]:
    return [node for node in nodes if S + kind in node.get("@type", [])]


def values(node: dict, prop: str) -> list:
    """The values of ``prop`` (``@value`` of a literal, or the nested node)."""
    return [v.get("@value", v) for v in node.get(S + prop, [])]


def value(node: dict, prop: str):
    found = values(node, prop)
    assert len(found) == 1, f"{prop}: {found}"
    return found[0]


def assert_date(text) -> None:
    datetime.fromisoformat(str(text))  # ISO 8601, as schema.org's Date/DateTime


#: Properties schema.org types need here (search engines' required ones).
REQUIRED = {
    "Article": ("headline", "datePublished", "author", "inLanguage"),
    "QAPage": ("mainEntity",),
    "FAQPage": ("mainEntity",),
    "BreadcrumbList": ("itemListElement",),
}


def assert_valid(node: dict) -> None:
    """``node`` carries the required properties of its type, and its parts theirs."""
    for kind, props in REQUIRED.items():
        if S + kind in node["@type"]:
            for prop in props:
                assert values(node, prop), f"{kind} without {prop}"
    if S + "Article" in node["@type"]:
        assert_date(value(node, "datePublished"))
        author = value(node, "author")
        assert value(author, "name")
    if S + "BreadcrumbList" in node["@type"]:
        items = values(node, "itemListElement")
        positions = [int(value(item, "position")) for item in items]
        assert positions == list(range(1, len(items) + 1))
        for item in items:
            assert value(item, "name")
            assert str(value(item, "item")).startswith(BASE)
    if S + "QAPage" in node["@type"]:
        question = value(node, "mainEntity")
        assert S + "Question" in question["@type"]
        assert value(question, "name")
        count = int(value(question, "answerCount"))
        answers = values(question, "acceptedAnswer") + values(question, "suggestedAnswer")
        assert answers and len(answers) == count
        for answer in answers:
            assert S + "Answer" in answer["@type"]
            assert value(answer, "text")
    if S + "FAQPage" in node["@type"]:
        for question in values(node, "mainEntity"):
            assert value(question, "name")
            assert value(value(question, "acceptedAnswer"), "text")


def head_tags(body: str) -> dict[str, list[str]]:
    head = body.split("</head>")[0]
    tags: dict[str, list[str]] = {}
    for name, content in META.findall(head):
        tags.setdefault(name, []).append(html.unescape(content))
    return tags


def get(url: str, host: str = HOST, client: Client | None = None, **headers):
    response = (client or Client()).get(url, HTTP_HOST=host, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_previews(body: str, url: str, *, locale: str = "en_US", og_type: str = "website"):
    """One canonical link and the OpenGraph/Twitter tags, all on this request's host."""
    assert CANONICAL.findall(body) == [BASE + url]
    tags = head_tags(body)
    assert tags["og:url"] == [BASE + url]
    assert tags["og:locale"] == [locale]
    assert tags["og:type"] == [og_type]
    assert tags["og:title"][0] and tags["twitter:title"] == tags["og:title"]
    assert tags["twitter:card"] == ["summary"]
    assert tags["og:site_name"]
    return tags


# --- Content ----------------------------------------------------------------------------


@pytest.fixture
def tree(home):
    kb = make_kb_index(home)
    index = make_announcement_index(home)
    category = make_category(kb, title="Invoices", slug="invoices")
    article = make_article(category, title="Import invoices", slug="import-invoices")
    return {"home": home, "kb": kb, "index": index, "category": category, "article": article}


def translate(page, code: str, **fields):
    locale = Locale.objects.get_or_create(language_code=code)[0]
    copy = page.specific.copy_for_translation(locale, copy_parents=True)
    for name, field_value in fields.items():
        setattr(copy, name, field_value)
    copy.save()
    return publish(copy)


def ask(author, title, product, **kwargs):
    kwargs.setdefault("body", "We rotated the secret and now every delivery fails.")
    return services.ask_question(
        author, title=title, product=product, tags="webhooks", enforce_limits=False, **kwargs
    )


def reply(question, author, body):
    return services.post_answer(question, author, body=body, enforce_limits=False)


# --- Articles, FAQ articles, announcements ----------------------------------------------


def test_an_article_is_an_article_with_breadcrumbs_on_the_requests_host(tree):
    url = tree["article"].url
    body = get(url)
    tags = assert_previews(body, url, og_type="article")
    assert tags["og:description"] == ["Summary of Import invoices."]
    assert "127.0.0.1:8000" not in body and "http://testserver" not in body
    nodes = structured_data(body)
    for node in nodes:
        assert_valid(node)
    (page,) = of_type(nodes, "Article")
    assert value(page, "headline") == "Import invoices"
    assert value(page, "inLanguage") == "en"
    assert value(page, "url") == BASE + url
    assert value(page, "articleSection") == "Invoices"
    (crumbs,) = of_type(nodes, "BreadcrumbList")
    items = values(crumbs, "itemListElement")
    assert [value(i, "name") for i in items] == ["Knowledge base", "Invoices", "Import invoices"]
    assert value(items[-1], "item") == BASE + url


@pytest.mark.parametrize(
    ("code", "locale", "title"),
    [("fa", "fa_IR", "ورود فاکتورها"), ("ro", "ro_RO", "Importul facturilor")],
)
def test_a_translation_says_its_own_language(tree, code, locale, title):
    translated = translate(tree["article"], code, title=title)
    body = get(translated.url)
    tags = assert_previews(body, translated.url, locale=locale, og_type="article")
    assert tags["og:locale:alternate"] == ["en_US"]
    (page,) = of_type(structured_data(body), "Article")
    assert value(page, "inLanguage") == code
    assert value(page, "headline") == title
    # And the English original names its translation as the alternate.
    english = head_tags(get(tree["article"].url))
    assert english["og:locale"] == ["en_US"]
    assert english["og:locale:alternate"] == [locale]


FAQ = """Answers to what people ask most.

## How do I import invoices?

Open **Invoices** and choose *Import*.

### From a spreadsheet

Save it as CSV first.

## Can I undo an import?

Yes, within a day.
"""


def test_an_article_whose_body_is_a_list_of_questions_is_a_faq_page(tree):
    article = make_article(tree["category"], title="Invoice questions", body=FAQ)
    body = get(article.url)
    nodes = structured_data(body)
    for node in nodes:
        assert_valid(node)
    assert not of_type(nodes, "Article")
    (faq,) = of_type(nodes, "FAQPage")
    assert value(faq, "inLanguage") == "en"
    questions = values(faq, "mainEntity")
    assert [value(q, "name") for q in questions] == [
        "How do I import invoices?",
        "Can I undo an import?",
    ]
    first = value(value(questions[0], "acceptedAnswer"), "text")
    assert first == "Open Invoices and choose Import. From a spreadsheet Save it as CSV first."
    assert value(value(questions[1], "acceptedAnswer"), "text") == "Yes, within a day."
    assert of_type(nodes, "BreadcrumbList")


@pytest.mark.parametrize(
    ("markdown", "count"),
    [
        (FAQ, 2),
        ("## چطور فاکتور وارد کنم؟\n\nاز منوی فاکتورها.\n\n## آیا برمی‌گردد؟\n\nبله.", 2),
        ("## Only one question?\n\nOne answer.", 0),  # one question is no list
        ("## How?\n\nLike this.\n\n## Limits\n\nTen a day.", 0),  # a heading that asks nothing
        ("## How?\n\nLike this.\n\n## Why?\n", 0),  # a question left without an answer
        ("# Title?\n\nText.\n\n# Other?\n\nText.", 0),  # level-one headings are not the list
        ("Intro.\n\n```\n## Not a heading?\n```\n\n## Real?\n\nYes.", 0),
        ("", 0),
    ],
)
def test_the_faq_rule(markdown, count):
    assert len(seo.faq_entries(markdown)) == count


def test_an_announcement_is_an_article(tree):
    announcement = make_announcement(tree["index"], title="Faster exports")
    body = get(announcement.url)
    assert_previews(body, announcement.url, og_type="article")
    nodes = structured_data(body)
    for node in nodes:
        assert_valid(node)
    (page,) = of_type(nodes, "Article")
    assert value(page, "headline") == "Faster exports"
    assert str(value(page, "datePublished")).startswith(announcement.date.isoformat())
    (crumbs,) = of_type(nodes, "BreadcrumbList")
    names = [value(i, "name") for i in values(crumbs, "itemListElement")]
    assert names[-2:] == ["Announcements", "Faster exports"]


# --- Community questions ----------------------------------------------------------------


@pytest.fixture
def thread(products, member, other_member, staff):
    question = ask(member, "Webhook retries stopped after rotating the secret", products["relay"])
    accepted = reply(question, other_member, "Rotate it in Settings, then redeploy.")
    services.accept_answer(accepted, member)
    reply(question, staff, "Also check the **clock** of the server.")
    hidden = reply(question, UserFactory(username="spammer"), "Buy zanzibarine pills now")
    services.hide_post(hidden, staff)
    return question


def test_an_answered_question_is_a_qa_page_of_its_public_answers(thread):
    url = thread.get_absolute_url()
    body = get(url)
    tags = assert_previews(body, url, og_type="article")
    assert tags["og:title"] == [thread.title]
    nodes = structured_data(body)
    for node in nodes:
        assert_valid(node)
    (page,) = of_type(nodes, "QAPage")
    question = value(page, "mainEntity")
    assert value(question, "name") == thread.title
    assert value(question, "inLanguage") == "en"
    assert int(value(question, "answerCount")) == 2
    accepted = value(question, "acceptedAnswer")
    assert value(accepted, "text") == "Rotate it in Settings, then redeploy."
    assert str(value(accepted, "url")).startswith(BASE + url + "#answer-")
    assert value(value(accepted, "author"), "name")
    (suggested,) = values(question, "suggestedAnswer")
    assert value(suggested, "text") == "Also check the clock of the server."
    assert "zanzibarine" not in "".join(JSON_LD.findall(body))
    (crumbs,) = of_type(nodes, "BreadcrumbList")
    assert [value(i, "name") for i in values(crumbs, "itemListElement")] == [
        "Home",
        "Community",
        "Relay",
        thread.title,
    ]


def test_a_persian_question_says_so(products, member, other_member):
    question = ask(member, "چرا وب‌هوک کار نمی‌کند؟", products["relay"], language="fa")
    reply(question, other_member, "کلید را دوباره بسازید.")
    body = get(question.get_absolute_url())
    assert head_tags(body)["og:locale"] == ["fa_IR"]
    (page,) = of_type(structured_data(body), "QAPage")
    assert value(page, "inLanguage") == "fa"


def test_no_qa_page_without_a_public_answer_or_for_a_hidden_question(
    products, member, other_member, staff
):
    unanswered = ask(member, "Dashboard shows last week's numbers", products["atlas"])
    nodes = structured_data(get(unanswered.get_absolute_url()))
    assert not of_type(nodes, "QAPage") and of_type(nodes, "BreadcrumbList")

    hidden = ask(member, "A question a moderator hid", products["atlas"])
    reply(hidden, other_member, "An answer to the hidden question.")
    services.hide_post(hidden, staff)
    moderator = Client()
    moderator.force_login(staff)
    nodes = structured_data(get(hidden.get_absolute_url(), client=moderator))
    assert not of_type(nodes, "QAPage")


def test_json_ld_cannot_close_its_script_element(products, member, other_member):
    title = "Why does </script><script>alert(1)</script> show up?"
    question = ask(member, title, products["relay"])
    reply(question, other_member, "Because of <b>escaping</b> & such.")
    body = get(question.get_absolute_url())
    raw = "".join(JSON_LD.findall(body))
    assert "<" not in raw and ">" not in raw and "&" not in raw
    (page,) = of_type(structured_data(body), "QAPage")
    assert value(value(page, "mainEntity"), "name") == question.title


# --- Every public page has its canonical link -------------------------------------------


def test_every_public_page_has_one_canonical_link_on_the_requests_host(tree, thread):
    make_announcement(tree["index"], title="Faster exports", slug="faster-exports")
    pages = [
        "/",
        "/kb/",
        "/kb/invoices/",
        "/kb/invoices/import-invoices/",
        tree["kb"].tag_index_url(),
        "/announcements/",
        "/announcements/faster-exports/",
        "/community/",
        "/community/p/relay/",
        "/community/tags/",
        thread.get_absolute_url(),
    ]
    for url in pages:
        body = get(url)
        assert CANONICAL.findall(body) == [BASE + url], url
        assert head_tags(body)["og:url"] == [BASE + url], url
    # A later page of a listing is its own page; other query parameters are not.
    assert CANONICAL.findall(get("/community/?sort=votes")) == [BASE + "/community/"]
    # Pages that ask not to be indexed say nothing else.
    for url in ("/search/?q=invoices", "/kb/no-such-page/"):
        response = Client().get(url, HTTP_HOST=HOST)
        assert "noindex" in response.content.decode()
        assert not CANONICAL.findall(response.content.decode())


def test_the_page_cache_never_serves_one_hosts_urls_on_another(tree, settings):
    settings.PORTICO_PAGE_CACHE = True
    url = tree["article"].url
    first = Client().get(url, HTTP_HOST=HOST)
    again = Client().get(url, HTTP_HOST=HOST)
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    other = Client().get(url, HTTP_HOST="localhost:9000")
    body = other.content.decode()
    assert CANONICAL.findall(body) == [f"http://localhost:9000{url}"]
    assert HOST not in body
    (page,) = of_type(structured_data(body), "Article")
    assert value(page, "url") == f"http://localhost:9000{url}"


# --- Sitemap and robots.txt -------------------------------------------------------------


LOC = re.compile(r"<loc>([^<]+)</loc>")


def test_the_sitemap_lists_public_questions_only(
    tree, products, member, other_member, staff, settings
):
    public = ask(member, "Webhook retries stopped", products["relay"])
    restricted = ask(member, "Private beta connector", products["atlas"], restricted=True)
    hidden = ask(member, "Spam about pills", products["relay"])
    services.hide_post(hidden, staff)
    held = ask(member, "Held question", products["relay"])
    type(held).objects.filter(pk=held.pk).update(awaiting_review=True)
    closed_forum = ask(member, "A question in a forum that was closed later", products["ledger"])
    settings.FORUM_RESTRICTED_PRODUCTS = ["ledger"]

    body = get("/sitemap.xml")
    locations = LOC.findall(body)
    assert BASE + public.get_absolute_url() in locations
    assert BASE + tree["article"].url in locations
    for secret in (restricted, hidden, held, closed_forum):
        assert f"/community/q/{secret.pk}/" not in body
        assert secret.slug not in body
    assert all(location.startswith(BASE + "/") for location in locations)
    # Everything listed opens for an anonymous visitor.
    for location in locations:
        assert Client().get(location.removeprefix(BASE), HTTP_HOST=HOST).status_code == 200


def test_robots_txt_names_the_sitemap_on_the_requests_host(home):
    response = Client().get("/robots.txt", HTTP_HOST=HOST)
    assert f"Sitemap: {BASE}/sitemap.xml" in response.content.decode()


def test_without_a_request_urls_use_site_url(settings):
    settings.SITE_URL = "https://help.example.com"
    assert seo.absolute_url("/kb/") == "https://help.example.com/kb/"
    assert seo.absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert seo.og_locale("fa") == "fa_IR" and seo.og_locale("ro-RO") == "ro_RO"


def test_faq_entries_are_worked_out_once_per_source(monkeypatch):
    from markdown_it import MarkdownIt

    parses = []
    original = MarkdownIt.parse

    def counted(self, *args, **kwargs):
        parses.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MarkdownIt, "parse", counted)
    source = FAQ + "\n\n## And one asked only by this test?\n\nIt is."
    first = seo.faq_entries(source)
    after_first = len(parses)
    assert after_first >= 1 and len(first) == 3
    assert seo.faq_entries(source) == first
    assert seo.faq_entries(source) == first
    assert len(parses) == after_first  # read again, never parsed again
