"""Train/test split protocols over shipments."""

from __future__ import annotations

import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

GROUP = "group"
TIME = "time"
PROTOCOLS = (GROUP, TIME)


def split_shipments(
    shipments: pd.DataFrame,
    protocol: str,
    test_size: float = 0.2,
    seed: int = 42,
    time_cutoff: str = "2014-01-01",
    time_end: str = "2016-01-01",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split shipments into train and test sets.

    `group` draws a random share of shipments, grouped by ASN/DN so that
    no shipment lands on both sides. `time` trains on shipments scheduled
    before `time_cutoff` and tests on those from `time_cutoff` up to
    `time_end`.

    Raises:
        ValueError: on an unknown protocol or an empty side.
    """
    if protocol == GROUP:
        splitter = GroupShuffleSplit(
            n_splits=1, test_size=test_size, random_state=seed
        )
        train_index, test_index = next(
            splitter.split(shipments, groups=shipments["shipment_id"])
        )
        train = shipments.iloc[train_index]
        test = shipments.iloc[test_index]
    elif protocol == TIME:
        scheduled = pd.to_datetime(shipments["scheduled_date"])
        cutoff = pd.Timestamp(time_cutoff)
        train = shipments[scheduled < cutoff]
        test = shipments[(scheduled >= cutoff) & (scheduled < time_end)]
    else:
        raise ValueError(
            f"unknown split protocol {protocol!r}: use one of {PROTOCOLS}"
        )
    if len(train) == 0 or len(test) == 0:
        raise ValueError(
            f"split {protocol!r} left {len(train)} training and "
            f"{len(test)} test shipments: both sides need at least one. "
            "Check the data's date range or the split settings."
        )
    return train.reset_index(drop=True), test.reset_index(drop=True)
