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


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Tokens that still authenticate: not revoked, not expired, of an active person."""
        from django.utils import timezone

        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A person's credential for the JSON API (``Authorization: Bearer <token>``).

    Only a SHA-256 of the token is stored: the token itself is shown once, when it is
    created, and cannot be recovered. A token acts as its person and never as more (the
    access policy sees the person); its scopes can only narrow that. Write through
    ``users.tokens``.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")
        INTEGRATIONS = "integrations", _("Integrations")

    user = models.ForeignKey(
        "users.User",
        on_delete=models.CASCADE,
        # Wagtail 8 has an APIToken of its own (for its v3 API) on ``api_tokens``.
        related_name="portal_api_tokens",
        verbose_name=_("person"),
    )
    name = models.CharField(_("name"), max_length=80)
    # The first characters of the token, to recognise it in a list (not a secret).
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.CharField(_("scopes"), max_length=100, default="read")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        "users.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split() if scope]

    def scope_labels(self) -> str:
        labels = dict(self.Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in self.scope_list)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_list

    def is_expired(self, now=None) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired() and self.user.is_active


class Notification(models.Model):
    """Something a member is told about inside the site (the bell in the header).

    Holds no title or text of its subject: the notifications page reads the subject
    (``content_type`` and ``object_id``) when it is shown, through the subject app's
    access check (``users.notifications.register``), so a question restricted or hidden
    after the fact never shows its title. ``key`` (e.g. ``answer:42``) makes creating one
    safe to repeat: a retried task adds nothing.
    """

    class Kind(models.TextChoices):
        ANSWER = "answer", _("New answer")
        ACCEPTED = "accepted", _("Accepted answer")
        COMMENT = "comment", _("New comment")
        MENTION = "mention", _("Mention")
        FOLLOWED_TAG = "tag", _("New question in a tag you follow")
        FOLLOWED_CATEGORY = "category", _("New article in a category you follow")

    user = models.ForeignKey(
        "users.User",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(_("event"), max_length=64)
    actor = models.ForeignKey(
        "users.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    # The tag or category followed, for "New question in <tag>" (its own access is checked
    # with the subject's: a subject the member may not see hides the whole notification).
    context = models.CharField(_("context"), max_length=120, blank=True)
    anchor = models.CharField(max_length=40, blank=True)  # e.g. "answer-12"
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="users_one_notification_per_event")
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="users_notification_unread"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return f"{self.key} → {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Follow(models.Model):
    """A member following a community tag or a knowledge-base category: told (in the site)
    about new questions in the tag and new articles in the category."""

    user = models.ForeignKey(
        "users.User", on_delete=models.CASCADE, related_name="follows", verbose_name=_("person")
    )
    tag = models.ForeignKey(
        "taggit.Tag",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("tag"),
    )
    category = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tag"],
                condition=models.Q(tag__isnull=False),
                name="users_one_tag_follow",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=models.Q(category__isnull=False),
                name="users_one_category_follow",
            ),
            models.CheckConstraint(
                condition=models.Q(tag__isnull=True, category__isnull=False)
                | models.Q(tag__isnull=False, category__isnull=True),
                name="users_follow_one_thing",
            ),
        ]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")

    def __str__(self):
        return f"{self.user_id} follows {self.tag_id or self.category_id}"
