/**
 * scripts/bootstrap.mjs reinstalls (npm ci, which deletes node_modules) only when node_modules does
 * not hold what package-lock.json locks — judged by the installed versions, never by file times.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packagesNotAsLocked } from '../../scripts/installed.mjs';

const LOCK = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'demo' },
    'node_modules/a': { version: '1.0.0' },
    'node_modules/@s/b': { version: '2.1.0' },
    'node_modules/a/node_modules/c': { version: '0.3.0' },
    'node_modules/other-platform-binary': { version: '9.0.0', optional: true },
  },
};

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A project folder with LOCK and the given installed packages (path → version). */
function project(installed: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'basins-installed-'));
  roots.push(root);
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify(LOCK));
  for (const [path, version] of Object.entries(installed)) {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'package.json'), JSON.stringify({ version }));
  }
  return root;
}

const ALL = { 'node_modules/a': '1.0.0', 'node_modules/@s/b': '2.1.0', 'node_modules/a/node_modules/c': '0.3.0' };

describe('packagesNotAsLocked', () => {
  it('nothing, when every locked package is installed at its version (an absent optional one is another platform’s)', () => {
    expect(packagesNotAsLocked(project(ALL))).toEqual([]);
  });

  it('nothing, when the lockfile is newer than every install (a fresh checkout, a git worktree)', () => {
    const dir = project(ALL);
    const future = new Date(Date.now() + 3600_000);
    utimesSync(join(dir, 'package-lock.json'), future, future);
    expect(packagesNotAsLocked(dir)).toEqual([]);
  });

  it('the missing and the wrongly versioned packages, nested ones included', () => {
    expect(packagesNotAsLocked(project({ 'node_modules/a': '1.0.0', 'node_modules/@s/b': '2.0.9' }))).toEqual([
      'node_modules/@s/b@2.1.0',
      'node_modules/a/node_modules/c@0.3.0',
    ]);
    expect(packagesNotAsLocked(project({}))).toHaveLength(3);
  });
});
