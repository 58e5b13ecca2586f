from wagtail import hooks

from . import editors
from .viewsets import SearchViewSetGroup


@hooks.register("register_admin_viewset")
def register_search_viewsets():
    return SearchViewSetGroup()


hooks.register("register_editors_dashboard_section", editors.zero_result_section)
hooks.register("register_editors_dashboard_section", editors.low_click_section)
