"""Signals the forum sends after a change is committed, for other apps (e.g. indexing).

``post_changed`` is sent with ``sender`` the model class (``Question``, ``Answer`` or
``Comment``), ``instance`` and ``action`` (one of ``ACTIONS``), only once the transaction
that made the change has committed.
"""

from django.db import transaction
from django.dispatch import Signal

ACTIONS = ("created", "edited", "hidden", "restored", "approved", "accepted", "moderated")

post_changed = Signal()


def send_post_changed(instance, action: str) -> None:
    def _send():
        post_changed.send(sender=type(instance), instance=instance, action=action)

    transaction.on_commit(_send)
