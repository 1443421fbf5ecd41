"""Generates the drift/validation benchmark data: a reference and a current table of N rows.

Columns: `id` (unique integer) plus 25 features — 20 numeric (normal, lognormal, uniform, integer-valued, one with
few distinct values) and 5 categorical (3 to 50 categories). The current table shifts five features (see SHIFTED)
so a drift report has real work and a known answer: 5 of 25 columns drift, no dataset drift (share 0.2 < 0.5).

Writes reference.csv, current.csv, reference.parquet, current.parquet (snappy) into the output folder (default
.sluice/bench-data/<rows>/) plus manifest.json; skips the work when the manifest says it is already there. With
--codec gzip|zstd|none, the Parquet files are also rewritten in that codec (reference.gzip.parquet, …), row group by
row group, and the printed manifest points at those.

    .sluice/venv/bin/python bench/data/generate.py --rows 1000000 [--out DIR] [--seed 7] [--codec snappy]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHUNK = 1_000_000  # rows generated per step; bounds memory at 10M rows and makes chunks one Parquet row group each
NUMERIC = (
    [f"normal_{i}" for i in range(1, 7)]
    + [f"lognormal_{i}" for i in range(1, 5)]
    + [f"uniform_{i}" for i in range(1, 5)]
    + [f"int_{i}" for i in range(1, 6)]
    + ["few_values"]
)
CATEGORIES = {"cat_3": 3, "cat_5": 5, "cat_10": 10, "cat_20": 20, "cat_50": 50}
SHIFTED = ["normal_1", "lognormal_1", "uniform_1", "int_1", "cat_5"]
NULLABLE = {"normal_2": 0.01, "lognormal_2": 0.005, "cat_10": 0.01}  # share of empty cells
# Bounds the rules file states; the generator clips to them so the contract always passes.
NORMAL_BOUND = 10.0
LOGNORMAL_MAX = 1e4


def labels(name: str, k: int) -> list[str]:
    # A letter prefix keeps every label non-numeric, so every reader infers a categorical column.
    return [f"{name[4:]}_{chr(97 + i % 26)}{i // 26}" for i in range(k)]


def category_probs(k: int, shifted: bool) -> np.ndarray:
    # Zipf-like frequencies; the shifted side reverses them, which moves most of the mass.
    p = 1.0 / np.arange(1, k + 1)
    if shifted:
        p = p[::-1]
    return p / p.sum()


def chunk(rng: np.random.Generator, n: int, first_id: int, current: bool) -> pa.Table:
    cols: dict[str, pa.Array] = {"id": pa.array(np.arange(first_id, first_id + n, dtype=np.int64))}
    s = lambda name: current and name in SHIFTED  # noqa: E731
    for i in range(1, 7):
        name = f"normal_{i}"
        x = rng.normal(0.5 if s(name) else 0.0, 1.0 + 0.25 * i, n)
        cols[name] = np.clip(x, -NORMAL_BOUND, NORMAL_BOUND)
    for i in range(1, 5):
        name = f"lognormal_{i}"
        x = rng.lognormal(0.0, 0.5 + 0.1 * i, n) * (1.3 if s(name) else 1.0)
        cols[name] = np.minimum(x, LOGNORMAL_MAX)
    for i in range(1, 5):
        name = f"uniform_{i}"
        lo = 10.0 * i + (2.0 if s(name) else 0.0)
        cols[name] = rng.uniform(lo, lo + 10.0, n)
    for i in range(1, 6):
        name = f"int_{i}"
        lam = 10.0 * i * (1.25 if s(name) else 1.0)
        cols[name] = np.minimum(rng.poisson(lam, n), 1000).astype(np.int64)
    cols["few_values"] = rng.integers(0, 4, n, dtype=np.int64)  # 4 distinct values: a categorical-like number
    for name, k in CATEGORIES.items():
        idx = rng.choice(k, n, p=category_probs(k, s(name)))
        cols[name] = np.array(labels(name, k), dtype=object)[idx]

    arrays: dict[str, pa.Array] = {}
    for name, x in cols.items():
        if isinstance(x, pa.Array):
            arrays[name] = x
            continue
        if x.dtype.kind == "f":
            x = np.round(x, 4)  # four decimals: realistic CSV widths, and CSV and Parquet hold the same values
        mask = rng.random(n) < NULLABLE[name] if name in NULLABLE else None
        arrays[name] = pa.array(x, mask=mask, type=pa.string() if x.dtype == object else None)
    return pa.table(arrays)


def write(out: Path, rows: int, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # No value needs quotes; unquoted (header included, which pyarrow would quote) is the common shape.
    csv_opts = pacsv.WriteOptions(quoting_style="none", include_header=False)
    for side, current in (("reference", False), ("current", True)):
        # Independent streams per side and chunk: the same seed always gives the same files.
        seeds = np.random.SeedSequence([seed, int(current)]).spawn((rows + CHUNK - 1) // CHUNK)
        csv_tmp, pq_tmp = out / f"{side}.csv.tmp", out / f"{side}.parquet.tmp"
        csv_file = open(csv_tmp, "wb")  # noqa: SIM115 - closed in finally, after the writer that wraps it
        csv_writer = pq_writer = None
        try:
            for k, ss in enumerate(seeds):
                n = min(CHUNK, rows - k * CHUNK)
                t = chunk(np.random.default_rng(ss), n, (rows if current else 0) + k * CHUNK, current)
                if csv_writer is None:
                    csv_file.write((",".join(t.column_names) + "\n").encode())
                    csv_writer = pacsv.CSVWriter(csv_file, t.schema, write_options=csv_opts)
                    pq_writer = pq.ParquetWriter(str(pq_tmp), t.schema, compression="snappy")
                csv_writer.write_table(t)
                pq_writer.write_table(t, row_group_size=CHUNK)
        finally:
            if csv_writer is not None:
                csv_writer.close()
            if pq_writer is not None:
                pq_writer.close()
            csv_file.close()
        os.replace(csv_tmp, out / f"{side}.csv")
        os.replace(pq_tmp, out / f"{side}.parquet")


def recompress(snappy: Path, codec: str) -> Path:
    """The snappy file rewritten in `codec` beside it (once), with the same row groups."""
    target = snappy.with_suffix(f".{codec}.parquet")
    if not target.exists():
        src = pq.ParquetFile(snappy)
        tmp = target.with_suffix(".tmp")
        with pq.ParquetWriter(str(tmp), src.schema_arrow, compression=codec) as w:
            for g in range(src.num_row_groups):
                w.write_table(src.read_row_group(g), row_group_size=CHUNK)
        os.replace(tmp, target)
    return target


def as_jsonl(snappy: Path) -> Path:
    """The Parquet file's rows as JSON Lines beside it (once): nulls as null, numbers as numbers."""
    target = snappy.with_suffix(".jsonl")
    if not target.exists():
        src = pq.ParquetFile(snappy)
        tmp = target.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for g in range(src.num_row_groups):
                src.read_row_group(g).to_pandas().to_json(f, orient="records", lines=True)
                f.write("\n")
        os.replace(tmp, target)
    return target


