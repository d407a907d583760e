"""The device model shared by every device class.

Modelled on CEN XFS4IoT, cut to what a kiosk needs: a device has a state (online, offline,
hardware error, user error, no device, busy) plus class-specific details, and every failed
operation raises a typed DeviceError whose message is one line a technician can act on.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from drivers.registry import DeviceUrl


class DeviceState(str, enum.Enum):
    ONLINE = "online"
    OFFLINE = "offline"  # present but not answering
    HARDWARE_ERROR = "hardware_error"  # answering, but cannot work (paper out, SAM failed)
    USER_ERROR = "user_error"  # needs the citizen (card removed, finger lifted)
    NO_DEVICE = "no_device"  # not connected / cannot be opened
    BUSY = "busy"


@dataclass(frozen=True)
class DeviceStatus:
    device_class: str
    state: DeviceState
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.state in (DeviceState.ONLINE, DeviceState.BUSY, DeviceState.USER_ERROR)

    def to_json(self) -> dict[str, Any]:
        return {
            "device_class": self.device_class,
            "state": self.state.value,
            "message": self.message,
            "detail": dict(self.detail),
        }


class DeviceError(Exception):
    """Base of every error the device layer raises. `kind` is a stable machine code."""

    kind: ClassVar[str] = "device_error"

    def __init__(self, message: str, *, device_code: int | None = None):
        super().__init__(message)
        self.device_code = device_code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.kind


class DeviceTimeout(DeviceError):
    kind = "timeout"


class ProtocolError(DeviceError):
    """A frame that cannot be understood: truncated, malformed, wrong length."""

    kind = "protocol_error"


class ChecksumError(ProtocolError):
    kind = "checksum_error"


class NotPresent(DeviceError):
    """The device cannot be reached at all: unplugged, nothing listening, no such port."""

    kind = "not_present"


class DeviceUserError(DeviceError):
    """The device works but needs the citizen: no card, card removed, no finger."""

    kind = "user_error"


class NoMedia(DeviceUserError):
    """Nothing to work on yet: no card on the reader, no finger on the sensor."""

    kind = "no_media"


class HardwareFault(DeviceError):
    """The device answered that it cannot work: paper out, cover open, SAM failure."""

    kind = "hardware_fault"


class Device(abc.ABC):
    """One opened device. Backends are thread-safe: the device manager and a service may
    both call into them, so each backend serialises its own transport access."""

    device_class: ClassVar[str]

    @classmethod
    @abc.abstractmethod
    def from_url(cls, url: "DeviceUrl") -> "Device":
        """Build (but do not open) a backend from a parsed device URL."""

    @abc.abstractmethod
    def open(self) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def status(self) -> DeviceStatus:
        """Ask the device for its state. Never raises: an unreachable device is NO_DEVICE."""

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

