"""A file email backend for worker fault tests that stops once, mid-run, until let go.

With GATE_AFTER_MESSAGES=N in the worker's environment, the worker writes N messages, then
creates `gate` in EMAIL_FILE_PATH and waits (at most two minutes) until the test deletes it
before writing the next one: the test knows the worker is in the middle of a send (a row
claimed, its email not yet handed over) and can kill it, or restart Redis under it, there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.mail.backends.filebased import EmailBackend as FileBackend

_written = 0


class EmailBackend(FileBackend):
    def write_message(self, message: Any) -> None:
        global _written
        limit = int(os.environ.get("GATE_AFTER_MESSAGES", "0") or 0)
        if limit and _written == limit:
            gate = Path(self.file_path, "gate")
            gate.write_text(str(os.getpid()))
            deadline = time.monotonic() + 120
            while gate.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        super().write_message(message)
        _written += 1
