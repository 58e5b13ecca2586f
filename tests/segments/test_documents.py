"""A file attached to restricted content is as restricted as the content."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from tests.factories import grant, make_article


@pytest.fixture
def document(db):
    doc = get_document_model()(title="Beta runbook")
    doc.file.save("beta-runbook.txt", ContentFile(b"Kestrelwind steps"), save=False)
    doc.save()
    return doc


def attach(article, document):
    article.body = [
        ("text", "## Files"),
        ("document", {"document": document, "title": "", "description": ""}),
    ]
    revision = article.save_revision()
    revision.publish()


def test_file_of_a_restricted_article_is_hidden_from_outsiders(
    client, home, products, member, document
):
    article = make_article(title="Beta", segments=[products["ledger"]], restricted=True)
    attach(article, document)
    assert client.get(document.url).status_code == 404
    client.force_login(member)
    assert client.get(document.url).status_code == 404
    grant(member, products["ledger"])
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"Kestrelwind" in b"".join(response.streaming_content)


def test_file_also_used_by_public_content_is_served(client, home, products, document):
    attach(make_article(title="Beta", segments=[products["ledger"]], restricted=True), document)
    attach(make_article(title="Public guide"), document)
    assert client.get(document.url).status_code == 200


def test_staff_always_get_the_file(client, home, products, staff, document):
    attach(make_article(title="Beta", segments=[products["ledger"]], restricted=True), document)
    client.force_login(staff)
    assert client.get(document.url).status_code == 200
