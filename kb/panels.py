"""Read-only admin panels for knowledge-base pages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class HelpfulVotesPanel(Panel):
    """The "Was this helpful?" answers for the article being edited (read only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Was this helpful?"))
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return super().clean_name or "helpful_votes"

    class BoundPanel(Panel.BoundPanel):
        template_name = "kb/admin/helpful_votes_panel.html"

        def get_context_data(self, parent_context=None):
            from .models import HelpfulTally, HelpfulVote

            context = super().get_context_data(parent_context)
            article_id = getattr(self.instance, "pk", None)
            context["tally"] = (
                HelpfulVote.objects.filter(article_id=article_id).tally()
                if article_id
                else HelpfulTally()
            )
            context["votes_url"] = (
                reverse("helpful_votes:index") + f"?article={article_id}" if article_id else ""
            )
            return context
