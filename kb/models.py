from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core.blocks import BodyStreamBlock, body_headings, body_markdown
from core.routing import SingleQueryViewRestrictionsMixin, SpecificChildRouteMixin
from core.widgets import MarkdownTextarea
from segments.models import TargetedContentMixin

from .panels import HelpfulVotesPanel

CATEGORY_ICONS = [
    ("rocket", _("Rocket")),
    ("card", _("Card")),
    ("users", _("People")),
    ("receipt", _("Receipt")),
    ("send", _("Paper plane")),
    ("chart", _("Chart")),
    ("plug", _("Plug")),
    ("wrench", _("Wrench")),
    ("book", _("Book")),
]


TAG_ROUTE_PREFIX = "tags"


class KnowledgeBaseIndexPage(
    RoutablePageMixin, SpecificChildRouteMixin, SingleQueryViewRestrictionsMixin, Page
):
    """The knowledge base home: categories, featured articles, tag pages."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["kb.CategoryPage"]
    max_count_per_parent = 1
    template = "pages/kb/knowledge_base_index_page.html"
    tag_index_template = "pages/kb/tag_index_page.html"
    tag_template = "pages/kb/tag_page.html"

    class Meta:
        verbose_name = _("knowledge base")

    def get_child_route_queryset(self):
        return CategoryPage.objects.all()

    @path("")
    def index_route(self, request, *args, **kwargs):
        from . import queries

        return self.render(request, context_overrides=queries.home_context(self, request))

    @path(f"{TAG_ROUTE_PREFIX}/", name="tags")
    def tag_index(self, request):
        from . import queries

        return self.render(
            request,
            template=self.tag_index_template,
            context_overrides=queries.tag_index_context(self, request),
        )

    @path(f"{TAG_ROUTE_PREFIX}/<str:tag_slug>/", name="tag")
    def tag(self, request, tag_slug):
        from . import queries

        return self.render(
            request,
            template=self.tag_template,
            context_overrides=queries.tag_context(self, request, tag_slug),
        )

    def tag_url(self, tag_slug: str, request=None) -> str:
        return self.get_url(request) + self.reverse_subpage("tag", args=[tag_slug])

    def tag_index_url(self, request=None) -> str:
        return self.get_url(request) + self.reverse_subpage("tags")


class CategoryPage(SpecificChildRouteMixin, SingleQueryViewRestrictionsMixin, Page):
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    intro = models.TextField(_("introduction (Markdown)"), blank=True)
    icon = models.CharField(_("icon"), max_length=20, choices=CATEGORY_ICONS, default="book")

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("intro", widget=MarkdownTextarea),
        FieldPanel("icon"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["kb.KnowledgeBaseIndexPage"]
    subpage_types = ["kb.ArticlePage"]
    template = "pages/kb/category_page.html"

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def clean(self):
        super().clean()
        if self.slug == TAG_ROUTE_PREFIX:
            raise ValidationError(
                {
                    "slug": _("“%(slug)s” is used for tag pages; choose another slug.")
                    % {"slug": TAG_ROUTE_PREFIX}
                }
            )

    def get_child_route_queryset(self):
        # What the article page shows about itself (products, tags) comes from the
        # fragment cache (kb.queries.article_meta), not with every request.
        return ArticlePage.objects.all()

    def get_context(self, request, *args, **kwargs):
        from users.follows import follows_category

        from . import queries

        context = super().get_context(request, *args, **kwargs)
        context.update(queries.category_context(self, request))
        context["following_category"] = follows_category(request.user, self)
        return context


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "kb.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(SingleQueryViewRestrictionsMixin, TargetedContentMixin, Page):
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences shown in listings.")
    )
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)
    featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Show on the home and knowledge base pages.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    promote_panels = [
        *Page.promote_panels,
        FieldPanel("featured"),
        *TargetedContentMixin.targeting_panels,
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("restricted"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
            ObjectList([HelpfulVotesPanel()], heading=_("Feedback")),
        ]
    )
    parent_page_types = ["kb.CategoryPage"]
    subpage_types = []
    template = "pages/kb/article_page.html"

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def get_context(self, request, *args, **kwargs):
        from . import queries

        context = super().get_context(request, *args, **kwargs)
        context.update(queries.article_context(self, request))
        return context

    @cached_property
    def tag_list(self) -> list[Tag]:
        """This article's tags, by name (uses ``tagged_items`` when prefetched)."""
        return sorted((item.tag for item in self.tagged_items.all()), key=lambda t: t.name.lower())

    @cached_property
    def markdown_source(self) -> str:
        return body_markdown(self.body)

    @cached_property
    def table_of_contents(self):
        # The ids the page renders: unique across the whole body, never one of the page's.
        return body_headings(self.body)

    @property
    def last_updated(self):
        return self.last_published_at or self.latest_revision_created_at or self.first_published_at


@dataclass(frozen=True)
class HelpfulTally:
    yes: int = 0
    no: int = 0
    comments: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no

    @property
    def share_helpful(self) -> int | None:
        """Percentage of answers that said "yes" (``None`` without answers)."""
        if not self.total:
            return None
        return round(100 * self.yes / self.total)


class HelpfulVoteQuerySet(models.QuerySet):
    def tally(self) -> HelpfulTally:
        counts = self.aggregate(
            yes=Count("pk", filter=Q(helpful=True)),
            no=Count("pk", filter=Q(helpful=False)),
            comments=Count("pk", filter=~Q(comment="")),
        )
        return HelpfulTally(**counts)


class HelpfulVote(models.Model):
    """One "Was this helpful?" answer: per member, or per browser session when anonymous.

    Member votes carry ``session_key = "member:<id>"`` so they stay distinct if the account
    is deleted (the user is then set to null). Write through ``kb.services``.
    """

    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpful_votes",
    )
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = HelpfulVoteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=models.Q(user__isnull=False),
                name="helpful_vote_one_per_member",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=models.Q(user__isnull=True),
                name="helpful_vote_one_per_session",
            ),
        ]
        ordering = ["-created_at"]
        verbose_name = _("helpful vote")
        verbose_name_plural = _("helpful votes")

    def __str__(self):
        return f"{self.article} — {'yes' if self.helpful else 'no'}"

    @property
    def voter(self) -> str:
        if self.user_id:
            return str(self.user)
        return str(_("Anonymous visitor"))
