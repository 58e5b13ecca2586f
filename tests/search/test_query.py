"""Query understanding: a table of real and nasty inputs, and property tests — no input
ever raises, on the parser or on the whole service over a real index."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import service
from search.query import MAX_QUERY_LENGTH, min_should_match, parse
from search.service import SearchRequest
from search.snippets import highlight, passage, stems
from search.synonyms import expand

CASES = [
    # raw, words, phrases, excluded, filters
    ("reset password", ["reset", "password"], [], [], {}),
    ("  Reset   PASSWORD ", ["reset", "password"], [], [], {}),
    ('"sign in" sso', ["sso"], ["sign in"], [], {}),
    ('"unbalanced quote', ["unbalanced", "quote"], [], [], {}),
    ("webhook -retry", ["webhook"], [], ["retry"], {}),
    ('invoice -"credit note"', ["invoice"], [], ["credit note"], {}),
    ("product:relay sms", ["sms"], [], [], {"product": ["relay"]}),
    ('product:"Ledger Cloud" tax', ["tax"], [], [], {"product": ["ledger cloud"]}),
    ("tag:bank-feed type:questions", [], [], [], {"tag": ["bank-feed"], "type": ["questions"]}),
    ("foo:bar baz", ["foo", "bar", "baz"], [], [], {}),
    ("https://example.com/x", ["https", "example", "com", "x"], [], [], {}),
    ("- -- ---", [], [], [], {}),
    ("product:", ["product"], [], [], {}),
    ('""', [], [], [], {}),
    ('"one"', ["one"], [], [], {}),
    ("🚀🔥", [], [], [], {}),
    ("émoji 🙂 café", ["émoji", "café"], [], [], {}),
    ("\x00\x07null\u200bbyte", ["null", "byte"], [], [], {}),
    ("C++ and C#", ["c", "and"], [], [], {}),
    ("-only -exclusions", [], [], ["only", "exclusions"], {}),
    ("'; DROP TABLE x; --", ["drop", "table", "x"], [], [], {}),
]


@pytest.mark.parametrize("raw, words, phrases, excluded, filters", CASES)
def test_parse_table(raw, words, phrases, excluded, filters):
    parsed = parse(raw)
    assert parsed.words == words
    assert parsed.phrases == phrases
    assert parsed.excluded == excluded
    assert parsed.filters == filters


def test_exclusions_alone_get_a_message():
    assert parse("-webhook").messages and parse("-webhook").is_empty


def test_long_input_is_cut_with_a_message():
    parsed = parse("word " * 5000)
    assert parsed.truncated and len(parsed.text) <= MAX_QUERY_LENGTH
    assert "limited to" in parsed.messages[0]
    assert not parse("short").messages


def test_normalized_form():
    assert parse('  Reset "Sign In" -SSO product:Relay').normalized == (
        'reset "sign in" -sso product:relay'
    )


def test_min_should_match_never_requires_every_word_of_many():
    assert [min_should_match(n) for n in range(1, 9)] == [1, 1, 2, 3, 3, 4, 4, 5]


def test_synonym_expansion(db):
    from search.models import Synonym

    Synonym.objects.create(terms="log in, sign in, login")
    Synonym.objects.create(terms="2fa, two factor authentication", enabled=False)
    assert expand(["cannot", "log", "in", "today"], stopwords=frozenset({"cannot"})) == [
        ("log in", "sign in", "login"),
        ("today",),
    ]
    assert expand(["2fa"]) == [("2fa",)], "disabled sets do nothing"


def test_snippets_are_escaped_and_marked():
    wanted = stems(["reset"])
    plain, html = passage("Click <b>Reset</b> to reset it. " * 3, wanted)
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "<mark>Reset</mark>" in html and "<mark>reset</mark>" in html
    assert str(highlight("Resetting passwords", wanted)) == "<mark>Resetting</mark> passwords"
    assert passage("nothing here", wanted) == ("", "")


@given(st.text(max_size=600))
@settings(max_examples=300, deadline=None)
def test_parse_never_raises(raw):
    parsed = parse(raw)
    assert len(parsed.text) <= MAX_QUERY_LENGTH
    assert isinstance(parsed.normalized, str)


OPERATOR_SOUP = st.lists(
    st.sampled_from(
        [
            '"',
            "-",
            ":",
            "product:",
            "tag:",
            "type:",
            "*",
            "(",
            ")",
            "\\",
            "webhook",
            "é",
            "🙂",
            " ",
            "AND",
            "OR",
            "NOT",
            "~",
            "^",
            "\x00",
            "retry",
            "--",
            '"x y"',
            "'",
        ]  # fmt: skip
    ),
    max_size=30,
).map("".join)


@pytest.fixture
def few_articles(home, sync_search):
    from tests.factories import make_article, make_category

    category = make_category(title="Webhooks")
    make_article(category, title="Retry webhook deliveries", body='Retry é 🙂 "x y" AND OR.')
    make_article(category, title="Rotate secrets", body="Rotate (the) *secret* -- now.")
    sync_search()


@pytest.mark.django_db
@given(st.one_of(st.text(max_size=300), OPERATOR_SOUP))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_service_never_raises_on_any_input(few_articles, raw):
    page = service.search(SearchRequest(q=raw), None)
    assert page.total >= 0 and not page.error
    service.suggest(raw[:200], None)
    service.similar(raw, None)


def test_passages_start_and_end_on_word_edges():
    text = " ".join(f"filler{n}" for n in range(80)) + " the webhook retries here " + "tail " * 80
    plain, _html = passage(text, stems(["webhook"]))
    assert plain.startswith("… filler") and plain.endswith(" …")
    words = plain.strip("… ").split()
    assert all(
        w.startswith("filler") or w in {"the", "webhook", "retries", "here", "tail"} for w in words
    )
