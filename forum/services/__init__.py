"""Every write in the forum: asking, answering, commenting, voting, accepting, watching,
flagging and moderating. Views, admin, the demo loader and tests call these functions
(``from forum import services; services.post_answer(...)``); each noun has its module.

Each function checks permissions and anti-abuse rules itself and raises a
``forum.errors.ForumError`` (with a message fit for the member) when it refuses.
``enforce_limits=False`` is for trusted imports (the demo loader): it skips rate limits,
the verified-email and suspension checks, the link hold and the visibility checks —
never the rules about who may accept, edit or vote on what.

Emails are queued through the outbox (``core.outbox``), written in the same transaction:
nothing is sent for a write that rolls back, and a broker outage only delays them.
"""

from .answers import accept_answer, edit_answer, post_answer, unaccept_answer
from .comments import add_comment
from .counters import Repaired, drifted_answers, drifted_questions, recount_score, repair_counters
from .moderation import (
    approve_post,
    dismiss_flag,
    dismiss_flags,
    flag_post,
    flags_on,
    hide_post,
    lift_suspension,
    mark_duplicate,
    record_admin_edit,
    restore_post,
    set_locked,
    set_restricted,
    snapshot,
    suspend_member,
)
from .questions import (
    ask_question,
    edit_question,
    record_view,
    refresh_question_state,
    set_view_count,
)
from .validation import (
    RESERVED_SLUGS,
    clean_body,
    clean_comment,
    clean_title,
    parse_tags,
    slug_for,
    tag_string,
)
from .votes import vote, vote_of
from .watching import (
    UNSUBSCRIBE_KINDS,
    UNSUBSCRIBE_PURPOSE,
    profile_for,
    read_unsubscribe_token,
    unsubscribe,
    unsubscribe_token,
    unwatch,
    update_notification_settings,
    watch,
)

__all__ = [
    "Repaired",
    "drifted_answers",
    "drifted_questions",
    "recount_score",
    "repair_counters",
    "RESERVED_SLUGS",
    "UNSUBSCRIBE_KINDS",
    "UNSUBSCRIBE_PURPOSE",
    "accept_answer",
    "add_comment",
    "approve_post",
    "ask_question",
    "clean_body",
    "clean_comment",
    "clean_title",
    "dismiss_flag",
    "dismiss_flags",
    "edit_answer",
    "edit_question",
    "flag_post",
    "flags_on",
    "hide_post",
    "lift_suspension",
    "mark_duplicate",
    "parse_tags",
    "post_answer",
    "profile_for",
    "read_unsubscribe_token",
    "record_admin_edit",
    "record_view",
    "refresh_question_state",
    "restore_post",
    "set_locked",
    "set_restricted",
    "set_view_count",
    "slug_for",
    "snapshot",
    "suspend_member",
    "tag_string",
    "unaccept_answer",
    "unsubscribe",
    "unsubscribe_token",
    "unwatch",
    "update_notification_settings",
    "vote",
    "vote_of",
    "watch",
]
