"""What the paid services' central modules share: reading an order request, and an order.

The order book (central/payments/orders.py) hands `price` the kiosk's order request as a plain
dict; it is checked here with the same models the routes use, and refused in one line that
never carries the values (an ID number may be among them), as central's 422 handler does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], body: Any) -> Model:
    """`body` as `model`, or HTTPException 422 "body.<field>: <what is wrong>"."""
    if not isinstance(body, Mapping):
        raise HTTPException(422, "body: an object is required")
    try:
        return model.model_validate(dict(body))
    except ValidationError as exc:
        errors = exc.errors(include_input=False)
        first = errors[0]
        where = ".".join(["body", *(str(part) for part in first["loc"])])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise HTTPException(422, f"{where}: {first['msg']}{more}") from None


def order_field(order: Any, name: str) -> Any:
    """`order[name]` for a row mapping or dict, `order.name` for an object: the order book's
    choice, both carry `order_id` and `request` (the Priced.request stored with the order)."""
    if isinstance(order, Mapping):
        return order[name]
    return getattr(order, name)
