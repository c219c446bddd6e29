"""Drift monitoring, static drift summaries and the timeline replay.

Library code with no ZenML import: pipelines call these functions.
"""
