import pytest

from forum import services
from tests.factories import UserFactory


@pytest.fixture
def ask(products):
    """Create a question through the services (limits off, as an import would)."""

    def _ask(
        author,
        title="How do I rotate the webhook signing secret?",
        *,
        product=None,
        body="We rotated the secret and now every delivery fails.",
        tags="webhooks",
        **kwargs,
    ):
        kwargs.setdefault("enforce_limits", False)
        return services.ask_question(
            author,
            title=title,
            body=body,
            product=product or products["relay"],
            tags=tags,
            **kwargs,
        )

    return _ask


@pytest.fixture
def answer(db):
    def _answer(question, author, body="Rotate it in Settings, then redeploy the app.", **kwargs):
        kwargs.setdefault("enforce_limits", False)
        return services.post_answer(question, author, body=body, **kwargs)

    return _answer


@pytest.fixture
def third_member(db):
    return UserFactory(username="third")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)
