"""The Q&A page: one author line with avatar and reputation, votes inviting sign-in,
edit history with changed lines."""

import re

from forum import services
from tests.factories import UserFactory
from users.avatars import avatar_svg, colour, initials


def test_initials_in_every_script():
    assert initials("Mei Chen") == "MC"
    assert initials("diego") == "D"
    assert initials("Ștefan Țăranu") == "ȘȚ"
    assert initials("ioana popescu") == "IP"
    assert initials("شیرین رضایی") == "شر"
    assert initials("  ") == "?"
    # A name starting with a combining mark never gives the mark alone.
    assert initials("\u064eعلی") == "ع"


def test_avatar_is_deterministic_local_svg(db):
    person = UserFactory(display_name="Shirin Rezaei")
    first, second = str(avatar_svg(person)), str(avatar_svg(person))
    assert first == second
    assert first.startswith("<svg") and 'aria-hidden="true"' in first
    assert "http" not in first.replace("http://www.w3.org", "")  # nothing fetched
    assert ">SR<" in first
    person.display_name = "Another Name"
    assert colour(person) in first  # the colour follows the account, not the name
    assert "<script" not in str(avatar_svg(UserFactory(display_name="<script>x</script>")))
    assert "?" in str(avatar_svg(None))


def test_question_page_shows_each_author_once(client, ask, answer, member, other_member):
    member.display_name = "Asker Person"
    member.save()
    other_member.display_name = "Helpful Person"
    other_member.save()
    question = ask(member)
    reply = answer(question, other_member)
    services.vote(member, reply, 1)
    html = client.get(question.get_absolute_url()).content.decode()
    visible = re.sub(r'<span class="visually-hidden">.*?</span>', "", html)
    visible = re.sub(r"<h3[^>]*visually-hidden[^>]*>.*?</h3>", "", visible, flags=re.S)
    assert visible.count(">Asker Person<") == 1
    assert visible.count(">Helpful Person<") == 1
    article = html[html.index(f'id="answer-{reply.pk}"') :]
    assert str(avatar_svg(other_member)) in article
    assert "member-standing__reputation" in article


def test_signed_out_visitors_are_invited_to_sign_in_to_vote(client, ask, answer, member):
    question = ask(member)
    reply = answer(question, UserFactory())
    html = client.get(question.get_absolute_url()).content.decode()
    assert "forum-vote__button--invite" in html
    next_url = question.get_absolute_url()
    assert f'/account/login/?next={next_url}%23question"' in html
    assert f'/account/login/?next={next_url}%23answer-{reply.pk}"' in html
    assert "Sign in to vote" in html
    assert 'action="/community/vote/' not in html


def test_edit_history_is_reachable_and_shows_changed_lines(client, ask, member, other_member):
    question = ask(member, body="First line\nSecond line\nThird line")
    services.edit_question(
        question,
        member,
        title=question.title,
        body="First line\nSecond line, clarified\nThird line",
        tags="webhooks",
    )
    page = client.get(question.get_absolute_url()).content.decode()
    history_url = f"/community/q/{question.pk}/history/"
    assert f'href="{history_url}"' in page
    client.force_login(other_member)
    html = client.get(history_url).content.decode()
    assert "forum-diff__line--removed" in html and "forum-diff__line--added" in html
    assert "Second line, clarified" in html
    assert "Flag and moderation history" not in html


def test_history_leaves_out_answers_the_reader_may_not_see(
    client, ask, answer, member, other_member, staff
):
    question = ask(member)
    reply = answer(question, other_member, body="A first version of the answer.")
    services.edit_answer(reply, other_member, body="A secret second version of the answer.")
    services.hide_post(reply, staff)
    client.force_login(UserFactory())
    assert (
        "secret second version"
        not in client.get(f"/community/q/{question.pk}/history/").content.decode()
    )
