"""A small text progress bar for long management commands (tqdm is not a dependency)."""

from __future__ import annotations

import sys
import time
from typing import Any


class ProgressBar:
    """`bar = ProgressBar("tickets", total); bar.update(n)`; redraws at most 5 times a second,
    on one line when the output is a terminal, as plain lines every 10 % otherwise."""

    def __init__(self, label: str, total: int, stream: Any = None, width: int = 30):
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stdout
        self.width = width
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_decile = -1
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, step: int = 1) -> None:
        self.done = min(self.total, self.done + step)
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= 0.2 or self.done == self.total:
                self._last_draw = now
                self.stream.write("\r" + self._line(now))
                self.stream.flush()
        else:
            decile = self.done * 10 // self.total
            if decile != self._last_decile:
                self._last_decile = decile
                self.stream.write(self._line(now) + "\n")
                self.stream.flush()

    def close(self) -> None:
        if self._tty:
            self.stream.write("\r" + self._line(time.monotonic()) + "\n")
            self.stream.flush()

    def _line(self, now: float) -> str:
        share = self.done / self.total
        filled = int(share * self.width)
        elapsed = now - self.started
        eta = elapsed / share - elapsed if share > 0 else 0.0
        return (
            f"{self.label:<12} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{share * 100:5.1f}% {self.done}/{self.total} {elapsed:6.1f}s eta {eta:6.1f}s"
        )
