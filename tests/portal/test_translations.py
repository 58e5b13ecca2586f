"""Pages in several languages: a page tree per locale, translations linked by their
translation key, hreflang alternates, the sitemap, the language switch and listings in
the page's language — never linking a translation the reader may not see."""

import re

import pytest
from django.test import Client
from wagtail.models import Locale

from announcements.models import AnnouncementIndexPage
from kb.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from portal.models import HomePage
from tests.factories import (
    UserFactory,
    grant,
    make_announcement,
    make_announcement_index,
    make_article,
    make_category,
    make_kb_index,
    publish,
)

pytestmark = pytest.mark.django_db

HREFLANG = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def locale(code: str) -> Locale:
    return Locale.objects.get_or_create(language_code=code)[0]


def translate(page, code: str, **fields):
    """Wagtail's own translation: a copy in the locale (with its parents), then edited
    and published as an editor would."""
    copy = page.specific.copy_for_translation(locale(code), copy_parents=True)
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return publish(copy)


def alternates(response) -> dict[str, str]:
    return dict(HREFLANG.findall(response.content.decode()))


@pytest.fixture
def tree(home):
    kb = make_kb_index(home)
    make_announcement_index(home)
    category = make_category(kb, title="Invoices", slug="invoices")
    article = make_article(category, title="Import invoices", slug="import-invoices")
    return {"home": home, "kb": kb, "category": category, "article": article}


@pytest.fixture
def persian(tree):
    """The Persian tree: home, knowledge base, category and the article, translated."""
    fa_home = translate(tree["home"], "fa", title="مرکز راهنما")
    translate(tree["kb"], "fa", title="پایگاه دانش")
    translate(tree["category"], "fa", title="فاکتورها")
    article = translate(tree["article"], "fa", title="ورود فاکتورها")
    translate(AnnouncementIndexPage.objects.get(locale=Locale.get_default()), "fa")
    return {"home": fa_home, "article": article}


def test_the_three_content_locales_exist():
    codes = set(Locale.objects.values_list("language_code", flat=True))
    assert {"en", "fa", "ro"} <= codes


def test_english_pages_keep_their_addresses_and_translations_live_under_the_language(persian, tree):
    assert tree["article"].url == "/kb/invoices/import-invoices/"
    assert persian["article"].url == "/fa/kb/invoices/import-invoices/"
    assert persian["article"].translation_key == tree["article"].translation_key
    client = Client()
    assert client.get("/kb/invoices/import-invoices/").status_code == 200
    response = client.get("/fa/kb/invoices/import-invoices/")
    assert response.status_code == 200
    assert "ورود فاکتورها" in response.content.decode()
    # The English address means the English page whatever the reader's language.
    english = client.get("/kb/invoices/import-invoices/", HTTP_ACCEPT_LANGUAGE="fa")
    assert "Import invoices" in english.content.decode()
    assert client.get("/ro/kb/invoices/import-invoices/").status_code == 404


def test_a_translated_article_links_its_translations(persian, tree):
    response = Client().get(tree["article"].url)
    found = alternates(response)
    assert found == {
        "en": "http://testserver/kb/invoices/import-invoices/",
        "fa": "http://testserver/fa/kb/invoices/import-invoices/",
        "x-default": "http://testserver/kb/invoices/import-invoices/",
    }
    assert alternates(Client().get(persian["article"].url)) == found


def test_a_page_without_translation_has_no_alternates(tree):
    assert alternates(Client().get(tree["article"].url)) == {}


def test_a_restricted_translation_is_never_linked_for_a_reader_who_may_not_see_it(
    persian, tree, products
):
    article = persian["article"]
    article.restricted = True
    article.save()
    article.segments.set([products["atlas"]])
    publish(article)
    secret_title = article.title
    outsider = UserFactory(username="outsider", language="fa")
    insider = UserFactory(username="insider", language="fa")
    grant(insider, products["atlas"])
    for client in (Client(), _signed_in(outsider)):
        response = client.get(tree["article"].url, HTTP_ACCEPT_LANGUAGE="fa")
        body = response.content.decode()
        assert alternates(response) == {}
        assert article.url not in body
        assert secret_title not in body
        assert client.get(article.url).status_code == 404
    response = _signed_in(insider).get(tree["article"].url, HTTP_ACCEPT_LANGUAGE="fa")
    assert set(alternates(response)) == {"en", "fa", "x-default"}
    # The reader's language is offered on the English page.
    assert "translation-offer" in response.content.decode()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_sitemap_lists_every_language_with_its_alternates_and_no_restricted_page(
    persian, tree, products
):
    extra = make_article(tree["category"], title="Only English", slug="only-english")
    hidden = translate(extra, "fa", title="ترجمهٔ محرمانه", restricted=True)
    hidden.segments.set([products["atlas"]])
    publish(hidden)
    # The sitemap names pages on the host the request came to (the test client's), not
    # on the site record's ("localhost").
    body = Client().get("/sitemap.xml").content.decode()
    assert "http://localhost/" not in body
    body = body.replace("http://testserver/", "/")
    assert "<loc>/fa/kb/invoices/import-invoices/</loc>" in body
    entry = re.search(r"<url><loc>/kb/invoices/import-invoices/</loc>.*?</url>", body)
    assert entry is not None
    assert (
        '<xhtml:link rel="alternate" hreflang="fa" href="/fa/kb/invoices/import-invoices/"/>'
        in entry.group(0)
    )
    assert 'hreflang="x-default"' in entry.group(0)
    assert "/fa/kb/invoices/only-english/" not in body
    english_only = re.search(r"<url><loc>/kb/invoices/only-english/</loc>.*?</url>", body)
    assert english_only is not None and "xhtml:link" not in english_only.group(0)


