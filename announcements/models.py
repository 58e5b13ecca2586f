from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core import fragments, seo
from core.blocks import BodyStreamBlock
from core.languages import content_language
from core.routing import SingleQueryViewRestrictionsMixin, SpecificChildRouteMixin
from segments import policy
from segments.models import Segment, TargetedContentMixin

#: How many other announcements an announcement page suggests.
MORE_ANNOUNCEMENTS = 3


class AnnouncementIndexPage(SpecificChildRouteMixin, SingleQueryViewRestrictionsMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["announcements.AnnouncementPage"]
    max_count_per_parent = 1
    template = "pages/announcements/announcement_index_page.html"

    class Meta:
        verbose_name = _("announcements index")

    def get_child_route_queryset(self):
        return AnnouncementPage.objects.prefetch_related("segments")

    def announcements_for(self, user):
        """Live announcements under this index that ``user`` may see, pinned first, newest next."""
        return policy.visible_to(AnnouncementPage.objects.live().child_of(self), user).order_by(
            *AnnouncementPage.LISTING_ORDER
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        signature = policy.access_signature(user)

        def visible_products():
            # Product filter links: only products that have something this viewer may read.
            return list(
                Segment.objects.filter(
                    kind=Segment.Kind.PRODUCT,
                    pk__in=AnnouncementPage.segments.through.objects.filter(
                        announcementpage__in=self.announcements_for(user).values("pk")
                    ).values("segment_id"),
                )
            )

        products = fragments.cached(
            "announcement-products", signature, (self.pk,), visible_products
        )
        active_product = None
        slug = request.GET.get("product", "").strip()
        if slug:
            active_product = next((p for p in products if p.slug == slug), None)
            if active_product is None:
                active_product = Segment.objects.filter(
                    kind=Segment.Kind.PRODUCT, slug=slug
                ).first()
            if active_product is None:
                raise Http404("Unknown product")

        def listing():
            announcements = self.announcements_for(user)
            if active_product is not None:
                announcements = announcements.filter(segments=active_product)
            return list(announcements.prefetch_related("segments"))

        items = fragments.cached(
            "announcements",
            signature,
            (self.pk, active_product.pk if active_product else ""),
            listing,
        )
        paginator = Paginator(items, settings.PORTICO_ANNOUNCEMENTS_PER_PAGE)
        # ``get_page`` answers the last page when out of range and the first when not a number.
        page_obj = paginator.get_page(request.GET.get("page"))
        context.update(
            announcements=page_obj.object_list,
            page_obj=page_obj,
            paginator=paginator,
            products=products,
            active_product=active_product,
        )
        return context


class AnnouncementPage(SingleQueryViewRestrictionsMixin, TargetedContentMixin, Page):
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

    #: The order of every announcement listing: pinned first, then newest.
    LISTING_ORDER = ("-pinned", "-date", "-first_published_at", "-pk")

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-date"]

    def more_announcements(self, user, limit: int = MORE_ANNOUNCEMENTS):
        """A few other announcements from the same index that ``user`` may see, newest first."""
        return policy.visible_to(
            AnnouncementPage.objects.live().sibling_of(self, inclusive=False), user
        ).order_by("-date", "-first_published_at", "-pk")[:limit]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        breadcrumbs = list(self.get_ancestors().filter(depth__gt=1))
        context.update(
            breadcrumbs=breadcrumbs,
            index_url=breadcrumbs[-1].get_url(request) if breadcrumbs else None,
            more_announcements=self.more_announcements(request.user),
            og_type="article",
            structured_data=self.structured_data(request, breadcrumbs),
        )
        return context

    def structured_data(self, request, breadcrumbs) -> list[dict]:
        """An ``Article`` and its ``BreadcrumbList`` (``core.seo``)."""
        url = self.get_url(request)
        published = self.first_published_at
        if published is None or published.date() != self.date:
            published = self.date  # the date readers see
        return [
            seo.article(
                headline=self.title,
                url=url,
                language=content_language(self),
                published=published,
                modified=self.last_published_at,
                description=self.search_description or self.summary,
                request=request,
            ),
            seo.breadcrumb_list(
                [*((p.title, p.get_url(request)) for p in breadcrumbs), (self.title, url)],
                request,
            ),
        ]


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
        verbose_name_plural = _("product subscriptions")

    def __str__(self):
        return f"{self.user} → {self.product}"


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
        verbose_name = _("announcement email")
        verbose_name_plural = _("announcement emails")

    def __str__(self):
        return f"{self.announcement} → {self.user}"
