import io
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from forum import services as forum_services
from tests.factories import UserFactory, make_article, make_category
from tests.tickets.support import index_now, use_fresh_index
from tickets import services

# The smallest valid PNG (1×1, transparent) and a tiny but real PDF.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


@pytest.fixture
def agent(db):
    user = UserFactory(username="agent", display_name="Sam Agent", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def second_agent(db):
    user = UserFactory(username="agent2", display_name="Rita Agent", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def customer(db):
    return UserFactory(username="customer", display_name="Priya Customer")


@pytest.fixture
def file_ticket(products):
    def _file(requester, **fields):
        fields.setdefault("product", products["relay"])
        fields.setdefault("subject", "Webhook deliveries fail with 401")
        fields.setdefault(
            "description", "Since this morning every webhook delivery to our endpoint fails."
        )
        fields.setdefault("enforce_limits", False)
        return services.file_ticket(requester, **fields)

    return _file


@pytest.fixture
def content(home, products):
    """A public article, a restricted one, a solved and an unanswered question."""
    category = make_category(title="Webhooks")
    public = make_article(
        category,
        "Verify webhook signatures",
        body="## Why signatures fail\n\nA signature fails when the signing secret was rotated. "
        "Copy the new secret from Settings and redeploy.",
        segments=[products["relay"]],
    )
    restricted = make_article(
        category,
        "Webhook signing for partner accounts",
        body="Partner accounts use the Quillwhistle signing secret.",
        segments=[products["relay"]],
        restricted=True,
    )
    veteran = UserFactory(username="veteran")
    helper = UserFactory(username="helper")
    solved = forum_services.ask_question(
        veteran,
        title="Webhook signature fails after rotating the secret",
        body="Every delivery fails since we rotated the webhook secret.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    answer = forum_services.post_answer(
        solved,
        helper,
        body="Relay keeps the old webhook secret for 24 hours; update your server to the new one.",
        enforce_limits=False,
    )
    forum_services.accept_answer(answer, veteran)
    unanswered = forum_services.ask_question(
        veteran,
        title="Webhook signature question nobody answered",
        body="Does the webhook signature include the query string?",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    return {
        "article": public,
        "restricted": restricted,
        "solved": solved,
        "unanswered": unanswered,
        "category": category,
    }


@pytest.fixture
def indexed(db, settings, tmp_path):
    """Put what the test wrote into its own search index; returns a function that does it
    again (a test's transaction never commits, so the after-commit drain never runs)."""
    from search.backends import reset_backends

    use_fresh_index(settings, tmp_path)
    yield index_now
    reset_backends()


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)
