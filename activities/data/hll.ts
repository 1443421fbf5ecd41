// HyperLogLog distinct counting (Flajolet et al. 2007) for columns with more distinct values than Sluice keeps
// exactly. 2^16 registers: standard error 1.04/√65536 ≈ 0.41%, 64 KiB per column. Each value is hashed twice with
// independent seeds — 16 bits pick the register, a second 32-bit hash gives the rank — so the effective hash is
// 48 bits and needs no large-range correction below ~10^12 distinct values.

const P = 16;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** A 32-bit hash of a string's UTF-16 code units (MurmurHash3-style mixing; seed selects an independent hash). */
function hash32(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= s.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class HyperLogLog {
  private readonly registers = new Uint8Array(M);

  add(value: string): void {
    const idx = hash32(value, 0x9747b28c) >>> (32 - P);
    const rank = Math.clz32(hash32(value, 0x5bd1e995)) + 1;
    if (rank > (this.registers[idx] as number)) this.registers[idx] = rank;
  }

  /** The estimated number of distinct values added. */
  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.registers[i] as number;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const e = (ALPHA * M * M) / sum;
    // Small range: linear counting on the empty registers is more accurate.
    if (e <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(e);
  }
}
