"""The reference central backend: FastAPI + SQLAlchemy Core, on SQLite or PostgreSQL.

Imported only by `kiosk central …`, `kiosk demo` and tests; the kiosk itself talks to central
over HTTP (kiosk/central_client.py) and never loads this package.
"""
