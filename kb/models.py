from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core.blocks import BodyStreamBlock, body_markdown
from core.markdown import headings
from segments.models import TargetedContentMixin

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


class KnowledgeBaseIndexPage(RoutablePageMixin, Page):
    """The knowledge base home: categories, featured articles, tag pages."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["kb.CategoryPage"]
    max_count = 1
    template = "pages/kb/knowledge_base_index_page.html"

    class Meta:
        verbose_name = _("knowledge base")


class CategoryPage(Page):
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    intro = models.TextField(_("introduction (Markdown)"), blank=True)
    icon = models.CharField(_("icon"), max_length=20, choices=CATEGORY_ICONS, default="book")

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("intro"),
        FieldPanel("icon"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["kb.KnowledgeBaseIndexPage"]
    subpage_types = ["kb.ArticlePage"]
    template = "pages/kb/category_page.html"

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "kb.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(TargetedContentMixin, Page):
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
    parent_page_types = ["kb.CategoryPage"]
    subpage_types = []
    template = "pages/kb/article_page.html"

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    @cached_property
    def markdown_source(self) -> str:
        return body_markdown(self.body)

    @cached_property
    def table_of_contents(self):
        return headings(self.markdown_source)

    @property
    def last_updated(self):
        return self.last_published_at or self.latest_revision_created_at or self.first_published_at


class HelpfulVote(models.Model):
    """One "Was this helpful?" answer: per member, or per browser session when anonymous."""

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
