"""Keys handed over by systemd: `LoadCredential=` / `LoadCredentialEncrypted=` in the unit put
each, decrypted (with the machine's TPM2 where it was sealed to one), in a private in-memory
directory named by $CREDENTIALS_DIRECTORY for the service's lifetime only. A key found there
is used in place of its file on disk, so a stolen disk holds no usable key; the file is then
neither read nor created.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "CREDENTIALS_DIRECTORY"


def credential(name: str) -> Path | None:
    """The credential `name` (a key file's name, "outbox.key") if systemd passed one."""
    directory = os.environ.get(ENV)
    if not directory or "/" in name or name in ("", ".", ".."):
        return None
    path = Path(directory, name)
    return path if path.is_file() else None
