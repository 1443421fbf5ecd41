// The drift HTML report: self-contained (no URLs to fetch), XSS-safe, and really drawn: headless Chromium
// renders it and the screenshot must hold many distinct colours, not a blank page.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDriftHtml } from '../../activities/drift/html.js';
import { DriftReport } from '../../schemas/drift.js';

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);

const EVIL = '<script>alert("x")</script>';
const report: DriftReport = DriftReport.parse({
  datasetDrift: true,
  driftShare: 1,
  driftShareThreshold: 0.5,
  rows: { reference: 2000, current: 1500 },
  columns: [
    {
      name: 'monthly_spend',
      kind: 'numeric',
      method: 'wasserstein',
      statistic: 0.34369678709702084,
      threshold: 0.1,
      drifted: true,
      rows: { reference: 2000, current: 1500 },
      plot: {
        type: 'histogram',
        edges: Array.from({ length: 14 }, (_, i) => i * 0.8837692307692308),
        reference: [178, 176, 178, 176, 176, 178, 176, 178, 176, 176, 178, 54, 0],
        current: [54, 122, 119, 120, 121, 120, 121, 121, 120, 120, 122, 119, 121],
      },
    },
    {
      name: EVIL,
      kind: 'categorical',
      method: 'chisquare',
      statistic: 86.66666666666667,
      pValue: 1.138585550792665e-18,
      threshold: 0.05,
      drifted: true,
      rows: { reference: 1000, current: 1000 },
      plot: {
        type: 'categories',
        categories: ['basic', 'pro', '<img src=x onerror=alert(1)>', 'd&d'],
        reference: [500, 300, 150, 50],
        current: [400, 300, 200, 100],
      },
    },
    {
      name: 'only_in_reference',
      kind: 'numeric',
      method: 'wasserstein',
      threshold: 0.1,
      drifted: false,
      error: 'column only_in_reference is missing from the current data',
    },
  ],
});

/** Decodes an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) into RGBA pixels. */
function decodePng(buf: Buffer): { width: number; height: number; rgba: Uint8Array } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colourType = data[9];
      const interlace = data[12];
      if (depth !== 8 || interlace !== 0 || (colourType !== 2 && colourType !== 6))
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
      channels = colourType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (out[y * stride + i - channels] as number) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (out[(y - 1) * stride + i - channels] as number) : 0;
      let pred: number;
      if (filter === 0) pred = 0;
      else if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`bad PNG filter ${filter} on row ${y}`);
      out[y * stride + i] = ((line[i] as number) + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) rgba[p * 4 + k] = out[p * channels + k] as number;
    rgba[p * 4 + 3] = channels === 4 ? (out[p * channels + 3] as number) : 255;
  }
  return { width, height, rgba };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('renderDriftHtml', () => {
  const html = renderDriftHtml(report, { reference: 'file:///data/ref.csv', current: 's3://bucket/cur.csv' });

  it('references nothing over the network and forbids fetches', () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('escapes column names and categories', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('d&#38;d');
  });

  it('has the verdict first, a summary row per column and a chart per plotted column', () => {
    const verdict = html.indexOf(
      'Dataset drift detected: 2 of 2 compared columns drifted (1 not compared) (100% ≥ 50%)',
    );
    expect(verdict).toBeGreaterThan(0);
    expect(verdict).toBeLessThan(html.indexOf('<table'));
    expect(html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr/g)).toHaveLength(3);
    expect(html.match(/<svg /g)).toHaveLength(2);
    // 13 bins per side in the histogram, 4 categories per side in the bars.
    expect(html.match(/<rect [^>]*fill="#2f6db5" fill-opacity="0.55" stroke/g)).toHaveLength(13);
    expect(html.match(/<rect [^>]*fill="#e8772e" fill-opacity="0.8"/g)).toHaveLength(4);
    expect(html).toContain('wasserstein 0.3437 ≥ 0.1');
    expect(html).toContain('p-value 1.139e-18 &#60; 0.05');
    expect(html).toContain('column only_in_reference is missing from the current data');
  });

  it('renders to a non-blank page in headless Chromium', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: install it (Debian: apt-get install -y --no-install-recommends chromium, or run \`node scripts/setup.mjs\` as root)`,
      );
    const dir = await mkdtemp(join(tmpdir(), 'sluice-drift-html-'));
    dirs.push(dir);
    const page = join(dir, 'drift.html');
    const png = join(dir, 'shot.png');
    await writeFile(page, html);
    await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--screenshot=${png}`,
        '--window-size=1200,900',
        pathToFileURL(page).href,
      ],
      { timeout: 90_000 },
    );
    const { width, height, rgba } = decodePng(await readFile(png));
    expect([width, height]).toEqual([1200, 900]);
    const colours = new Set<number>();
    let nonWhite = 0;
    let refBlue = 0;
    let curOrange = 0;
    for (let p = 0; p < width * height; p++) {
      const r = rgba[p * 4] as number;
      const g = rgba[p * 4 + 1] as number;
      const b = rgba[p * 4 + 2] as number;
      colours.add((r << 16) | (g << 8) | b);
      if (r < 245 || g < 245 || b < 245) nonWhite++;
      // Bars drawn in the reference blue / current orange, allowing for blending with the white page.
      if (b > r + 40 && b > g + 10) refBlue++;
      if (r > b + 60 && r > g + 20) curOrange++;
    }
    expect(colours.size).toBeGreaterThan(200);
    expect(nonWhite / (width * height)).toBeGreaterThan(0.03);
    expect(refBlue).toBeGreaterThan(2000);
    expect(curOrange).toBeGreaterThan(2000);
  });
});
