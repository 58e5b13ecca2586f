"""Why a forum action was refused. The message is shown to the member as is."""


class ForumError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotAllowed(ForumError):
    """The person may not do this (permissions, suspension, unverified email, locked)."""


class RateLimited(ForumError):
    """Too many posts of this kind in the last hour."""


class InvalidPost(ForumError):
    """The content itself is not acceptable (length, tags, target)."""
