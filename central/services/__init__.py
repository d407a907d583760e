"""Central's services: one module each, with an APIRouter mounted at /api/v1/services/<id>/.

A module provides `INFO` (a ServiceInfo) and `router`; optionally
`accept_offline(conn, central, kiosk_id, visit_id, record, created_at)` for visit records a
kiosk accepted while central was away. A paid service also provides `PAYABLE`
(central/payments/payable.py), which central's order book calls to price and deliver it.
Adding a service on central is one module plus one line in registry.py's SERVICES; its
back-office operation goes into central/backoffice.py as a Protocol.
"""
