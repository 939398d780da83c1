"""A file email backend for worker tests that can stop mid-run on cue.

With PAUSE_AFTER_MESSAGES=N in the worker's environment, the worker writes N messages, then
creates `paused` in EMAIL_FILE_PATH and hangs before writing the next one: the test knows
the worker is in the middle of a send (a row claimed, its email not handed over) and kills
it there with SIGKILL. With SEND_DELAY_SECONDS=s each message takes that long to write, so a
test can act (restart Redis) while a run is in progress.
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
        limit = int(os.environ.get("PAUSE_AFTER_MESSAGES", "0") or 0)
        if limit and _written >= limit:
            Path(self.file_path, "paused").write_text(str(os.getpid()))
            time.sleep(600)
        delay = float(os.environ.get("SEND_DELAY_SECONDS", "0") or 0)
        if delay:
            time.sleep(delay)
        super().write_message(message)
        _written += 1
