"""A central database made before a table gained columns gets them at start-up (create_all adds
tables only), on SQLite and PostgreSQL, keeping its rows."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, Table, create_engine, inspect, insert, select

from central.db import create_engine_for, normalise_url, orders

NEW = {"reference", "id_hash", "receipt_printed", "shown"}


def test_orders_made_before_the_progress_query_columns_gain_them(central_db):
    old = MetaData()
    Table("orders", old, *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                           for c in orders.columns if c.name not in NEW])
    engine = create_engine(normalise_url(central_db))
    try:
        old.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(old.tables["orders"]).values(
                order_id="v:pay", provider_order_id="P1", kiosk_id="K-1", visit_id="v", service="traffic_fines",
                amount_fen=100, description="d", lines=[], request={}, state="paid", paid_fen=100, refunded_fen=0,
                delivery="delivered", expires_at=0.0, created_at=0.0, updated_at=0.0))
    finally:
        engine.dispose()
    for _start in range(2):  # the second start finds nothing to add
        engine = create_engine_for(central_db)
        try:
            assert NEW <= {c["name"] for c in inspect(engine).get_columns("orders")}
            indexed = {tuple(i["column_names"]) for i in inspect(engine).get_indexes("orders")}
            assert {("reference",), ("id_hash",)} <= indexed  # the progress query looks orders up by them
            with engine.connect() as conn:
                row = conn.execute(select(orders).where(orders.c.order_id == "v:pay")).mappings().one()
            assert (row["receipt_printed"], row["reference"], row["id_hash"], row["shown"]) == (False, None, None, None)
        finally:
            engine.dispose()
