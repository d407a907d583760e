"""The order book's sweep on a background thread: every few seconds, one `OrderBook.sweep()`.

It is what makes a lost notification, a kiosk that stopped polling, a refund the provider did not
answer and a central restart harmless: whatever is open, paid-but-undelivered or owed back is
looked at again. Started and stopped with the app (its lifespan).
"""

from __future__ import annotations

import logging
import threading

from central.payments.orders import OrderBook

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 5.0


class Sweeper:
    def __init__(self, book: OrderBook, every_s: float = SWEEP_EVERY_S):
        if every_s <= 0:
            raise ValueError(f"the payment sweep interval must be positive, not {every_s}")
        self.book = book
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Sweeper:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="payment-sweep", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Return once the sweep in progress (if any) has finished."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("payment sweep still running after %g s", timeout)
        self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.book.sweep()
            except Exception as exc:  # a database hiccup must not end the sweep for good
                log.warning("payment sweep failed (%s); next in %g s", type(exc).__name__, self.every_s)
