"""Files follow their content's access, by every road to them.

A document is reachable at Wagtail's ``/documents/<id>/<name>`` and at its stored path under
``/media/documents/``; an image at ``/media/original_images/`` and each rendition at
``/media/images/``. Each road answers only to people who may see a published page using
the file.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from tests.factories import UserFactory, grant, make_article

pytestmark = pytest.mark.django_db


def _png(color=(200, 30, 30)) -> ImageFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), color).save(buffer, "PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name="diagram.png")


def make_document(name="runbook.txt", text=b"Kestrelwind steps", collection=None):
    document = get_document_model()(
        title=name, collection=collection or Collection.get_first_root_node()
    )
    document.file.save(name, ContentFile(text), save=False)
    document.save()
    return document


def make_image(collection=None):
    image = get_image_model()(
        title="Diagram", file=_png(), collection=collection or Collection.get_first_root_node()
    )
    image.save()
    return image


def use(article, *, document=None, image=None):
    body = [("text", "## Files")]
    if document is not None:
        body.append(("document", {"document": document, "title": "", "description": ""}))
    if image is not None:
        body.append(("image", {"image": image, "alt_text": "A diagram", "caption": ""}))
    article.body = body
    article.save_revision().publish()
    article.refresh_from_db()


def roads(document=None, image=None) -> list[str]:
    """Every URL that leads to the file."""
    urls = []
    if document is not None:
        urls += [document.url, f"/media/{document.file.name}"]
    if image is not None:
        rendition = image.get_rendition("fill-32x32")
        urls += [f"/media/{image.file.name}", f"/media/{rendition.file.name}"]
    return urls


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def restricted(home, products):
    return make_article(title="Beta", segments=[products["ledger"]], restricted=True)


def test_files_of_a_restricted_article_are_hidden_from_outsiders_on_every_road(
    client, restricted, products, member
):
    document, image = make_document(), make_image()
    use(restricted, document=document, image=image)
    urls = roads(document, image)
    assert len(urls) == 4
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(member)
    for url in urls:
        assert client.get(url).status_code == 404, url
    grant(member, products["ledger"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert url == document.url or response["Cache-Control"].startswith("private")
    assert b"Kestrelwind" in body(client.get(f"/media/{document.file.name}"))


def test_files_of_public_content_are_served_to_everyone(client, home):
    document, image = make_document(), make_image()
    use(make_article(title="Guide"), document=document, image=image)
    for url in roads(document, image):
        assert client.get(url).status_code == 200, url


def test_a_file_also_used_by_public_content_is_served(client, restricted):
    document = make_document()
    use(restricted, document=document)
    use(make_article(title="Public guide"), document=document)
    for url in roads(document):
        assert client.get(url).status_code == 200


def test_a_file_no_published_page_uses_is_for_editors_and_staff(client, home, member, editor):
    document, image = make_document(), make_image()
    draft = make_article(title="Draft", live=False)
    draft.body = [("document", {"document": document, "title": "", "description": ""})]
    draft.save_revision()
    urls = roads(document, image)
    for who in (None, member):
        client.logout()
        if who:
            client.force_login(who)
        for url in urls:
            assert client.get(url).status_code == 404, url
    client.force_login(editor)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_unpublishing_the_page_hides_its_files(client, home):
    document, image = make_document(), make_image()
    article = make_article(title="Guide")
    use(article, document=document, image=image)
    urls = roads(document, image)
    assert all(client.get(url).status_code == 200 for url in urls)
    article.unpublish()
    assert all(client.get(url).status_code == 404 for url in urls)


def test_wagtail_page_privacy_applies_to_files(client, home, member):
    document = make_document()
    article = make_article(title="Members only")
    use(article, document=document)
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    for url in roads(document):
        assert client.get(url).status_code in (302, 404), url
    client.force_login(member)
    for url in roads(document):
        assert client.get(url).status_code == 200, url


def test_collection_privacy_applies_to_images(client, home, member):
    group = Group.objects.create(name="Partners")
    root = Collection.get_first_root_node()
    private = root.add_child(instance=Collection(name="Partner kit"))
    restriction = CollectionViewRestriction.objects.create(
        collection=private, restriction_type=CollectionViewRestriction.GROUPS
    )
    restriction.groups.add(group)
    image = make_image(collection=private)
    use(make_article(title="Partner guide"), image=image)
    client.force_login(member)
    for url in roads(image=image):
        assert client.get(url).status_code == 404, url
    member.groups.add(group)
    for url in roads(image=image):
        assert client.get(url).status_code == 200, url


def test_unknown_and_crafted_media_paths_are_not_found(client, home):
    for path in (
        "/media/",
        "/media/documents/nothing-here.txt",
        "/media/../config/settings/base.py",
        "/media/documents/../../portico.sqlite3",
        "/media/test-search/x",
        "/media/images/%2e%2e/secret",
    ):
        assert client.get(path).status_code == 404, path


def test_the_web_server_sends_the_file_after_the_check(client, settings, restricted, products):
    settings.PORTICO_SENDFILE = "nginx"
    settings.PORTICO_SENDFILE_URL = "/_protected/"
    document = make_document()
    use(restricted, document=document)
    outsider = client.get(f"/media/{document.file.name}")
    assert outsider.status_code == 404 and "X-Accel-Redirect" not in outsider
    insider = UserFactory(username="insider")
    grant(insider, products["ledger"])
    client.force_login(insider)
    for url in roads(document):
        response = client.get(url)
        assert response.status_code == 200
        assert response["X-Accel-Redirect"] == f"/_protected/media/{document.file.name}"
        assert body(response) == b""
    settings.PORTICO_SENDFILE = "apache"
    response = client.get(f"/media/{document.file.name}")
    assert response["X-Sendfile"].endswith(document.file.name)
