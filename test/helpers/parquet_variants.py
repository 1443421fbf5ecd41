"""Writes the same table as Parquet files in the layouts writers produce, for the engine's Parquet reader tests.

usage: parquet_variants.py OUT_DIR
Prints a JSON object: file name -> whether the engine is expected to read it (false: it hands the file back).
"""
import json
from decimal import Decimal
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out = Path(sys.argv[1])
rng = np.random.default_rng(11)
n = 6000


def with_nulls(values, every):
    return [None if i % every == 3 else v for i, v in enumerate(values)]


f64 = rng.normal(0, 1e3, n)
f64[[5, 16]] = np.nan
f64[[9]] = np.inf
f64[[11]] = -np.inf
f64[[13]] = -0.0
words = ['a', 'b', 'é', 'x, "quoted"', 'line\nbreak', '', 'z' * 40]
columns = {
    'f64': pa.array(with_nulls(f64.tolist(), 7), pa.float64()),
    'f32': pa.array(with_nulls(rng.normal(5, 2, n).astype(np.float32).tolist(), 9), pa.float32()),
    'i8': pa.array(with_nulls(rng.integers(-128, 127, n).tolist(), 5), pa.int8()),
    'u8': pa.array(rng.integers(0, 255, n).tolist(), pa.uint8()),
    'i16': pa.array(rng.integers(-30000, 30000, n).tolist(), pa.int16()),
    'u16': pa.array(rng.integers(0, 65535, n).tolist(), pa.uint16()),
    'i32': pa.array(with_nulls(rng.integers(-2**31, 2**31 - 1, n).tolist(), 11), pa.int32()),
    'u32': pa.array(rng.integers(2**31, 2**32 - 1, n).tolist(), pa.uint32()),
    # Past 2^53: the cast to double rounds, as DuckDB's does.
    'i64': pa.array(with_nulls((rng.integers(-2**62, 2**62, n) | 1).tolist(), 13), pa.int64()),
    'u64': pa.array([int(v) for v in rng.integers(2**63, 2**64 - 1, n, dtype=np.uint64)], pa.uint64()),
    'few': pa.array(rng.integers(0, 4, n).tolist(), pa.int64()),
    'flag': pa.array(with_nulls((rng.random(n) < 0.3).tolist(), 6), pa.bool_()),
    'word': pa.array(with_nulls([words[i] for i in rng.integers(0, len(words), n)], 8), pa.string()),
    'key': pa.array([f'k{i % 2500}' for i in range(n)], pa.large_string()),
}
table = pa.table(columns)
required = pa.table(
    {k: v.fill_null('' if k in ('word', 'key') else 0) for k, v in columns.items() if k != 'flag'},
)
required = required.cast(pa.schema([pa.field(f.name, f.type, nullable=False) for f in required.schema]))

expected = {}


def write(name, t, ok, **kw):
    pq.write_table(t, out / f'{name}.parquet', **kw)
    expected[f'{name}.parquet'] = ok


write('dict-snappy', table, True)
write('plain-snappy', table, True, use_dictionary=False)
write('dict-uncompressed', table, True, compression='none')
write('v2-snappy', table, True, data_page_version='2.0')
write('v2-small-pages', table, True, data_page_version='2.0', compression='none', data_page_size=512,
      row_group_size=700)
# A dictionary past its size limit: the writer goes on in PLAIN pages within the same chunk.
write('dict-fallback', table, True, dictionary_pagesize_limit=256, row_group_size=2500)
write('required', required, True, data_page_size=2048)
write('empty', table.slice(0, 0), True)
# zstd at both ends of its range of levels (different block, literal and sequence-table modes), in v2 pages, and
# in pages of several 128 KB blocks each (tables repeated from block to block).
write('dict-zstd', table, True, compression='zstd')
write('plain-zstd-19', table, True, compression='zstd', compression_level=19, use_dictionary=False)
write('v2-zstd-1', table, True, compression='zstd', compression_level=1, data_page_version='2.0',
      data_page_size=4096)
write('zstd-big-pages', pa.concat_tables([table] * 8), True, compression='zstd', use_dictionary=False,
      data_page_size=4 << 20, row_group_size=48000)
# gzip (Athena's and Hive's default) with dictionaries, and in small plain v2 pages at the strongest level.
write('dict-gzip', table, True, compression='gzip')
write('v2-gzip-9', table, True, compression='gzip', compression_level=9, use_dictionary=False,
      data_page_version='2.0', data_page_size=4096)
# Handed back: codecs, encodings and types the engine does not read.
write('brotli', table, False, compression='brotli')
write('byte-stream-split', table.select(['f64', 'word']), False, use_dictionary=False,
      use_byte_stream_split=['f64'])
write('delta', table.select(['i32', 'word']), False, use_dictionary=False,
      column_encoding={'i32': 'DELTA_BINARY_PACKED', 'word': 'PLAIN'})
# Dates and timestamps in every unit (read as ISO text) and types the engine leaves to the TypeScript loader
# (decimal, float16) beside numbers and text: the joined set must equal the loader's alone.
write('date', pa.table({'d': pa.array([0, 1, None, 19000], pa.date32()), 'x': [1.0, 2.0, 3.0, 4.0]}), True)
instants = rng.integers(-2 * 10**17, 2 * 10**17, n)  # ns around 1970 ± 6 years
mixed = table.select(['f64', 'word', 'few']).append_column(
    'day', pa.array(with_nulls((instants // 86_400_000_000_000).tolist(), 10), pa.date32()),
).append_column(
    'ms', pa.array(with_nulls((instants // 10**6).tolist(), 9), pa.timestamp('ms')),
).append_column(
    'us_utc', pa.array((instants // 10**3).tolist(), pa.timestamp('us', tz='UTC')),
).append_column(
    'ns', pa.array(with_nulls(instants.tolist(), 12), pa.timestamp('ns')),
).append_column(
    'price', pa.array(with_nulls([Decimal(f'{v:.2f}') for v in rng.normal(100, 30, n)], 5), pa.decimal128(10, 2)),
).append_column(
    'half', pa.array(np.where(np.arange(n) % 50 == 0, np.nan, rng.normal(0, 4, n)).astype(np.float16)),
)
write('mixed-types', mixed, True)
write('int96', mixed.select(['f64', 'ms', 'us_utc', 'ns']), True, use_deprecated_int96_timestamps=True)
print(json.dumps(expected))
