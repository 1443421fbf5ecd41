"""Writes seeded Parquet files full of validation edge cases, in six layouts (one zstd, one gzip, one with INT96 timestamps), for the native validator's tests.

usage: parquet_validation.py OUT_DIR SEED ROWS
Prints a JSON list of the file names written.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out, seed, n = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
EDGES = [float('nan'), float('inf'), float('-inf'), -0.0, 0.0, -5.0, -5.000000000000001, -4.99999999999999, 1e6,
         1000000.00000001, 1e21, 1e-7, 0.1 + 0.2, 123456789012345680000.0]
TIERS = ['gold', ' gold ', 'silver', 'Bronze', 'café', 'café ', '\u00a0silver', 'x', '', None]


def pick(values, i):
    return values[int(rng.integers(0, len(values)))]


amount, ratio, count, tier, code, seq, score = [], [], [], [], [], [], []
for i in range(n):
    r = rng.random()
    amount.append(None if r < 0.05 else pick(EDGES, i) if r < 0.3 else round(float(rng.uniform(-10, 2000)), 2))
    ratio.append(None if r > 0.97 else float(np.float32(rng.choice([1.0, 2.0, 2.5, 0.1, -3.0, float('nan')]))))
    count.append(None if r < 0.02 else int(rng.choice([0, 1, 2, 3, 4, 5, -1, 2**40, -(2**40)])))
    tier.append(pick(TIERS, i))
    code.append('' if r > 0.99 else f'c{int(rng.integers(0, 50))}' if r > 0.8 else f'id-{i}')
    # Ascending ids, then (last tenth) repeats of earlier ones and new odd ones: the unique check's ascending run.
    seq.append(2 * i if i < n - n // 10 else int(rng.integers(0, n)) if r < 0.5 else 2 * n + 2 * i + 1)
    # Every value within its rule: dictionary pages that pass whole.
    score.append(None if r < 0.05 else round(float(rng.uniform(0, 100)), 1))
# Instants in milliseconds: 1980–2040 around the rules' bounds (1990, 2030), repeats, years outside 0–9999 (a
# six-digit ISO year parseTimestamp rejects) and past a JavaScript Date's range (an invalid Date: a null).
Y1990, Y2030, DAY = 631_152_000_000, 1_893_456_000_000, 86_400_000
ODD_MS = [Y1990, Y1990 - 1, Y2030, Y2030 + 1, -62_167_219_200_001, 253_402_300_800_000, 9 * 10**15, -(9 * 10**15), 0]
at_ms, at_ns, day = [], [], []
for i in range(n):
    r = rng.random()
    base = int(rng.integers(315_532_800_000, 2_208_988_800_000))
    at_ms.append(None if r < 0.03 else pick(ODD_MS, i) if r < 0.1 else base - base % 1000 if r < 0.2 else base)
    # Nanoseconds, negative ones included: divided toward zero as hyparquet divides them.
    at_ns.append(None if r > 0.98 else int(rng.integers(-(2**62), 2**62)) if r < 0.9 else int(rng.integers(-5, 5)))
    day.append(None if r < 0.02 else int(rng.choice([-719_529, 2_932_897, 10**8, 0])) if r > 0.95
               else int(rng.integers(3650, 25_000)))
table = pa.table({
    'amount': pa.array(amount, pa.float64()),
    'ratio': pa.array(ratio, pa.float32()),
    'count': pa.array(count, pa.int64()),
    'tier': pa.array(tier, pa.string()),
    'code': pa.array(code, pa.string()),
    'extra': pa.array([i % 3 for i in range(n)], pa.int32()),
    'seq': pa.array(seq, pa.int64()),
    'score': pa.array(score, pa.float64()),
    'at': pa.array(at_ms, pa.timestamp('ms')),
    'at_ns': pa.array(at_ns, pa.timestamp('ns', tz='UTC')),
    'day': pa.array(day, pa.date32()),
    'flag': pa.array([None if i % 17 == 5 else bool(rng.random() < 0.3) for i in range(n)], pa.bool_()),
})
names = []
for layout, kw in {
    'dict': {},
    'plain': {'use_dictionary': False},
    'v2': {'data_page_version': '2.0', 'data_page_size': 1024, 'dictionary_pagesize_limit': 512, 'row_group_size': n // 3 + 1},
    'zstd': {'compression': 'zstd', 'compression_level': 9},
    'gzip': {'compression': 'gzip', 'data_page_version': '2.0'},
    # Timestamps as INT96 (Julian day and nanoseconds of the day), as Spark writes them.
    'int96': {'use_deprecated_int96_timestamps': True},
}.items():
    name = f'val-{seed}-{layout}.parquet'
    pq.write_table(table, out / name, **kw)
    names.append(name)
print(json.dumps(names))
