import pytest

from tests.factories import grant, make_announcement, make_article, make_category, make_kb_index
from tests.indexing.helpers import answer, ask
from users import tokens


@pytest.fixture
def content(home, products, member, other_member):
    """Public and restricted articles, announcements and questions; ``member`` is granted
    Ledger (the restricted items' segment), ``other_member`` nothing."""
    kb = make_kb_index(home)
    guides = make_category(kb, title="Guides", slug="guides")
    beta = make_category(kb, title="Beta", slug="beta")
    public = make_article(guides, title="Install the agent", tags=["install"])
    secret = make_article(
        beta,
        title="Warehouse beta connector",
        body="The quetzalcoatl connector streams tables.",
        segments=[products["ledger"]],
        restricted=True,
        tags=["beta-connector"],
    )
    news = make_announcement(title="Relay 2.0 is out", segments=[products["relay"]])
    secret_news = make_announcement(
        title="Ledger private beta", segments=[products["ledger"]], restricted=True
    )
    grant(member, products["ledger"])
    question = ask(other_member, products["relay"], title="How do I retry a webhook?")
    answer(question, member, body="Press **Retry** on the delivery.")
    secret_question = ask(
        member, products["ledger"], title="Quetzalcoatl drops rows", restricted=True
    )
    return {
        "guides": guides,
        "beta": beta,
        "public": public,
        "secret": secret,
        "news": news,
        "secret_news": secret_news,
        "question": question,
        "secret_question": secret_question,
    }


@pytest.fixture
def bearer():
    """``bearer(user, **kwargs)`` → the Authorization header of a new token of ``user``."""

    def make(user, **kwargs):
        kwargs.setdefault("name", "test")
        _token, raw = tokens.create_token(user, **kwargs)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make
