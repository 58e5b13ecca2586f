"""The search service and languages: the reader's language first, the others when that finds
little, ``lang:`` and the language facet, questions written in the asker's language — on
every backend."""

import pytest
from django.utils import translation

from search import service
from search.service import SearchRequest
from tests.indexing.helpers import ask
from tests.search.support import BACKENDS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.parametrize("site_backend", BACKENDS, indirect=True),
]


@pytest.fixture
def sync(site_backend, sync_search):
    return sync_search


def search(q, *, reader="en", **fields):
    with translation.override(reader):
        page = service.search(SearchRequest(q=q, **fields), None)
    assert not page.error, page.error
    return page


def titles(page):
    return [r.title for r in page.results]


@pytest.fixture
def questions(home, products, member, sync):
    relay = products["relay"]
    with translation.override("fa"):
        fa = ask(member, relay, title="خطای ۴۰۴ هنگام ورود به داشبورد Relay",
                 body="وقتی وارد می‌شوم صفحه خطای ۴۰۴ نشان می‌دهد.")  # fmt: skip
    with translation.override("ro"):
        ro = ask(member, relay, title="Eroare 404 la autentificarea în Relay",
                 body="Când mă autentific primesc o pagină de eroare 404.")  # fmt: skip
    en = ask(member, relay, title="Error 404 when signing in to Relay",
             body="Signing in shows a 404 error page every time.")  # fmt: skip
    sync()
    return {"fa": fa, "ro": ro, "en": en}


def test_a_question_is_written_in_the_askers_language(questions):
    assert {code: q.language for code, q in questions.items()} == {
        "fa": "fa",
        "ro": "ro",
        "en": "en",
    }


def test_the_readers_language_first_then_the_others(questions):
    # 404 is in every question: a Persian reader sees the Persian one, and since that is
    # little, the others after it.
    page = search("۴۰۴", reader="fa")
    assert titles(page)[0] == questions["fa"].title
    assert set(titles(page)) == {q.title for q in questions.values()}
    assert page.other_languages
    # A word only Romanian has: found for a Romanian reader, with diacritics or without.
    for typed in ("autentificarea", "autentificarea în", "eroare"):
        assert titles(search(typed, reader="ro"))[0] == questions["ro"].title, typed


def test_lang_filter_and_facet(questions):
    page = search("404 lang:ro", reader="en")
    assert titles(page) == [questions["ro"].title]
    page = search("404", reader="en", languages=["fa"])
    assert titles(page) == [questions["fa"].title]
    page = search("404", reader="en", languages=["fa", "en"])
    assert set(titles(page)) == {questions["fa"].title, questions["en"].title}
    facet = {v.value: v.count for v in search("404", reader="en").facets["lang"]}
    assert facet == {"en": 1, "fa": 1, "ro": 1}


def test_an_unknown_language_is_said_not_ignored(questions):
    page = search("404 lang:klingon", reader="en")
    assert any("klingon" in message for message in page.messages)


def test_persian_spellings_through_the_service(questions):
    # Arabic letters, no joiner, Latin digits: how people type.
    for typed in ("خطاي 404", "ميشوم", "داشبورد"):
        assert questions["fa"].title in titles(search(typed, reader="fa")), typed


def test_each_result_carries_its_language_on_the_page_and_in_the_api(client, home, products, sync):
    from forum import services as forum
    from tests.factories import UserFactory

    author = UserFactory(username="nasrin")
    forum.ask_question(
        author,
        title="صورتحساب ماهانه کجاست؟",
        body="صورتحساب ماهانه را در تنظیمات پیدا نمی‌کنم.",
        product=products["ledger"],
        tags="صورتحساب",
        language="fa",
        enforce_limits=False,
    )
    sync()
    html = client.get("/search/", {"q": "صورتحساب"}).content.decode()
    assert '<html lang="en" dir="ltr"' in html
    assert 'class="content-lang" lang="fa" dir="rtl">' in html
    api = client.get("/api/v1/search", {"q": "صورتحساب"}).json()
    assert [r["language"] for r in api["results"]] == ["fa"]
