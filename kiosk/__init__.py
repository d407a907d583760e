"""Kiosk application core: sessions, services, identity, audit, diagnostics, bootstrap. No Qt."""
