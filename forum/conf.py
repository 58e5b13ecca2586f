"""The forum's settings (``FORUM_*`` in ``config/settings/base.py``), with safe defaults."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "FORUM_QUESTIONS_PER_PAGE": 20,
    "FORUM_TITLE_MIN_LENGTH": 10,
    "FORUM_TITLE_MAX_LENGTH": 150,
    "FORUM_BODY_MIN_LENGTH": 20,
    "FORUM_BODY_MAX_LENGTH": 20_000,
    "FORUM_COMMENT_MAX_LENGTH": 600,
    "FORUM_MAX_TAGS": 5,
    "FORUM_RATE_LIMITS": {"question": 10, "answer": 30, "comment": 60, "flag": 30},
    "FORUM_NEW_ACCOUNT_DAYS": 3,
    "FORUM_NEW_ACCOUNT_RATE_LIMITS": {"question": 3, "answer": 10, "comment": 20, "flag": 10},
    "FORUM_MAX_LINKS": 3,
    "FORUM_FLAGS_TO_HIDE": 3,
    "FORUM_RESTRICTED_PRODUCTS": [],
    "FORUM_REPUTATION": {
        "answer_upvote": 10,
        "answer_downvote": -2,
        "question_upvote": 2,
        "question_downvote": -1,
        "accepted_answer": 15,
    },
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
