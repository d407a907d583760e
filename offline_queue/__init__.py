"""The kiosk's SQLite outbox (encrypted at rest) and the worker that drains it to central."""

from offline_queue.crypto import KeyFileError, Sealer, TamperedRecord, load_or_create_key
from offline_queue.outbox import Outbox, OutboxFull, OutboxItem
from offline_queue.sync import SyncState, SyncWorker

__all__ = [
    "KeyFileError",
    "Outbox",
    "OutboxFull",
    "OutboxItem",
    "Sealer",
    "SyncState",
    "SyncWorker",
    "TamperedRecord",
    "load_or_create_key",
]
