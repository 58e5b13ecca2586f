from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Community")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core import pagecache

        from . import limits, models  # noqa: F401  (limits registers its system check)
        from .signals import post_changed

        # Anonymous visitors' cached pages (community lists, tags, profiles) change with
        # every post, vote, flag and moderation.
        for model in (
            models.Question,
            models.Answer,
            models.Comment,
            models.QuestionVote,
            models.AnswerVote,
            models.Flag,
            models.QuestionTag,
            models.ForumProfile,
        ):
            for signal in (post_save, post_delete):
                signal.connect(
                    pagecache.bump,
                    sender=model,
                    dispatch_uid=f"pagecache-{model.__name__}-{signal is post_save}",
                )
        # Changes made with queryset updates (moderation, accepting) announce themselves.
        post_changed.connect(pagecache.bump, dispatch_uid="pagecache-post-changed")

        # The notifications page shows a question's title only to people who may open it.
        from users.notifications import register

        from .inapp import describe_questions

        register(models.Question, describe_questions)
