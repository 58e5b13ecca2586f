"""What the API answers, as pydantic schemas (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema


class CategoryRef(Schema):
    id: int
    title: str


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    summary: str
    language: str
    category: CategoryRef | None
    tags: list[str]
    products: list[str]
    restricted: bool
    featured: bool
    updated: datetime | None


class ArticleDetail(ArticleOut):
    body_html: str


class ArticleList(Schema):
    results: list[ArticleOut]
    next_cursor: str | None


class CategoryOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    summary: str
    language: str
    article_count: int


class CategoryDetail(CategoryOut):
    intro_html: str


class CategoryList(Schema):
    results: list[CategoryOut]
    next_cursor: str | None


class AnnouncementOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    summary: str
    date: date
    pinned: bool
    language: str
    products: list[str]
    restricted: bool
    published: datetime | None


class AnnouncementDetail(AnnouncementOut):
    body_html: str


class AnnouncementList(Schema):
    results: list[AnnouncementOut]
    next_cursor: str | None


class AnswerOut(Schema):
    id: int
    author: str
    body_html: str
    score: int
    accepted: bool
    official: bool
    created_at: datetime


class QuestionOut(Schema):
    id: int
    title: str
    url: str
    language: str
    product: str
    tags: list[str]
    status: str
    solved: bool
    score: int
    answer_count: int
    author: str
    restricted: bool
    created_at: datetime
    last_activity_at: datetime


class QuestionDetail(QuestionOut):
    body_html: str
    answers: list[AnswerOut]


class QuestionList(Schema):
    results: list[QuestionOut]
    next_cursor: str | None


# --- Writes in the community -----------------------------------------------------------


class QuestionIn(Schema):
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=100_000)
    product: str = Field(..., max_length=100, description="The product's slug.")
    tags: list[str] = Field(default_factory=list, max_length=20)
    language: str | None = Field(None, max_length=12)


class QuestionCreated(QuestionOut):
    awaiting_review: bool


class AnswerIn(Schema):
    body: str = Field(..., max_length=100_000)


class AnswerCreated(AnswerOut):
    awaiting_review: bool


class VoteIn(Schema):
    value: Literal["up", "down", "none"]


class VoteOut(Schema):
    score: int
    vote: Literal["up", "down", "none"]


# --- Support tickets -------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str
    download_url: str = Field(
        ..., description="The file itself through the API (the same token; scope `read`)."
    )


class RatingOut(Schema):
    score: Literal["good", "bad"]
    comment: str
    rated_at: datetime
    changed_at: datetime
    changeable_until: datetime = Field(
        ..., description="After this the rating is final (`TICKETS_CSAT_CHANGE_DAYS`)."
    )


class RatingIn(Schema):
    score: Literal["good", "bad"]
    comment: str | None = Field(
        None, max_length=2000, description="Optional; leave it out to keep the comment as it is."
    )


class TicketMessageOut(Schema):
    id: int
    author: str
    from_support: bool
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketOut(Schema):
    number: int
    reference: str
    subject: str
    product: str
    status: str
    status_label: str
    priority: int
    language: str
    url: str
    created_at: datetime
    last_activity_at: datetime
    solved_at: datetime | None
    closed_at: datetime | None
    rating: RatingOut | None = Field(
        ..., description="The caller's satisfaction rating, once the request is solved."
    )


class TicketDetail(TicketOut):
    description: str
    categories: list[str]
    attachments: list[AttachmentOut]
    messages: list[TicketMessageOut]


class TicketList(Schema):
    results: list[TicketOut]
    next_cursor: str | None


# --- Integrations ----------------------------------------------------------------------


class MembershipOut(Schema):
    id: int
    email: str
    segment: str = Field(..., description="`kind:slug`, e.g. `product:ledger`.")
    source: str
    note: str
    created_at: datetime
    expires_at: datetime | None


class MembershipList(Schema):
    results: list[MembershipOut]
    next_cursor: str | None


class MembershipIn(Schema):
    email: str = Field(..., max_length=254)
    segment: str = Field(..., max_length=120, description="`kind:slug`, e.g. `product:ledger`.")
    expires_at: datetime | None = None
    note: str = Field("", max_length=200)


class UserIn(Schema):
    email: str = Field(..., max_length=254)
    display_name: str | None = Field(None, max_length=80)
    language: str | None = Field(None, max_length=12)
    is_active: bool | None = None


class UserOut(Schema):
    id: int
    email: str
    display_name: str
    language: str
    is_active: bool
    created: bool
