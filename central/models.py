"""The base of every request model central takes: text a database can store, finite numbers.

PostgreSQL text and JSONB hold no NUL, and no engine stores a lone surrogate (a JSON escape can
carry one): refusing them in the model is a 422 naming the field, where the database would
have made it a 500.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


def unstorable_text(value: Any) -> str | None:
    """Why `value` (or anything inside it, keys too) cannot be stored as text, or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return "text must not contain NUL characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text must be valid Unicode (it holds a lone surrogate)"
        return None
    if isinstance(value, dict):
        return next(filter(None, map(unstorable_text, [*value.keys(), *value.values()])), None)
    if isinstance(value, list):
        return next(filter(None, map(unstorable_text, value)), None)
    return None


class Storable(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        problem = unstorable_text(data)
        if problem:
            raise ValueError(problem)
        return data
