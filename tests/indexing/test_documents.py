"""Builders: one document per item, from the model instance alone."""

from datetime import date

import pytest
from wagtail.models import PageViewRestriction

from announcements.search import build_announcement
from forum import services as forum
from forum.search import build_question
from kb import services as kb
from kb.search import build_article, build_article_documents
from search.extract import text_from_bytes
from search.registry import registry
from segments.models import Segment
from tests.factories import SegmentFactory, UserFactory, make_announcement, make_article
from tests.indexing.helpers import answer, ask, attach, make_document, pdf_bytes

pytestmark = pytest.mark.django_db

BODY = """Connect your bank so transactions arrive by themselves.

## Before you start

You need **admin** rights and a [bank login](https://example.com/login).

::: tip
Reconnect once a year.
:::

| Bank | Supported |
|------|-----------|
| Acme | yes |
"""


@pytest.fixture
def audience(products):
    return {
        "admin": SegmentFactory(kind=Segment.Kind.ROLE, slug="admin"),
        "trial": SegmentFactory(kind=Segment.Kind.STAGE, slug="trial"),
        **products,
    }


def test_article_document_has_plain_text_tags_audience_and_signals(home, audience, member):
    article = make_article(
        title="Connecting your bank",
        body=BODY,
        segments=[audience["ledger"], audience["admin"], audience["trial"]],
        tags=["Bank feeds", "setup"],
        featured=True,
    )
    kb.record_helpful_vote(article, user=member, helpful=True)
    kb.record_helpful_vote(article, session_key="anon-1", helpful=False)
    document = build_article(registry.get("article").load([article.pk])[str(article.pk)])

    assert document.id == f"article:{article.pk}" and document.type == "article"
    assert document.title == "Connecting your bank"
    assert document.url == article.get_url()
    assert "You need admin rights and a bank login" in document.text
    assert "Reconnect once a year." in document.text
    for markup in ("##", "**", "](", ":::", "|"):
        assert markup not in document.text
    assert document.summary == article.summary
    assert document.tags == ["bank-feeds", "setup"]
    assert document.tag_names == ["Bank feeds", "setup"]
    assert (document.products, document.roles, document.stages) == (
        ["ledger"],
        ["admin"],
        ["trial"],
    )
    assert document.access == ["public"]
    assert document.locale == "en"
    assert document.helpful_votes == 1
    assert document.promoted is True
    assert document.published == article.first_published_at
    assert document.updated == article.last_published_at


def test_builders_work_on_a_plain_instance_too(home, products):
    article = make_article(title="Plain", segments=[products["relay"]], tags=["x"])
    assert build_article(article).products == ["relay"]


def test_restricted_article_carries_its_segments_as_access_terms(home, products):
    article = make_article(
        title="Partner pricing", segments=[products["ledger"], products["atlas"]], restricted=True
    )
    expected = [f"segment:{pk}" for pk in sorted(products[s].pk for s in ("ledger", "atlas"))]
    assert build_article(article).access == expected


def test_restricted_without_segments_is_for_staff_only(home):
    assert build_article(make_article(title="Internal", restricted=True)).access == []


