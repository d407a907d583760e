"""Services a citizen can complete at the kiosk. One module per service; this table maps the
service ids used in config to their classes."""

from __future__ import annotations

from kiosk.services.base import Service
from kiosk.services.no_criminal_record import NoCriminalRecord

SERVICE_CLASSES: dict[str, type[Service]] = {
    NoCriminalRecord.id: NoCriminalRecord,
}


def build_services(config) -> dict[str, Service]:
    services = {}
    for service_config in config.services:
        cls = SERVICE_CLASSES.get(service_config.id)
        if cls is None:
            raise ValueError(f"config names a service this kiosk does not implement: {service_config.id!r}")
        services[service_config.id] = cls(service_config, config)
    return services
