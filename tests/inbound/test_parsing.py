"""Reading what a person wrote in a reply, in the mail clients and languages we serve."""

import pytest

from inbound.parsing import guess_language, html_to_text, parse, strip_quoted

from .mails import compose


@pytest.mark.parametrize(
    "reply",
    [
        # English: Gmail (the attribution wraps), Apple Mail, Outlook, old Outlook.
        "Thanks, that fixed it.\n\nOn Fri, 4 Dec 2026 at 10:00, Portico Support <\n"
        "support@portico.test> wrote:\n\n> Please rotate the secret.\n",
        "Thanks, that fixed it.\n\nOn 4 Dec 2026, at 10:00, Portico <support@portico.test> wrote:\n"
        "\n> Please rotate the secret.",
        "Thanks, that fixed it.\n\n________________________________\nFrom: Portico <s@p.test>\n"
        "Sent: Friday, December 4, 2026 10:00\nTo: Priya\nSubject: Re: [#1001]\n\nPlease rotate.",
        "Thanks, that fixed it.\n\n-----Original Message-----\nFrom: Portico\nPlease rotate.",
        "Thanks, that fixed it.\nFrom: Portico <s@p.test>\nDate: Fri, 4 Dec 2026\nPlease rotate.",
        # A signature, and a phone's line.
        "Thanks, that fixed it.\n-- \nPriya Customer\nACME Ltd",
        "Thanks, that fixed it.\n\nSent from my iPhone",
    ],
)
def test_english_replies(reply):
    assert strip_quoted(reply) == "Thanks, that fixed it."


@pytest.mark.parametrize(
    "reply",
    [
        "Mulțumesc, s-a rezolvat.\n\nÎn data de vin., 4 dec. 2026\n"
        "Pe vin., 4 dec. 2026 la 10:00, Portico <support@portico.test> a scris:\n> Vă rugăm…",
        "Mulțumesc, s-a rezolvat.\n\nLa 04.12.2026 10:00, Portico a scris:\n> Vă rugăm…",
        "Mulțumesc, s-a rezolvat.\n\n________________________________\nDe la: Portico\n"
        "Trimis: vineri, 4 decembrie 2026 10:00\nCătre: Priya\n\nVă rugăm…",
        "Mulțumesc, s-a rezolvat.\n-- \nPriya",
    ],
)
def test_romanian_replies(reply):
    assert strip_quoted(reply).startswith("Mulțumesc, s-a rezolvat.")
    assert "Vă rugăm" not in strip_quoted(reply) and "Portico" not in strip_quoted(reply)


@pytest.mark.parametrize(
    "reply",
    [
        # Gmail in Persian wraps its attribution in right-to-left embedding marks.
        "ممنون، مشکل حل شد.\n\n\u202bدر تاریخ جمعه ۱۴ آذر ۱۴۰۵ ساعت ۱۰:۰۰ Portico <\n"
        "support@portico.test> نوشت:\u202c\n\n> لطفاً کلید را عوض کنید.",
        "ممنون، مشکل حل شد.\n\nدر تاریخ جمعه ۱۴ آذر ۱۴۰۵، ساعت ۱۰:۰۰ Portico نوشت:\n> لطفاً",
        "ممنون، مشکل حل شد.\n\nاز: Portico\nارسال: جمعه\nبه: Priya\n\nلطفاً کلید را عوض کنید.",
        "ممنون، مشکل حل شد.\n-- \nپریا",
    ],
)
def test_persian_replies(reply):
    assert strip_quoted(reply) == "ممنون، مشکل حل شد."


def test_inline_quotes_are_dropped_and_the_answers_kept():
    text = "> Which version?\n2.4.1\n> Which region?\neu-west\n"
    assert strip_quoted(text) == "2.4.1\neu-west"


def test_a_sentence_that_only_starts_like_an_attribution_is_kept():
    text = "On Monday the export failed again.\nFrom then on nothing worked."
    assert strip_quoted(text) == text


def test_html_is_read_as_text_without_quotes_or_markup():
    html = (
        '<div dir="rtl">سلام<br>خروجی کار نمی‌کند.</div>'
        '<div id="divRplyFwdMsg"><b>From:</b> Portico</div><blockquote>قدیمی</blockquote>'
        "<img src=x onerror=alert(1)><a href='javascript:alert(1)'>link</a>"
    )
    assert html_to_text(html) == "سلام\nخروجی کار نمی‌کند.\nlink"


def test_language_is_guessed_from_the_letters():
    assert guess_language("خروجی کار نمی‌کند") == "fa"
    assert guess_language("Exportul nu funcționează") == "ro"
    assert guess_language("Export fails") == ""


def test_parse_reads_names_files_and_missing_message_ids():
    raw = compose(
        sender="=?utf-8?b?2b7YsduM2Kc=?= <Priya@Example.TEST>",
        to="support+1-abc@portico.test",
        subject="=?utf-8?q?Export_=C8=99i_facturi?=",
        text="Hello",
        attachments=[("raport ș.csv", b"a,b\n", "text/csv")],
    ).replace(b"Message-ID:", b"X-Old-ID:")
    parsed = parse(raw)
    assert parsed.sender == "priya@example.test" and parsed.sender_name == "پریا"
    assert parsed.subject == "Export și facturi"
    assert [a.name for a in parsed.attachments] == ["raport ș.csv"]
    assert parsed.message_id.endswith("@inbound.invalid>")
    assert parse(raw).message_id == parsed.message_id  # the same bytes, the same id