def test_wagtail_private_pages_are_for_staff_only(home):
    article = make_article(title="Behind a password")
    PageViewRestriction.objects.create(
        page=article.get_parent(), restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert build_article(article).access == []


def test_unpublished_articles_have_no_document(home):
    article = make_article(title="Draft", live=False)
    assert build_article(article) is None
    assert build_article_documents(article) == []


def test_attached_files_become_documents_with_the_articles_audience(home, products):
    article = make_article(
        title="Install guide", segments=[products["relay"]], restricted=True, tags=["install"]
    )
    pdf = make_document(
        "Installation manual", "manual.pdf", pdf_bytes("Install the relay agent", "Open port 8443")
    )
    notes = make_document(
        "Release notes", "notes.md", b"# Notes\n\nThe **agent** now retries uploads."
    )
    table = make_document("Port list", "ports.csv", b"service,port\nagent,8443\nconsole,9000\n")
    image = make_document("Diagram", "diagram.png", b"\x89PNG not really")
    article = attach(article, pdf, notes, table, image, pdf)

    main, *files = build_article_documents(article)
    assert main.id == f"article:{article.pk}"
    by_title = {f.title: f for f in files}
    assert list(by_title) == ["Installation manual", "Release notes", "Port list", "Diagram"]
    manual = by_title["Installation manual"]
    assert manual.id == f"document:{article.pk}-{pdf.pk}" and manual.type == "document"
    assert "Install the relay agent" in manual.text and "8443" in manual.text
    assert manual.parent == main.id and manual.parent_title == "Install guide"
    assert manual.access == main.access == [f"segment:{products['relay'].pk}"]
    assert manual.products == ["relay"] and manual.tags == ["install"]
    assert manual.url == pdf.url
    assert by_title["Release notes"].text == "Notes The agent now retries uploads."
    assert "agent 8443" in by_title["Port list"].text
    assert by_title["Diagram"].text == ""


def test_text_extraction_never_raises():
    assert text_from_bytes(b"%PDF-1.4 this is not a pdf", "pdf") == ""
    assert text_from_bytes(b"caf\xe9 cr\xe8me", "txt") == "café crème"
    assert text_from_bytes(pdf_bytes("Hello PDF"), "pdf") == "Hello PDF"
    assert len(text_from_bytes(b"word " * 100_000, "txt", limit=1000)) <= 1000


def test_text_extraction_of_a_broken_file_is_logged_not_raised(home, caplog):
    broken = make_document("Broken", "broken.pdf", b"%PDF-1.4\n1 0 obj <<< garbage")
    from search.extract import extract_text

    assert extract_text(broken) == ""


def test_announcement_document(home, products):
    announcement = make_announcement(
        title="Relay 5 is out",
        body="Faster **sync** and a new dashboard.",
        segments=[products["relay"]],
        pinned=True,
        date=date(2024, 5, 1),
    )
    document = build_announcement(announcement)
    assert document.id == f"announcement:{announcement.pk}" and document.type == "announcement"
    assert document.text == "Faster sync and a new dashboard."
    assert document.products == ["relay"]
    assert document.promoted is True
    assert document.published.date() == date(2024, 5, 1)
    assert document.access == ["public"]


@pytest.fixture
def asker(db):
    return UserFactory(username="asker")


def test_question_folds_in_published_answers_and_keeps_the_accepted_one_apart(
    home, products, asker, member, other_member, staff
):
    question = ask(asker, products["ledger"], tags=["bank-feed", "sync"])
    first = answer(question, member, body="Try **turning it off and on** again.")
    accepted = answer(question, other_member, body="Press *Reconnect* under Settings → Banks.")
    hidden = answer(question, member, body="Buy my product at spam.example")
    forum.hide_post(hidden, staff)
    forum.accept_answer(accepted, asker, notify=False)
    forum.vote(member, question, 1)

    document = build_question(registry.get("question").load([question.pk])[str(question.pk)])
    assert document.id == f"question:{question.pk}" and document.type == "question"
    assert document.title == question.title
    assert document.url == question.get_absolute_url()
    assert "I tried everything in the settings page" in document.text
    assert "Try turning it off and on again." in document.text
    assert "Reconnect" not in document.text
    assert "spam" not in document.text
    assert document.accepted_answer == "Press Reconnect under Settings → Banks."
    assert document.solved is True
    assert document.answer_count == 2
    assert document.helpful_votes == 1
    assert document.tags == ["bank-feed", "sync"]
    assert document.products == ["ledger"]
    assert document.access == ["public"]
    assert first.pk  # the other answer is folded, not lost


def test_hidden_and_held_questions_have_no_document(home, products, asker, staff):
    question = ask(asker, products["ledger"])
    forum.hide_post(question, staff)
    question.refresh_from_db()
    assert build_question(question) is None
    question.is_hidden, question.awaiting_review = False, True
    assert build_question(question) is None


def test_restricted_question_is_for_its_product_only(home, products, asker, staff):
    question = ask(asker, products["atlas"])
    forum.set_restricted(question, staff, True)
    document = build_question(question)
    assert document.access == [f"segment:{products['atlas'].pk}"]
    assert document.solved is False and document.accepted_answer == ""
