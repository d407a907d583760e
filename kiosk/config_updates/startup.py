"""Starting the kiosk on its operator config, falling back to the last good one.

The current operator config is tried first; if the kiosk cannot start with it (it does not load
over the local file, or the core fails to start on it) but does start with the last good one
(or, without one, with the local file alone), the new one is refused with the reason (the
heartbeat reports it) and the good one is current again. What the kiosk started with is the
new last good config.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, TypeVar

from kiosk.config import KioskConfig, load_config
from kiosk.config_updates import state_path
from kiosk.config_updates.store import CURRENT, GOOD, ConfigStore

log = logging.getLogger(__name__)
T = TypeVar("T")

def start_with_fallback(config_path: str | None, overrides: dict[str, Any] | None,
                        start: Callable[[KioskConfig], T]) -> tuple[T, KioskConfig]:
    """`start(config)` builds and starts the kiosk; returns what it returned and the config.
    A config is blamed only when the fallback then starts: a kiosk that cannot start on either
    (central away, no credentials) raises the first error and refuses nothing."""
    local = load_config(config_path, overrides)
    if local.updates is None:
        return start(local), local
    store = ConfigStore(state_path(local, local.updates.state_dir))
    doc = store.read(CURRENT)
    if doc is None:
        return start(local), local
    try:
        config = load_config(config_path, overrides, operator=doc["config"])
        return _started(store, doc, start(config)), config
    except Exception as exc:  # whatever it is: blamed only if the fallback starts
        failure = exc
    good = store.read(GOOD)
    fallback = good if good is not None and good != doc else None
    try:
        config = load_config(config_path, overrides, operator=fallback["config"]) if fallback else local
        started = start(config)
    except Exception:
        raise failure from None
    reason = f"kiosk cannot start with version {doc.get('version')}: {failure}"
    log.error("%s; running %s", reason, f"version {fallback['version']}" if fallback else "the local config")
    store.fall_back(doc, reason)
    return (_started(store, fallback, started) if fallback else started), config


def _started(store: ConfigStore, doc: dict[str, Any], started: T) -> T:
    store.confirm(doc)
    return started
