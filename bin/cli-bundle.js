// The CLI as one esbuild bundle under .sluice/cli/<fingerprint>/, rebuilt when a source file changes: importing
// ~150 TypeScript modules through tsx's loader hooks cost ~0.8 s of start-up per command, the bundle ~0.3 s.
// The fingerprint is the sources' paths, sizes and modification times, so editing a file and running the CLI
// still needs no build step. Any failure to build returns null and the caller runs the sources through tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SOURCE_DIRS = ['cli', 'activities', 'schemas', 'infra', 'workers', 'workflows'];
const BUNDLED = ['zod', 'yaml', 'commander'];
const SOURCE_EXT = /\.(ts|mts|js|mjs)$/;

// zod re-exports its ~40 translations of error messages as `z.locales`; Sluice uses none but the English default,
// and the others are half of the bundle every command parses.
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
      a.importer.includes(join('node_modules', 'zod'))
        ? { path: join(a.resolveDir, '..', 'locales', 'en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (a) => ({
      contents: `export { default as en } from ${JSON.stringify(a.path)};`,
      resolveDir: dirname(a.path),
    }));
  },
};

function fingerprint(root) {
  const hash = createHash('sha1');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (SOURCE_EXT.test(e.name)) {
        const s = statSync(p);
        hash.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(join(root, d));
  // A different esbuild, package set or build configuration (this file) can bundle differently.
  for (const f of ['package.json', 'package-lock.json', join('bin', 'cli-bundle.js')]) {
    const p = join(root, f);
    if (existsSync(p)) hash.update(`${f}\0${statSync(p).mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** The path of the bundled CLI entry, building it first when the sources changed; null when it cannot be built. */
export async function cliBundle(root) {
  if (process.env.SLUICE_CLI_BUNDLE === '0') return null;
  try {
    const base = join(root, '.sluice', 'cli');
    const key = fingerprint(root);
    const entry = join(base, key, 'main.js');
    if (existsSync(entry)) return entry;
    const { build } = await import('esbuild');
    const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    // Built aside and renamed into place: CLIs started side by side (tests) may build at once; the first wins.
    const tmp = join(base, `.build-${process.pid}-${Date.now()}`);
    mkdirSync(base, { recursive: true });
    await build({
      entryPoints: [join(root, 'cli', 'main.ts')],
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Small pure-JS packages every command loads go into the bundle: one file parses faster than zod's ~100
      // modules resolved one by one (~65 ms of start-up). Everything else (native modules, Temporal's worker
      // and its own copies of shared classes, the AWS SDK) stays an import from node_modules.
      external: Object.keys(dependencies).filter((p) => !BUNDLED.includes(p)),
      // Bundled CommonJS packages require Node built-ins; an ES module has no `require` of its own.
      banner: {
        js: "import { createRequire as __sluiceRequire } from 'node:module'; const require = __sluiceRequire(import.meta.url);",
      },
      plugins: [englishOnly],
      sourcemap: true,
      // Stack traces need only the mappings; the sources' text would triple what every start-up parses.
      sourcesContent: false,
      logLevel: 'silent',
    });
    try {
      renameSync(tmp, join(base, key));
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
    // Older bundles are dead weight once a newer one is in place.
    for (const d of readdirSync(base))
      if (d !== key && !d.startsWith('.build-')) rmSync(join(base, d), { recursive: true, force: true });
    return existsSync(entry) ? entry : null;
  } catch {
    return null;
  }
}
