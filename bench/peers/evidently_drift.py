"""Peer for bench/drift: Evidently 0.7.23 `Report([DataDriftPreset()])` on a reference and a current file.

    .sluice/venv/bin/python bench/peers/evidently_drift.py --reference REF --current CUR \
        [--numeric a,b] [--categorical c,d]

Column kinds are declared (as a careful Evidently user would) so both tools compare the same 25 features and the `id`
column is left out. Prints JSON {seconds (Dataset + Report.run + reading the results), loadSeconds, importSeconds,
peakRssMb, rows, driftedColumns, driftShare, datasetDrift, columns}.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import pandas.core.dtypes.common as _pdc
from _common import load, peak_rss_mb

# Evidently 0.7.23 imports a helper that pandas 3 removed; only its legacy TestColumnsType calls it, which the drift
# preset never runs. Defining a stub lets the package import under the project's pandas 3.1.1.
if not hasattr(_pdc, "infer_dtype_from_object"):

    def _removed_in_pandas_3(_obj: object) -> None:
        raise NotImplementedError("pandas 3 removed infer_dtype_from_object")

    _pdc.infer_dtype_from_object = _removed_in_pandas_3

DRIFT_SHARE = 0.5  # DataDriftPreset's default


def split(s: str | None) -> list[str] | None:
    return [c for c in s.split(",") if c] if s else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True)
    ap.add_argument("--current", required=True)
    ap.add_argument("--numeric", help="comma-separated numeric columns (default: Evidently infers)")
    ap.add_argument("--categorical", help="comma-separated categorical columns (default: Evidently infers)")
    ap.add_argument("--id", default="id", help="id column, excluded from drift ('' for none)")
    a = ap.parse_args()

    t0 = time.perf_counter()
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    import_s = time.perf_counter() - t0

    ref, load_ref = load(a.reference)
    cur, load_cur = load(a.current)

    t0 = time.perf_counter()
    definition = DataDefinition(
        id_column=a.id or None,
        numerical_columns=split(a.numeric),
        categorical_columns=split(a.categorical),
    )
    ref_ds = Dataset.from_pandas(ref, data_definition=definition)
    cur_ds = Dataset.from_pandas(cur, data_definition=definition)
    snapshot = Report([DataDriftPreset(drift_share=DRIFT_SHARE)]).run(cur_ds, ref_ds)
    metrics = snapshot.dict()["metrics"]
    seconds = time.perf_counter() - t0

    columns = []
    share = math.nan
    for m in metrics:
        cfg, value = m["config"], m["value"]
        if cfg["type"].endswith("DriftedColumnsCount"):
            share = float(value["share"])
        elif cfg["type"].endswith("ValueDrift"):
            # p-value methods drift below the threshold, distances at or above it.
            p_value = "p_value" in cfg["method"]
            drifted = value < cfg["threshold"] if p_value else value >= cfg["threshold"]
            columns.append(
                {
                    "name": cfg["column"],
                    "method": cfg["method"],
                    "statistic": value,
                    "threshold": cfg["threshold"],
                    "drifted": bool(drifted),
                }
            )
    print(
        json.dumps(
            {
                "version": evidently.__version__,
                "seconds": round(seconds, 3),
                "loadSeconds": round(load_ref + load_cur, 3),
                "importSeconds": round(import_s, 3),
                "peakRssMb": peak_rss_mb(),
                "rows": {"reference": len(ref), "current": len(cur)},
                "driftedColumns": [c["name"] for c in columns if c["drifted"]],
                "driftShare": share,
                "datasetDrift": share >= DRIFT_SHARE,
                "columns": columns,
            }
        )
    )


if __name__ == "__main__":
    main()
