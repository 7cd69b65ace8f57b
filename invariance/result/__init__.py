"""Results: the frozen record of a check (:mod:`.model`), the one builder (:mod:`.build`) and saved
counterexamples that replay (:mod:`.replay`)."""

from invariance.result.model import Counterexample, PropertyReport, Result

__all__ = ["Counterexample", "PropertyReport", "Result"]
