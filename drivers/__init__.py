"""Device layer: one interface per device class, backends chosen by URL, emulators.

Nothing here imports Qt. Protocols are pure codecs (bytes in, events out) shared by the
driver and its emulator; transports are thin layers around them.
"""

from drivers.base import (
    ChecksumError,
    Device,
    DeviceError,
    DeviceState,
    DeviceStatus,
    DeviceTimeout,
    DeviceUserError,
    HardwareFault,
    NoMedia,
    NotPresent,
    ProtocolError,
)
from drivers.registry import open_device, parse_device_url

__all__ = [
    "ChecksumError", "Device", "DeviceError", "DeviceState", "DeviceStatus", "DeviceTimeout",
    "DeviceUserError", "HardwareFault", "NoMedia", "NotPresent", "ProtocolError",
    "open_device", "parse_device_url",
]
