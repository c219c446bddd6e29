"""Cache policy that also keys on the domain package's source."""

from __future__ import annotations

from pathlib import Path

from zenml.config import CachePolicy

REPO_ROOT = Path(__file__).resolve().parents[1]

# ZenML hashes only a step's own file by default, so a changed cleaning
# rule or model class in freight/ would still hit the cache.
DOMAIN_FILES = sorted(
    str(path.relative_to(REPO_ROOT))
    for path in (REPO_ROOT / "freight").glob("*.py")
)
DOMAIN_CACHE_POLICY = CachePolicy(file_dependencies=DOMAIN_FILES)
