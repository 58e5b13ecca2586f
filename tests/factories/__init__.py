from .pages import (
    make_announcement,
    make_announcement_index,
    make_article,
    make_category,
    make_home,
    make_kb_index,
    publish,
)
from .users import MembershipFactory, SegmentFactory, UserFactory, grant

__all__ = [
    "MembershipFactory",
    "SegmentFactory",
    "UserFactory",
    "grant",
    "make_announcement",
    "make_announcement_index",
    "make_article",
    "make_category",
    "make_home",
    "make_kb_index",
    "publish",
]
