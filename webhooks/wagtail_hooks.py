from wagtail import hooks

from .permission_policies import register as register_permission_policies
from .viewsets import WebhooksViewSetGroup

register_permission_policies()


@hooks.register("register_admin_viewset")
def register_webhooks_viewsets():
    return WebhooksViewSetGroup()
