"""Kiosk groups of the operator config: the name rule and the repository path of a group's config.

Central's repository writes the target and the kiosk's updater asks for it: one rule for both.
"""

from __future__ import annotations

import re

GROUP = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def target_path(group: str) -> str:
    if not GROUP.match(group):
        raise ValueError(f"group {group!r}: 1-64 lower-case letters, digits, '-' or '_'")
    return f"groups/{group}/config.json"
