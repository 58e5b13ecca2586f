from django import template

from ..permissions import can_view_tickets

register = template.Library()


@register.simple_tag(takes_context=True)
def support_tickets_for(context, question):
    """Tickets opened about a forum question, for the support team only (``None`` for
    anyone else, so nothing is shown to them)."""
    request = context.get("request")
    if request is None or question is None or not can_view_tickets(request.user):
        return None
    return list(question.support_tickets.select_related("assignee").order_by("created_at"))
