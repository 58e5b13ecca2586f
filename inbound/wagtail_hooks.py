from wagtail import hooks

from .viewsets import InboundMessageViewSet, register

register()


@hooks.register("register_admin_viewset")
def register_inbound_viewset():
    return InboundMessageViewSet("support_inbound", url_prefix="support/inbound")
