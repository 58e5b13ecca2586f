"""Writes in the community as the caller: ask, answer, vote.

Each operation calls ``forum.services`` — the same function as the pages, so the same
validation, trust-level rate limits (``FORUM_RATE_LIMITS``), verified-email and suspension
checks, and the same moderation hold (a post with many links waits for a moderator:
``awaiting_review`` is true and nobody else sees it yet). A question the caller may not
see is a 404, as for the reads. The operations sit on the read router, beside the reads
of the same paths.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Path, Status

from core.markdown import USER_CONTENT_PREFIX, render_markdown
from forum import services as forum_services
from forum import visibility
from forum.errors import ForumError, InvalidPost, NotAllowed
from forum.errors import RateLimited as ForumRateLimited
from forum.models import Answer
from segments.models import Segment

from . import pagination
from .auth import WRITE_AUTH
from .errors import ApiError, ErrorBody
from .resources import _question, _questions, router
from .schemas import AnswerCreated, AnswerIn, QuestionCreated, QuestionIn, VoteIn, VoteOut

WRITE_ERRORS = {
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    429: ErrorBody,
}
VOTES = {"up": 1, "down": -1, "none": 0}
VOTE_NAMES = {value: name for name, value in VOTES.items()}


def refused(error: ForumError) -> ApiError:
    """The forum's refusal as the API's: its message, with the page's status."""
    if isinstance(error, ForumRateLimited):
        return ApiError(429, error.message)
    if isinstance(error, NotAllowed):
        return ApiError(403, error.message)
    return ApiError(400, error.message if isinstance(error, InvalidPost) else str(error))


@router.post(
    "/questions",
    auth=WRITE_AUTH,
    response={201: QuestionCreated, **WRITE_ERRORS},
    tags=["community"],
    summary="Ask a question (scope `write`)",
)
def ask_question(request, data: QuestionIn):
    """Asked as the caller, in a product whose forum they may see (its slug)."""
    product = Segment.objects.filter(kind=Segment.Kind.PRODUCT, slug=data.product).first()
    try:
        question = forum_services.ask_question(
            request.user,
            title=data.title,
            body=data.body,
            product=product,
            tags=data.tags,
            language=data.language or None,
        )
    except ForumError as error:
        raise refused(error) from None
    # As the reads show it (a question held for review is shown to its author only).
    shown = _questions(request.user).filter(pk=question.pk).first() or question
    return Status(201, {**_question(shown, request), "awaiting_review": question.awaiting_review})


@router.post(
    "/questions/{question_id}/answers",
    auth=WRITE_AUTH,
    response={201: AnswerCreated, **WRITE_ERRORS},
    tags=["community"],
    summary="Answer a question (scope `write`)",
)
def answer_question(
    request, data: AnswerIn, question_id: int = Path(..., ge=1, le=pagination.MAX_ID)
):
    question = get_object_or_404(_questions(request.user), pk=question_id)
    try:
        answer = forum_services.post_answer(question, request.user, body=data.body)
    except ForumError as error:
        raise refused(error) from None
    return Status(
        201,
        {
            "id": answer.pk,
            "author": request.user.public_name,
            "body_html": str(render_markdown(answer.body, id_prefix=USER_CONTENT_PREFIX)),
            "score": answer.score,
            "accepted": answer.is_accepted,
            "official": answer.is_official,
            "created_at": answer.created_at,
            "awaiting_review": answer.awaiting_review,
        },
    )


def _vote(request, post, value: str) -> dict:
    try:
        score = forum_services.vote(request.user, post, VOTES[value])
    except ForumError as error:
        raise refused(error) from None
    return {"score": score, "vote": VOTE_NAMES[forum_services.vote_of(request.user, post)]}


@router.post(
    "/questions/{question_id}/vote",
    auth=WRITE_AUTH,
    response={200: VoteOut, **WRITE_ERRORS},
    tags=["community"],
    summary="Vote on a question: up, down or none (scope `write`)",
)
def vote_question(request, data: VoteIn, question_id: int = Path(..., ge=1, le=pagination.MAX_ID)):
    question = get_object_or_404(_questions(request.user), pk=question_id)
    return _vote(request, question, data.value)


@router.post(
    "/answers/{answer_id}/vote",
    auth=WRITE_AUTH,
    response={200: VoteOut, **WRITE_ERRORS},
    tags=["community"],
    summary="Vote on an answer: up, down or none (scope `write`)",
)
def vote_answer(request, data: VoteIn, answer_id: int = Path(..., ge=1, le=pagination.MAX_ID)):
    answer = Answer.objects.select_related("question").filter(pk=answer_id).first()
    if (
        answer is None
        or not answer.is_public
        or not visibility.can_view_question(answer.question, request.user)
    ):
        raise Http404
    return _vote(request, answer, data.value)
