#!/usr/bin/env node
// Brings a fresh checkout to a runnable state: npm packages, the project-local Python virtualenv, Chromium and the
// native data engine (engine/, built with cargo when Rust is installed).
// Plain Node built-ins only, because this runs before node_modules exists. Quick and silent-ish when
// nothing changed, so `npm test` / `npm start` can call it every time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const venv = resolve(root, '.sluice', 'venv');
const stampFile = resolve(venv, '.requirements.sha256');
const requirements = resolve(root, 'requirements.txt');

function say(line) {
  console.log(`setup: ${line}`);
}

function run(cmd, args) {
  const shown = [cmd, ...args].join(' ');
  say(`running ${shown}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.error) fail(`\`${shown}\` could not start: ${res.error.message}`);
  if (res.status !== 0) {
    const how = res.status === null ? `signal ${res.signal}` : `exit code ${res.status}`;
    fail(`\`${shown}\` failed with ${how} (see its output above)`);
  }
}

function fail(message) {
  console.error(`setup: error: ${message}`);
  process.exit(1);
}

function mtime(path) {
  return statSync(path).mtimeMs;
}

// (a) npm packages: npm writes node_modules/.package-lock.json after every install, so a lockfile
// newer than it means the dependencies changed since the last install.
function npmPackages() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const lock = resolve(root, 'package-lock.json');
  const installedLock = resolve(root, 'node_modules', '.package-lock.json');
  if (!existsSync(lock)) {
    if (existsSync(installedLock)) return say('npm packages up to date (no package-lock.json)');
    return run(npm, ['install']);
  }
  if (existsSync(installedLock) && mtime(lock) <= mtime(installedLock)) return say('npm packages up to date');
  // Not `npm ci`: npm 11 rejects lockfiles that omit other platforms' optional packages (@swc/core-*,
  // @duckdb/node-bindings-*) as "out of sync". `npm install` installs the locked versions all the same.
  run(npm, ['install', '--no-audit', '--no-fund']);
}

// (b) Python packages: a stamp with the requirements' hash skips pip when nothing changed.
function pythonPackages() {
  const python = resolve(venv, 'bin', 'python');
  if (!existsSync(python)) {
    const py = process.env.PYTHON ?? 'python3';
    const probe = spawnSync(py, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      fail(`${py} not found; install Python 3.10+ with venv support (Debian: apt-get install python3 python3-venv)`);
    }
    run(py, ['-m', 'venv', venv]);
  }
  const want = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  if (have === want) return say('python packages up to date');
  run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirements]);
  writeFileSync(stampFile, `${want}\n`);
  say('python packages installed');
}

// (c) Chromium, which the drift HTML report's rendering test drives headless. Installed with apt when running
// as root (containers, CI); otherwise only a warning here, and that test fails saying what to install.
function chromium() {
  const bin = '/usr/bin/chromium';
  if (existsSync(bin)) return say('chromium present');
  if (process.platform !== 'linux')
    return say(`warning: ${bin} not found; install Chromium for the drift HTML report test`);
  if (process.getuid?.() !== 0) {
    return say(
      `warning: ${bin} not found and not running as root; install it (sudo apt-get install -y --no-install-recommends chromium) or the drift HTML report test fails`,
    );
  }
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
}

// (d) The native data engine: std-only Rust, so it builds offline; cargo itself skips an up-to-date build. Without
// Rust, Sluice reads every file with its TypeScript loader (same results, slower).
function engine() {
  const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return say('warning: cargo not found; the native data engine is not built (install Rust: https://rustup.rs)');
  run('cargo', ['build', '--release', '--quiet', '--locked', '--offline', '--manifest-path', 'engine/Cargo.toml']);
  say('native data engine built');
}

// (e) The CLI bundle (bin/cli-bundle.js), built now rather than by the first command.
async function cli() {
  const { cliBundle } = await import('../bin/cli-bundle.js');
  say((await cliBundle(root)) ? 'CLI bundle ready' : 'warning: CLI bundle not built; the CLI runs through tsx');
}

npmPackages();
pythonPackages();
chromium();
engine();
await cli();
say('done');