def with_jsonl(manifest: dict) -> dict:
    files = {s: {**f, "jsonl": str(as_jsonl(Path(f["parquet"])))} for s, f in manifest["files"].items()}
    return {**manifest, "files": files}


def with_codec(manifest: dict, codec: str) -> dict:
    if codec == "snappy":
        return manifest
    files = {s: {**f, "parquet": str(recompress(Path(f["parquet"]), codec))} for s, f in manifest["files"].items()}
    return {**manifest, "files": files, "codec": codec}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--force", action="store_true", help="regenerate even if the files exist")
    ap.add_argument("--codec", choices=["snappy", "gzip", "zstd", "none"], default="snappy")
    ap.add_argument("--jsonl", action="store_true", help="also write the tables as JSON Lines")
    a = ap.parse_args()
    extra = with_jsonl if a.jsonl else (lambda m: m)
    if a.rows < 1:
        sys.exit("--rows must be at least 1")
    out = a.out or Path(__file__).resolve().parents[2] / ".sluice" / "bench-data" / str(a.rows)
    manifest_path = out / "manifest.json"
    manifest = {
        "rows": a.rows,
        "seed": a.seed,
        "features": NUMERIC + list(CATEGORIES),
        "numeric": NUMERIC,
        "categorical": list(CATEGORIES),
        "shifted": SHIFTED,
        "files": {s: {f: str(out / f"{s}.{f}") for f in ("csv", "parquet")} for s in ("reference", "current")},
    }
    if not a.force and manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        files = [Path(p) for side in old.get("files", {}).values() for p in side.values()]
        if old.get("rows") == a.rows and old.get("seed") == a.seed and files and all(f.exists() for f in files):
            print(json.dumps({**with_codec(extra(old), a.codec), "generated": False}))
            return
    t0 = time.perf_counter()
    write(out, a.rows, a.seed)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")  # last: its presence means the set is complete
    done = with_codec(extra(manifest), a.codec)
    print(json.dumps({**done, "generated": True, "seconds": round(time.perf_counter() - t0, 2)}))


if __name__ == "__main__":
    main()
