"""Shared by the peer benchmarks: loading a table the way a pandas user would, and peak memory."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pandas as pd


def load(path: str) -> tuple[pd.DataFrame, float]:
    """Reads CSV, JSON Lines or Parquet into pandas (pandas' defaults, pyarrow for Parquet); returns the frame and
    seconds."""
    t0 = time.perf_counter()
    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    elif suffix == ".csv":
        df = pd.read_csv(path)
    elif suffix in (".jsonl", ".ndjson"):
        df = pd.read_json(path, lines=True)
    else:
        sys.exit(f"{path}: expected a .csv, .jsonl or .parquet file")
    return df, time.perf_counter() - t0


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