def test_the_language_switch_goes_to_the_translation(persian, tree):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "fa", "next": tree["article"].url})
    assert response.status_code == 302
    assert response["Location"] == persian["article"].url
    response = client.post("/i18n/setlang/", {"language": "en", "next": persian["article"].url})
    assert response["Location"] == tree["article"].url
    # No Romanian translation: the reader stays where they were.
    response = client.post("/i18n/setlang/", {"language": "ro", "next": tree["article"].url})
    assert response["Location"] == tree["article"].url
    # Not a page: the same address.
    response = client.post("/i18n/setlang/", {"language": "fa", "next": "/community/"})
    assert response["Location"] == "/community/"
    assert client.cookies["django_language"].value == "fa"


def test_the_language_switch_never_reveals_a_restricted_translation(persian, tree, products):
    article = persian["article"]
    article.restricted = True
    article.save()
    article.segments.set([products["atlas"]])
    publish(article)
    response = Client().post("/i18n/setlang/", {"language": "fa", "next": tree["article"].url})
    assert response["Location"] == tree["article"].url


def test_each_home_lists_its_own_language(persian, tree):
    english = make_article(tree["category"], title="Featured in English", featured=True)
    fa_category = tree["category"].get_translation(locale("fa"))
    make_article(fa_category, title="مقالهٔ برگزیده", slug="featured-fa", featured=True)
    make_announcement(title="English news")
    fa_index = AnnouncementIndexPage.objects.get(locale=locale("fa"))
    make_announcement(fa_index, title="خبر فارسی", slug="news-fa")
    client = Client()
    home = client.get("/").content.decode()
    assert english.title in home and "English news" in home
    assert "مقالهٔ برگزیده" not in home and "خبر فارسی" not in home
    fa_home = client.get("/fa/").content.decode()
    assert "مقالهٔ برگزیده" in fa_home and "خبر فارسی" in fa_home
    assert english.title not in fa_home and "English news" not in fa_home


def test_a_category_not_yet_translated_shows_the_english_articles_with_a_notice(persian, tree):
    other = make_category(tree["kb"], title="Webhooks", slug="webhooks")
    make_article(other, title="Retry a webhook", slug="retry-a-webhook")
    fa_kb = tree["kb"].get_translation(locale("fa"))
    client = Client(HTTP_ACCEPT_LANGUAGE="fa")
    kb_page = client.get(fa_kb.url).content.decode()
    # The untranslated category is listed apart, marked as English.
    assert 'id="kb-untranslated-heading"' in kb_page
    assert "Webhooks" in kb_page and 'lang="en"' in kb_page
    # A translated category with no translated article: the English ones, said so.
    fa_webhooks = translate(other, "fa", title="وب‌هوک‌ها")
    response = client.get(fa_webhooks.url)
    body = response.content.decode()
    assert "translation-fallback" in body
    assert "Retry a webhook" in body
    # Once an article is translated, only the Persian list shows.
    translate(ArticlePage.objects.get(slug="retry-a-webhook"), "fa", title="تلاش دوباره")
    body = client.get(fa_webhooks.url).content.decode()
    assert "translation-fallback" not in body and "تلاش دوباره" in body


def test_related_articles_stay_in_the_articles_language(persian, tree):
    from kb.queries import database_related_articles

    make_article(tree["category"], title="Export invoices", slug="export-invoices", tags=["csv"])
    fa_category = tree["category"].get_translation(locale("fa"))
    make_article(fa_category, title="خروجی فاکتورها", slug="export-fa", tags=["csv"])
    english = {a.title for a in database_related_articles(tree["article"], None)}
    persian_related = {a.title for a in database_related_articles(persian["article"], None)}
    assert english == {"Export invoices"}
    assert persian_related == {"خروجی فاکتورها"}


def test_feeds_are_in_one_language(persian):
    make_announcement(title="English news")
    fa_index = AnnouncementIndexPage.objects.get(locale=locale("fa"))
    make_announcement(fa_index, title="خبر فارسی", slug="news-fa")
    client = Client()
    english = client.get("/feeds/announcements/rss/").content.decode()
    assert "English news" in english and "خبر فارسی" not in english
    farsi = client.get("/feeds/announcements/rss/?lang=fa").content.decode()
    assert "خبر فارسی" in farsi and "English news" not in farsi
    assert "<language>fa</language>" in farsi
    assert client.get("/feeds/announcements/rss/?lang=xx").status_code == 404
    # A Persian page points to the Persian feed.
    page = client.get("/fa/").content.decode()
    assert 'href="/feeds/announcements/rss/?lang=fa"' in page


def test_one_home_knowledge_base_and_announcements_per_language(persian):
    assert HomePage.objects.count() == 2
    assert not HomePage.can_create_at(persian["home"].get_parent())
    fa_home = HomePage.objects.get(pk=persian["home"].pk)
    assert not KnowledgeBaseIndexPage.can_create_at(fa_home)
    assert CategoryPage.objects.filter(locale=locale("fa")).count() == 1


def test_a_cached_fragment_is_kept_per_reader_language():
    from django.utils import translation

    from core import fragments

    computed = []

    def compute():
        computed.append(translation.get_language())
        return translation.get_language()

    with translation.override("fa"):
        assert fragments.cached("probe", "anonymous", (1,), compute) == "fa"
        assert fragments.cached("probe", "anonymous", (1,), compute) == "fa"
    with translation.override("ro"):
        assert fragments.cached("probe", "anonymous", (1,), compute) == "ro"
    # Language-independent fragments say so and are shared.
    with translation.override("fa"):
        fragments.cached("shared", "any", (), lambda: "x", language="")
    with translation.override("en"):
        assert fragments.cached("shared", "any", (), lambda: "y", language="") == "x"
    assert computed == ["fa", "ro"]
