"""Who sees which forum posts. Built on ``segments.policy``, the one access policy.

A question is visible when the policy lets the person see it (its product segment, when it
is restricted), it is not hidden by a moderator, and it is not held for review — except
to its own author, who sees it marked "awaiting review". Answers and comments are visible
with their question under the same hidden/held rules. Moderators (``is_privileged``) see
everything, marked.

A product listed in ``FORUM_RESTRICTED_PRODUCTS`` has a forum of its own that only people
granted that product (and editors and staff) may see: its page, its place in the product
navigation and its place among the products one can ask about (``products_for``,
``can_view_product``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from segments import policy
from segments.models import Segment

from . import conf
from .models import Answer, Question


def is_moderator(user) -> bool:
    return policy.is_privileged(user)


def restricted_product_slugs() -> frozenset[str]:
    return frozenset(conf.get("FORUM_RESTRICTED_PRODUCTS") or ())


def products_for(user) -> QuerySet[Segment]:
    """The products whose forum ``user`` may open, list and ask about.

    Every product, except those in ``FORUM_RESTRICTED_PRODUCTS`` that ``user`` is not
    granted (``segments.policy.granted_segment_ids``); editors and staff
    (``policy.is_privileged``) see them all.
    """
    products = Segment.objects.filter(kind=Segment.Kind.PRODUCT)
    restricted = restricted_product_slugs()
    if not restricted or policy.is_privileged(user):
        return products
    granted = sorted(policy.granted_segment_ids(user))
    return products.exclude(Q(slug__in=sorted(restricted)) & ~Q(pk__in=granted))


def can_view_product(product: Segment, user) -> bool:
    """The single-product answer of ``products_for``."""
    if product.slug not in restricted_product_slugs():
        return True
    return policy.is_privileged(user) or product.pk in policy.granted_segment_ids(user)


def _post_filter(user, prefix: str = "") -> Q:
    allowed = Q(**{f"{prefix}is_hidden": False}) & Q(**{f"{prefix}awaiting_review": False})
    if getattr(user, "is_authenticated", False):
        allowed |= Q(**{f"{prefix}is_hidden": False, f"{prefix}author_id": user.pk})
    return allowed


def questions_for(user) -> QuerySet[Question]:
    """Every question ``user`` may open."""
    questions = Question.objects.all()
    if is_moderator(user):
        return questions
    return policy.visible_to(questions, user).filter(_post_filter(user))


def public_questions_for(user) -> QuerySet[Question]:
    """Published questions ``user`` may see (no hidden or held ones, even for moderators)."""
    return policy.visible_to(Question.objects.all(), user).filter(
        is_hidden=False, awaiting_review=False
    )


def answers_for(user) -> QuerySet[Answer]:
    """Answers ``user`` may see, on questions they may see."""
    answers = Answer.objects.all()
    if is_moderator(user):
        return answers
    return answers.filter(_post_filter(user), question__in=questions_for(user).values("pk"))


def can_view_question(question: Question, user) -> bool:
    if is_moderator(user):
        return True
    if question.is_hidden or not policy.can_view(question, user):
        return False
    return not question.awaiting_review or _is_author(question, user)


def can_view_post(post, user) -> bool:
    """For an answer or comment whose question is already known to be visible."""
    if is_moderator(user):
        return True
    if post.is_hidden:
        return False
    return not post.awaiting_review or _is_author(post, user)


def _is_author(post, user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and post.author_id == user.pk)
