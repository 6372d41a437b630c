"""The version of the muscle-balance model, stamped on every score row.

The constants themselves are a contract of the config (`schemas.scoring`: `ScoreConstants`,
`FactConstants`, each with its source); `docs/scoring.md` explains each component with
them.
"""

from __future__ import annotations

import hashlib
import json

from schemas.scoring import FactConstants, ScoreConstants

#: The version of the model with its default constants, in `model_version` of every row
#: of `marts.daily_muscle_balance` and `marts.weekly_muscle_balance`.
#:
#: Bump it in the change that makes a score of the same inputs different: a default
#: constant, a transfer function, a window, a component, the verdict, the reasons' text,
#: or a daily fact the score reads (`transforms/daily_*.py` and the metrics they call).
#: The minor number for a change of numbers, the major for a change of meaning (a new
#: component, a new column). tests/transforms/scoring/test_model_version.py fails with
#: "scores changed without a MODEL_VERSION bump" when the scores of its fixed inputs change
#: and this was not bumped; a refactor, a comment or a docstring needs no bump.
MODEL_VERSION = "4.0"
#: Hex digits of the digest of `[scoring]` overrides appended to MODEL_VERSION.
OVERRIDE_DIGITS = 8


def overridden(score: ScoreConstants, facts: FactConstants) -> dict[str, float]:
    """The constants that differ from the model's defaults, by key, each as a float (so
    `max_reasons = 3` and `3.0` are the same value; the switch `intensity_reasons` reads
    1.0 when true)."""
    changed: dict[str, float] = {}
    for constants, model in ((score, ScoreConstants), (facts, FactConstants)):
        for name, spec in model.model_fields.items():
            value = getattr(constants, name)
            if float(value) != float(spec.default):
                changed[name] = float(value)
    return changed


def model_version(score: ScoreConstants, facts: FactConstants) -> str:
    """MODEL_VERSION with the default constants; with `[scoring]` overrides,
    `<MODEL_VERSION>+<8 hex digits>`: the start of a SHA-256 over the overridden keys and
    values, so two warehouses scored with different constants never share a version."""
    changed = overridden(score, facts)
    if not changed:
        return MODEL_VERSION
    digest = hashlib.sha256(json.dumps(changed, sort_keys=True).encode()).hexdigest()
    return f"{MODEL_VERSION}+{digest[:OVERRIDE_DIGITS]}"
