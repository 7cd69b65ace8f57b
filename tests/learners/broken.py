"""A module that raises when imported."""

raise RuntimeError("broken at import time")
