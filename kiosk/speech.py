"""Spoken prompts, for citizens who read slowly or not at all.

espeak-ng speaks each prompt on a worker thread (Mandarin voice `cmn`, English `en`). Only the
newest prompt matters: one that is still waiting when the next comes is dropped. Without a
working engine (no espeak-ng, no audio device) the kiosk goes on silently and says so once in
the log. With `record_dir` set, prompts are written there as WAV files instead of being played,
which is how tests and technicians check what the kiosk says.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

VOICES = {"zh": "cmn", "en": "en"}
_STOP = object()


class Speaker:
    def __init__(self, *, enabled: bool = True, command: str = "espeak-ng", speed_wpm: int = 150,
                 record_dir: str | Path | None = None, timeout_s: float = 30.0):
        self.record_dir = Path(record_dir) if record_dir else None
        self._command = shutil.which(command) if enabled else None
        self._speed = speed_wpm
        self._timeout = timeout_s
        self._queue: queue.Queue = queue.Queue()
        self._count = 0
        self.silent_reason: str | None = None
        if not enabled:
            self.silent_reason = "spoken prompts are switched off in the config"
        elif self._command is None:
            self._go_silent(f"{command} is not installed")
        self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self._thread.start()

    @property
    def silent(self) -> bool:
        return self.silent_reason is not None

    def say(self, text: str, language: str = "zh") -> None:
        if self.silent or not text:
            return
        while True:  # the citizen has moved on: older prompts are no longer true
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put((text, VOICES.get(language, "cmn")))

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=self._timeout)

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            if not self.silent:
                self._speak(*item)

    def _speak(self, text: str, voice: str) -> None:
        args = [self._command, "-v", voice, "-s", str(self._speed)]
        if self.record_dir is not None:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            self._count += 1
            args += ["-w", str(self.record_dir / f"{self._count:03d}-{voice}.wav")]
        try:
            result = subprocess.run(args + ["--", text], capture_output=True, timeout=self._timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self._go_silent(str(exc))
            return
        errors = [line for line in result.stderr.decode(errors="replace").splitlines() if line.startswith("error")]
        if result.returncode != 0 or errors:  # espeak-ng exits 0 even when no audio device opened
            self._go_silent(errors[-1] if errors else f"exit status {result.returncode}")

    def _go_silent(self, reason: str) -> None:
        self.silent_reason = reason
        log.warning("spoken prompts off: %s", reason)
