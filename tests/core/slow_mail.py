"""An email backend for the killed-worker test: it writes each message to a file like
Django's file-based backend, but first marks that sending started (the file named by
``PORTICO_TEST_MAIL_STARTED``) and waits ``PORTICO_TEST_MAIL_DELAY`` seconds — the window
in which the test kills the worker."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def send_messages(self, email_messages):
        started = os.environ.get("PORTICO_TEST_MAIL_STARTED")
        if started:
            Path(started).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("PORTICO_TEST_MAIL_DELAY") or 0))
        return super().send_messages(email_messages)
