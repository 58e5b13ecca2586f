"""Search per language on every backend: the spellings people type meet the spellings
editors wrote (Persian letters, digits, joiners, suffixes; Romanian diacritics and cedillas),
both engines make the same terms, and a language filter keeps a search in one language."""

import pytest

from search.analysis import VARIANTS, terms
from search.backends.text import query_words
from search.schema import SearchQuery
from search.service.engine import with_compounds
from tests.search.support import doc

#: (language, what the document says, what a person types): each pair must match.
SPELLINGS = [
    # Persian: Arabic letters for Persian ones.
    ("fa", "مدیریت کاربران", "مديريت"),
    ("fa", "تنظیمات کیف پول", "كيف"),
    ("fa", "صفحهٔ اصلی", "صفحه"),
    ("fa", "مسئول پرداخت", "مسيول"),
    ("fa", "آموزش نصب", "اموزش"),
    # Diacritics and tatweel.
    ("fa", "کِتاب راهنما", "کتاب"),
    ("fa", "راهنمای نصب", "راهـــنمای"),
    # Digits: Persian, Arabic-Indic and Latin.
    ("fa", "خطای ۴۰۴ هنگام ورود", "404"),
    ("fa", "خطای 404 هنگام ورود", "۴۰۴"),
    ("fa", "کد ٥٠٠ از سرور", "۵۰۰"),
    # The joiner: with, without and as a space.
    ("fa", "می‌خواهم رمز را عوض کنم", "میخواهم"),
    ("fa", "میخواهم رمز را عوض کنم", "می‌خواهم"),
    ("fa", "نمی‌توانم وارد شوم", "نمیتوانم"),
    # Words written together or apart.
    ("fa", "بازیابی رمز عبور", "رمزعبور"),
    ("fa", "بازیابی رمزعبور", "رمز عبور"),
    # Plurals and other endings.
    ("fa", "فهرست کاربران", "کاربر"),
    ("fa", "دانلود فاکتورها", "فاکتور"),
    ("fa", "همه فاکتور", "فاکتورهای"),
    ("fa", "سریع‌ترین راه", "سریع"),
    ("fa", "حساب کاربری‌ام", "حساب"),
    # Romanian: with and without diacritics, comma and cedilla letters.
    ("ro", "Setări de securitate", "setari"),
    ("ro", "Setari de securitate", "setări"),
    ("ro", "Țara de facturare", "ţara"),
    ("ro", "Ţara de facturare", "țara"),
    ("ro", "Ștergerea contului", "stergerea"),
    ("ro", "Stergerea contului", "ştergerea"),
    # Romanian word forms.
    ("ro", "Descarcă facturile lunare", "factura"),
    ("ro", "Facturi neplătite", "facturile"),
    ("ro", "Lista utilizatorilor", "utilizatorul"),
    ("ro", "Abonamentul lunar", "abonamente"),
]


def load(backend, *documents):
    backend.upsert(documents)
    backend.refresh()


@pytest.mark.parametrize(("language", "written", "typed"), SPELLINGS)
def test_what_people_type_finds_what_editors_wrote(backend, language, written, typed):
    load(
        backend,
        doc(1, written, text="", locale=language),
        doc(2, "Unrelated page", text="Nothing about it here.", locale=language),
    )
    # Word groups as the search service makes them (Persian: with compounds).
    groups = [(w,) for w in query_words(typed)]
    if language == "fa":
        groups = with_compounds(groups)
    query = SearchQuery(text=typed, groups=groups, access=None, languages=(language,))
    found = backend.search(query).ids
    assert found == ["article:1"], (written, typed)


def test_a_body_match_in_persian_is_found_too(backend):
    load(
        backend,
        doc(1, "راهنما", text="برای بازیابی رمز عبور به صفحهٔ ورود بروید.", locale="fa"),
        doc(2, "Password", text="Reset the password from the sign-in page.", locale="en"),
    )
    query = SearchQuery(text="رمز عبور", groups=with_compounds([("رمز",), ("عبور",)]),
                        access=None, languages=("fa",))  # fmt: skip
    assert backend.search(query).ids == ["article:1"]
    query = SearchQuery(text="رمزعبور", access=None, languages=("fa",))
    assert backend.search(query).ids == ["article:1"]


def test_english_stemming_stays_english(backend):
    load(
        backend,
        doc(1, "Exporting invoices", text="Download every invoice.", locale="en"),
        doc(2, "Exportul facturilor", text="Descarcă fiecare factură.", locale="ro"),
    )
    assert backend.search(SearchQuery(text="exported", access=None)).ids == ["article:1"]
    assert backend.search(SearchQuery(text="facturile", access=None, languages=("ro",))).ids == [
        "article:2"
    ]


def test_language_filter_and_facet(backend):
    load(
        backend,
        doc(1, "Invoice export", locale="en"),
        doc(2, "Export factură", locale="ro"),
        doc(3, "خروجی فاکتور", locale="fa"),
        doc(4, "Export invoices again", locale="en"),
    )
    query = SearchQuery(access=None, facets=("locale",), limit=10)
    assert dict(backend.search(query).facets["locale"]) == {"en": 2, "ro": 1, "fa": 1}
    only_ro = SearchQuery(access=None, filters={"locale": ["ro"]}, limit=10)
    assert backend.search(only_ro).ids == ["article:2"]


@pytest.mark.parametrize(("language", "written", "typed"), SPELLINGS)
def test_the_analysis_gives_both_spellings_a_common_term(language, written, typed):
    written_terms = {t for v in VARIANTS[language] for t in terms(written, v)}
    typed_terms = {t for v in VARIANTS[language] for t in terms(typed, v)}
    assert written_terms & typed_terms, (written_terms, typed_terms)


@pytest.mark.parametrize(
    ("text", "typed", "marked"),
    [
        ("Deschideți Setări și alegeți Securitate.", "setari", "Setări"),
        ("فهرست کاربران فعال را ببینید.", "كاربر", "کاربران"),
        ("Members reset passwords from the sign-in page.", "resetting", "reset"),
    ],
)
def test_snippets_mark_the_word_in_every_language(text, typed, marked):
    from search import snippets

    html = snippets.highlight(text, snippets.stems([typed]))
    assert f"<mark>{marked}</mark>" in html
