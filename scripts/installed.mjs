/**
 * Whether node_modules holds what package-lock.json locks, judged by content: each locked
 * package's installed package.json must have the locked version. (Not by file times: a fresh
 * checkout or a git worktree has a lockfile newer than any install, and `npm ci` there deletes a
 * node_modules that may be shared.) Dependency-free: scripts/bootstrap.mjs runs it before anything
 * is installed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @param {string} file */
function versionIn(file) {
  try {
    return /** @type {{ version?: string }} */ (JSON.parse(readFileSync(file, 'utf8'))).version;
  } catch {
    return undefined;
  }
}

/**
 * The locked packages that are missing or at another version, as `path@version`. An absent
 * optional package is fine: it is another platform's binary.
 * @param {string} root the folder with package-lock.json and node_modules
 * @returns {string[]}
 */
export function packagesNotAsLocked(root) {
  /** @type {{ packages?: Record<string, { version?: string; optional?: boolean; link?: boolean }> }} */
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const wrong = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.link) continue;
    const installed = versionIn(join(root, path, 'package.json'));
    if (installed === undefined && entry.optional) continue;
    if (installed !== entry.version) wrong.push(`${path}@${entry.version}`);
  }
  return wrong;
}
