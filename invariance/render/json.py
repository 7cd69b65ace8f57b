"""The JSON document of ``invcheck --json`` (docs/design.md#json-schema)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from invariance.result.model import Result
from invariance.settings import CheckConfig

__all__ = ["SCHEMA_VERSION", "document", "to_json"]

#: raised only when a key is removed or changes meaning; keys may be added without it
SCHEMA_VERSION = 2


def document(results: Iterable[Result], config: CheckConfig | None = None) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "settings": (config or CheckConfig()).to_json(),
        "results": [r.to_json() for r in results],
    }


def to_json(results: Iterable[Result], config: CheckConfig | None = None) -> str:
    return json.dumps(document(results, config), indent=2, allow_nan=False)
