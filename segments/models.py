from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel


class Segment(models.Model):
    """A slice of the customer base: a product, a role or a customer stage."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        ROLE = "role", _("Role")
        STAGE = "stage", _("Customer stage")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["kind", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug"], name="segment_unique_kind_slug")
        ]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        """Stable text form used in imports and search documents, e.g. ``product:ledger``."""
        return f"{self.kind}:{self.slug}"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class SegmentMembership(models.Model):
    """A segment *granted* to a member by staff or by the CRM import."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Granted by staff")
        IMPORT = "import", _("CRM import")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="segment_memberships"
    )
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.STAFF
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "segment"], name="membership_unique_user_segment"
            )
        ]
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")

    def __str__(self):
        return f"{self.user} → {self.segment}"


class TargetedContentMixin(models.Model):
    """Fields every piece of segment-aware content carries.

    ``segments`` empty means "for everyone". With ``restricted`` set, only people granted
    one of ``segments`` (and editors/staff) may see the item, everywhere it could appear.
    """

    segments = ParentalManyToManyField(
        "segments.Segment",
        blank=True,
        related_name="+",
        verbose_name=_("target segments"),
        help_text=_("Products, roles and customer stages this is for. Empty: everyone."),
    )
    restricted = models.BooleanField(
        _("restricted to target segments"),
        default=False,
        help_text=_(
            "Only people granted one of the target segments (and staff) can see it. "
            "Declaring a product or role never unlocks restricted content."
        ),
    )

    targeting_panels = [
        MultiFieldPanel(
            [
                FieldPanel("segments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("restricted"),
            ],
            heading=_("Audience"),
            help_text=_(
                "A restricted item with no target segment is visible to editors and staff only."
            ),
        )
    ]

    class Meta:
        abstract = True

    @property
    def product_segments(self) -> list[Segment]:
        return [s for s in self.segments.all() if s.kind == Segment.Kind.PRODUCT]

    def get_sitemap_urls(self, request=None):
        # Sitemaps are read by anonymous crawlers: restricted items never appear.
        if self.restricted:
            return []
        return super().get_sitemap_urls(request)  # type: ignore[misc]
