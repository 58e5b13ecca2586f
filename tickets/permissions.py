"""Who may work on tickets. Customers only ever reach their own tickets (``Ticket.objects.of``);
agents are active staff users who may change tickets (Wagtail's Moderators group has that
permission; superusers have every permission)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

CHANGE_PERMISSION = "tickets.change_ticket"
VIEW_PERMISSION = "tickets.view_ticket"


def is_agent(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user.is_staff:
        return False
    return user.is_superuser or user.has_perm(CHANGE_PERMISSION)


def can_view_tickets(user) -> bool:
    """May open the admin queue and the reports (read-only access is enough)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user.is_staff:
        return False
    return user.is_superuser or user.has_perm(VIEW_PERMISSION) or is_agent(user)


def agents() -> QuerySet:
    """Everyone a ticket may be assigned to."""
    permission = Permission.objects.filter(
        content_type__app_label="tickets", codename="change_ticket"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .distinct()
        .order_by("display_name", "email")
    )
