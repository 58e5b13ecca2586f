from wagtail import hooks

from .viewsets import ApiTokenViewSet


@hooks.register("register_admin_viewset")
def register_api_token_viewset():
    return ApiTokenViewSet("api_tokens")
