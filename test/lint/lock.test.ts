// npm ci must accept the committed lock on every platform a developer or an image builds on:
// the lock records each platform's optional native packages (@swc/core-*, @esbuild/*), which
// npm drops when it writes a lock on one platform, and then refuses to install elsewhere.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PLATFORMS = [
  ['linux', 'x64'],
  ['linux', 'arm64'],
  ['darwin', 'arm64'],
  ['darwin', 'x64'],
] as const;

test.each(PLATFORMS)('npm ci accepts the lock on %s %s', (platform, cpu) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-lock-'));
  try {
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    const r = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', `--os=${platform}`, `--cpu=${cpu}`], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect({ status: r.status, err: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, err: '' });
    // npm ci never writes the lock: the copy is byte for byte the committed one
    expect(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);

test('the lock agrees with package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
  expect(lock.packages[''].devDependencies).toEqual(pkg.devDependencies);
});
