"""Direct answers (search/answers.py): what reads as a question, how sources are split into
passages (English, Persian, Romanian), which passage is chosen by the real encoders, that
only what the person may see can answer, and that the page works without encoders."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from search import answers
from search.answers import (
    Candidate,
    best_passage,
    direct_answer,
    is_question_like,
    markdown_paragraphs,
    read_token,
    split_passages,
    split_sentences,
)
from tests.factories import grant, make_article, make_category
from tests.tickets.support import index_now, use_fresh_index


@pytest.fixture
def direct(settings):
    settings.SEARCH_DIRECT_ANSWER = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    return settings


# --- What reads as a question ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "reset password?",
        "how reset password",
        "can I export invoices",
        "why webhook 401",
        "my webhook deliveries fail",  # four words
        "رمز عبور؟",
        "چرا فاکتور",
        "آیا خروجی اکسل",
        "cum schimb parola",
        "de ce factură",
        "pot exporta facturi",
        "factura?",
    ],
)
def test_question_like(text):
    assert is_question_like(text)


@pytest.mark.parametrize(
    "text",
    ["", "password", "webhook signing secret", "فاکتور", "خروجی اکسل", "factură", "rapoarte"],
)
def test_not_question_like(text):
    assert not is_question_like(text)


# --- Passages -------------------------------------------------------------------------------


def test_sentences_in_three_languages():
    assert split_sentences("Open Settings. Then click Save! Done? Yes… really") == [
        "Open Settings.",
        "Then click Save!",
        "Done?",
        "Yes…",
        "really",
    ]
    assert split_sentences("تنظیمات را باز کنید. آیا ذخیره شد؟ بله۔ تمام") == [
        "تنظیمات را باز کنید.",
        "آیا ذخیره شد؟",
        "بله۔",
        "تمام",
    ]
    assert split_sentences("Deschideți Setări. Apăsați „Salvează”. Gata") == [
        "Deschideți Setări.",
        "Apăsați „Salvează”.",
        "Gata",
    ]


def test_short_paragraphs_whole_long_ones_by_sentence():
    short = "Copy the new secret from Settings and redeploy your server."
    long_sentences = [
        f"Sentence number {n} explains one more step of the setup in detail." for n in range(8)
    ]
    text = f"{short}\n\n{' '.join(long_sentences)}\n\nOK.\n\nToo short"
    passages = split_passages(text)
    assert passages[0] == short
    assert passages[1:] == long_sentences, "a long paragraph is split into its sentences"
    assert "OK." not in passages and "Too short" not in passages


def test_persian_and_romanian_passages():
    fa = "برای تغییر رمز عبور به صفحهٔ تنظیمات حساب بروید.\n\n" + " ".join(
        ["این پاراگراف طولانی است و چند جمله دارد که هر کدام چیزی را توضیح می‌دهند؟"] * 5
    )
    passages = split_passages(fa)
    assert passages[0] == "برای تغییر رمز عبور به صفحهٔ تنظیمات حساب بروید."
    assert passages[1].endswith("؟") and len(passages) == 2, "repeated sentences once"
    ro = "Mergeți la Setări → Facturare și alegeți metoda de plată.\n\nDa."
    assert split_passages(ro) == ["Mergeți la Setări → Facturare și alegeți metoda de plată."]


def test_a_very_long_sentence_is_cut_at_a_word():
    sentence = " ".join(["word"] * 200)
    (passage,) = split_passages(sentence)
    assert len(passage) <= answers.MAX_PASSAGE_CHARS + 1 and passage.endswith("word…")


def test_markdown_paragraphs_drop_headings_code_and_tables():
    markdown = (
        "## Steps\n\nOpen **Settings** and choose [Webhooks](/relay/).\n\n"
        "```\ncurl -X POST https://example.test\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "- First item\n- Second item\n"
    )
    assert (
        markdown_paragraphs(markdown)
        == "Open Settings and choose Webhooks .\n\nFirst item Second item"
    )
    assert split_passages(markdown_paragraphs(markdown))[0] == "Open Settings and choose Webhooks."


def test_source_text_only_articles_and_accepted_answers():
    article = SimpleNamespace(
        type="article", obj=SimpleNamespace(markdown_source="# T\n\nBody text here."), document=None
    )
    assert answers.source_text(article) == "Body text here."
    document = SimpleNamespace(accepted_answer="Use the new secret.", text="question text")
    solved = SimpleNamespace(type="question", obj=None, document=document, solved=True)
    open_question = SimpleNamespace(type="question", obj=None, document=document, solved=False)
    news = SimpleNamespace(type="announcement", obj=None, document=document)
    assert answers.source_text(solved) == "Use the new secret."
    assert answers.source_text(open_question) == ""
    assert answers.source_text(news) == ""


# --- Choosing the passage (the real encoders) ------------------------------------------------


def candidate(key, language, *passages):
    return Candidate(
        key=key, title=key, url=f"/{key}/", language=language, passages=tuple(passages)
    )


def test_english_best_passage_and_no_answer_for_unrelated(direct):
    sources = [
        candidate(
            "article:1",
            "en",
            "Relay keeps the previous signing secret valid for 24 hours after a rotation.",
            "To rotate the secret, open the endpoint in Relay and click Rotate secret.",
            "Deliveries are retried eight times over 24 hours with exponential backoff.",
        ),
        candidate(
            "article:2",
            "en",
            "Invoices can be downloaded as PDF from the billing page.",
            "Every workspace has its own invoice numbering sequence.",
        ),
    ]
    found = best_passage("how do I rotate my webhook secret?", sources)
    assert found is not None and found.key == "article:1"
    assert found.text == "To rotate the secret, open the endpoint in Relay and click Rotate secret."
    found = best_passage("where can I download my invoice as a PDF?", sources)
    assert found is not None and found.text.startswith("Invoices can be downloaded")
    assert best_passage("what is the best pizza recipe?", sources) is None


def test_persian_best_passage(direct):
    sources = [
        candidate(
            "article:3",
            "fa",
            "برای تغییر رمز عبور، به تنظیمات حساب بروید و روی «تغییر رمز عبور» بزنید.",
            "فاکتورها هر ماه در روز اول صادر می‌شوند.",
            "برای دعوت همکاران، از صفحهٔ اعضا روی «دعوت» بزنید.",
        )
    ]
    found = best_passage("چطور رمز عبورم را تغییر بدهم؟", sources)
    assert found is not None and found.text.startswith("برای تغییر رمز عبور")
    assert found.language == "fa"


def test_romanian_best_passage(direct):
    sources = [
        candidate(
            "article:4",
            "ro",
            "Facturile se emit în prima zi a fiecărei luni.",
            "Pentru a schimba metoda de plată, mergeți la Setări → Facturare și alegeți "
            "Adaugă o metodă de plată.",
            "Puteți invita colegi din pagina Membri.",
        )
    ]
    found = best_passage("cum schimb metoda de plată?", sources)
    assert found is not None and found.text.startswith("Pentru a schimba metoda de plată")


def test_passage_vectors_are_cached_by_content(direct):
    from search.embeddings import get_encoder

    encoder = get_encoder("en")
    cache = answers.PassageVectors()
    texts = ["Open the endpoint and rotate the secret.", "Download invoices as PDF files."]
    first = cache.vectors(encoder, texts)
    again = cache.vectors(encoder, [*texts, "A new passage about exports."])
    assert cache.encoded == 3, "known passages are not encoded again"
    assert (again[:2] == first).all()


def test_token_round_trip_and_forgery():
    answer = answers.DirectAnswer(
        text="t", title="Verify webhook signatures", url="/kb/verify/", key="article:1",
        language="en", score=0.7,
    )  # fmt: skip
    token = answer.token("search")
    shown = read_token(token)
    assert shown is not None and (shown.key, shown.surface, shown.url) == (
        "article:1",
        "search",
        "/kb/verify/",
    )
    assert read_token(answer.token("search")).nonce != shown.nonce, "one nonce per showing"
    assert read_token(token[:-2] + "xx") is None
    assert read_token("") is None


# --- On the search page ----------------------------------------------------------------------


@pytest.fixture
def webhooks(home, products, settings, tmp_path):
    use_fresh_index(settings, tmp_path)
    category = make_category(title="Webhooks")
    public = make_article(
        category,
        "Rotate a webhook signing secret",
        body="## Steps\n\nOpen the endpoint in Relay and click **Rotate secret**. "
        "Relay keeps the previous secret valid for 24 hours, so deploy the new one "
        "before then.\n\n## Logs\n\nEvery delivery is logged for 30 days.",
        segments=[products["relay"]],
    )
    restricted = make_article(
        category,
        "Webhook signing secrets for partner accounts",
        body="Partner accounts sign webhooks with the Quillwhistle secret, issued by your "
        "partner manager on request.",
        segments=[products["atlas"]],
        restricted=True,
    )
    index_now()
    yield {"public": public, "restricted": restricted}
    from search.backends import reset_backends

    reset_backends()


def test_search_page_shows_the_direct_answer(client, direct, webhooks):
    response = client.get("/search/", {"q": "how do I rotate the webhook signing secret?"})
    assert response.status_code == 200
    answer = response.context["direct_answer"]
    assert answer is not None and answer.key == f"article:{webhooks['public'].pk}"
    assert "Rotate secret" in answer.text
    html = response.content.decode()
    assert "Did this answer your question?" in html
    assert f'href="{webhooks["public"].url}"' in html
    assert read_token(response.context["direct_answer_token"]).surface == "search"
    assert "sessionid" not in response.cookies, "showing an answer starts no session"

    data = client.get("/api/v1/search", {"q": "how do I rotate the webhook signing secret?"})
    assert data.json()["direct_answer"] == {
        "text": answer.text,
        "title": "Rotate a webhook signing secret",
        "url": webhooks["public"].url,
    }


def test_keywords_get_no_direct_answer(client, direct, webhooks):
    response = client.get("/search/", {"q": "signing secret"})
    assert response.context["results"] and response.context["direct_answer"] is None
    assert "Did this answer your question?" not in response.content.decode()


def test_a_restricted_articles_passage_is_never_shown_to_outsiders(
    client, direct, webhooks, member, products
):
    question = "which secret do partner accounts use to sign webhooks?"
    for user in (None, member):
        if user is not None:
            client.force_login(user)
        response = client.get("/search/", {"q": question})
        assert "Quillwhistle" not in response.content.decode()
        answer = response.context["direct_answer"]
        assert answer is None or answer.key != f"article:{webhooks['restricted'].pk}"
        api = client.get("/api/v1/search", {"q": question}).json()
        assert "Quillwhistle" not in str(api)
    # Once granted the segment, the same person gets it.
    grant(member, products["atlas"])
    client.force_login(type(member).objects.get(pk=member.pk))
    response = client.get("/search/", {"q": question})
    answer = response.context["direct_answer"]
    assert answer is not None and "Quillwhistle" in answer.text


@pytest.mark.parametrize("switch", ["SEARCH_EMBEDDINGS", "SEARCH_DIRECT_ANSWER"])
def test_no_direct_answer_when_off_and_the_page_still_works(client, direct, webhooks, switch):
    setattr(direct, switch, "off")
    response = client.get("/search/", {"q": "how do I rotate the webhook signing secret?"})
    assert response.status_code == 200
    assert response.context["results"], "results as usual"
    assert response.context["direct_answer"] is None
    assert "Did this answer your question?" not in response.content.decode()
    api = client.get("/api/v1/search", {"q": "how do I rotate the webhook signing secret?"})
    assert api.status_code == 200 and api.json()["direct_answer"] is None


def test_no_direct_answer_when_the_encoder_cannot_be_had(client, direct, webhooks, caplog):
    direct.SEARCH_EMBEDDINGS_MODELS = "en=no-such-model"
    response = client.get("/search/", {"q": "how do I rotate the webhook signing secret?"})
    assert response.status_code == 200 and response.context["results"]
    assert response.context["direct_answer"] is None


def test_direct_answer_takes_only_the_results_it_is_given(direct):
    """Nothing but the (access-checked) results passed in can answer: no lookup of its own."""
    result = SimpleNamespace(
        id="article:9",
        type="article",
        title="Payments",
        url="/kb/payments/",
        language="en",
        obj=SimpleNamespace(markdown_source="You can pay by card or by bank transfer in euros."),
        document=None,
    )
    assert direct_answer("can I pay by bank transfer?", []) is None
    found = direct_answer("can I pay by bank transfer?", [result])
    assert found is not None and found.url == "/kb/payments/"
