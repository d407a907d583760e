"""Services a citizen can complete at the kiosk, one package each: `kiosk/services/<id>/`.

As with Django's apps, the config names the services (`[[services]] id = …`) and each id is
found as the package `kiosk.services.<id>`; a vendor package can add services through the
`kiosk.services` entry-point group, and tests register their own with `register`.
"""

from __future__ import annotations

import importlib

from common.plugins import plugins
from kiosk.services.base import Service

_registered: dict[str, type[Service]] = {}


def register(cls: type[Service]) -> type[Service]:
    """Make a service class known by its id (usable as a class decorator)."""
    _registered[cls.id] = cls
    return cls


def unregister(service_id: str) -> None:
    _registered.pop(service_id, None)


def service_class(service_id: str) -> type[Service]:
    if service_id in _registered:
        return _registered[service_id]
    for ep in plugins("kiosk.services"):
        if ep.name == service_id:
            return register(ep.load())
    try:
        module = importlib.import_module(f"kiosk.services.{service_id}")
    except ModuleNotFoundError as exc:
        if exc.name != f"kiosk.services.{service_id}":
            raise
        raise ValueError(f"config names a service this kiosk does not implement: {service_id!r}") from None
    classes = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, Service) and getattr(v, "id", None) == service_id]
    if not classes:
        raise ValueError(f"kiosk/services/{service_id}/ defines no Service with id = {service_id!r}")
    return register(classes[0])


def build_services(config, clock=None) -> dict[str, Service]:
    """One instance per configured service, checked against the configured devices."""
    services = {}
    for service_config in config.services:
        service = service_class(service_config.id)(service_config, config, clock)
        _ = service.steps  # a stage the config lacks texts or choices for fails here, at start-up
        missing = [d for d in required_devices(service) if d not in config.devices]
        if missing and service_config.enabled:
            raise ValueError(f"service {service.id!r} requires devices not configured: {', '.join(missing)}")
        services[service_config.id] = service
    return services


def required_devices(service: Service) -> list[str]:
    """Devices that must be configured: each single requirement, and at least the first of each
    any-of group."""
    needed = []
    for requirement in service.requires:
        if isinstance(requirement, str):
            needed.append(requirement)
        elif not any(d in service.kiosk.devices for d in requirement):
            needed.append(requirement[0])
    return needed
