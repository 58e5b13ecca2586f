"""What the API answers, as pydantic schemas (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


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
