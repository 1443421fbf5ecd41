"""Peer for bench/validate: pandera 0.35 validating a file against the Sluice rules translated to a DataFrameSchema.

    .sluice/venv/bin/python bench/peers/pandera_validate.py --data FILE.{csv,parquet} --rules bench/data/rules.yaml

Prints JSON {seconds (validate only), loadSeconds, peakRssMb, rows, passed, failureCases, checks}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandera
import pandera.pandas as pa
import yaml
from _common import load, peak_rss_mb

# Sluice rule type -> the pandas dtype pandas infers for such a column (no coercion: we time checking, not casting).
DTYPES = {
    "number": "float64",
    "integer": "int64",
    "string": "str",
    "category": "str",
    "boolean": "bool",
    "timestamp": "datetime64[ns]",
}


def schema_from_rules(rules: dict) -> tuple[pa.DataFrameSchema, int]:
    columns: dict[str, pa.Column] = {}
    n_checks = 1 if rules.get("minRows") else 0
    for name, rule in (rules.get("columns") or {}).items():
        if rule.get("mostly", 1) != 1:
            raise SystemExit(f"column {name}: pandera has no 'mostly'; remove it from the benchmark rules")
        checks = []
        if "min" in rule:
            checks.append(pa.Check.ge(rule["min"]))
        if "max" in rule:
            checks.append(pa.Check.le(rule["max"]))
        if "values" in rule:
            checks.append(pa.Check.isin([str(v) for v in rule["values"]]))
        columns[name] = pa.Column(
            DTYPES[rule["type"]],
            checks=checks,
            nullable=rule.get("nullable", True),
            unique=rule.get("unique", False),
        )
        # Counted as Sluice's report counts them: type always, nullable when required, one per other rule.
        n_checks += 1 + int(not rule.get("nullable", True)) + len(checks) + int(rule.get("unique", False))
    frame_checks = []
    if rules.get("minRows"):
        min_rows = int(rules["minRows"])
        frame_checks.append(pa.Check(lambda df: len(df) >= min_rows, name="minRows"))
    return pa.DataFrameSchema(columns, checks=frame_checks), n_checks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--rules", required=True)
    a = ap.parse_args()
    schema, n_checks = schema_from_rules(yaml.safe_load(Path(a.rules).read_text()))
    df, load_s = load(a.data)
    t0 = time.perf_counter()
    failure_cases = 0
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        failure_cases = len(err.failure_cases)
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "version": pandera.__version__,
                "seconds": round(seconds, 3),
                "loadSeconds": round(load_s, 3),
                "peakRssMb": peak_rss_mb(),
                "rows": len(df),
                "passed": failure_cases == 0,
                "failureCases": failure_cases,
                "checks": n_checks,
            }
        )
    )


if __name__ == "__main__":
    main()
