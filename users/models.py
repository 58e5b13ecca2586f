from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A portal account.

    What a member *declares* (products they use, their role) lives here and only
    personalizes ranking and the home page. What they are *granted* lives in
    `segments.SegmentMembership` and is the only thing that unlocks restricted content.
    """

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    declared_products = models.ManyToManyField(
        "segments.Segment",
        blank=True,
        related_name="declared_by",
        limit_choices_to={"kind": "product"},
        verbose_name=_("products I use"),
    )
    declared_role = models.ForeignKey(
        "segments.Segment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="declared_role_of",
        limit_choices_to={"kind": "role"},
        verbose_name=_("my role"),
    )

    # The interface and email language the member chose (a code of LANGUAGES); empty until
    # they sign in for the first time, when the language they were reading in is kept.
    language = models.CharField(_("language"), max_length=12, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.email.split("@")[0]
