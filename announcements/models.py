from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core.blocks import BodyStreamBlock
from segments.models import TargetedContentMixin


class AnnouncementIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["announcements.AnnouncementPage"]
    max_count = 1
    template = "pages/announcements/announcement_index_page.html"

    class Meta:
        verbose_name = _("announcements index")


class AnnouncementPage(TargetedContentMixin, Page):
    summary = models.CharField(_("summary"), max_length=300)
    date = models.DateField(_("date"), default=timezone.localdate)
    pinned = models.BooleanField(_("pinned"), default=False, help_text=_("Keep at the top."))
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("date"),
        FieldPanel("pinned"),
        FieldPanel("body"),
    ]
    promote_panels = [*Page.promote_panels, *TargetedContentMixin.targeting_panels]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("restricted"),
    ]
    parent_page_types = ["announcements.AnnouncementIndexPage"]
    subpage_types = []
    template = "pages/announcements/announcement_page.html"

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-date"]


class ProductSubscription(models.Model):
    """A member's wish to be emailed announcements about one product."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_subscriptions"
    )
    product = models.ForeignKey(
        "segments.Segment",
        on_delete=models.CASCADE,
        related_name="subscriptions",
        limit_choices_to={"kind": "product"},
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="subscription_unique")
        ]
        verbose_name = _("product subscription")


class AnnouncementDelivery(models.Model):
    """Which member was emailed which announcement, so a republish never emails twice."""

    announcement = models.ForeignKey(
        AnnouncementPage, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="delivery_unique")
        ]
