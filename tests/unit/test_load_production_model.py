"""The step that resolves the production stage must run every time."""

from __future__ import annotations

from steps.inference.load_production_model import load_production_model


def test_production_model_step_not_cached():
    # A cache hit would return the model of an earlier production version.
    assert load_production_model.configuration.enable_cache is False
