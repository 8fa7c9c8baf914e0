#!/usr/bin/env node
// Makes a fresh clone runnable: installs the npm packages (npm ci) when node_modules does not hold
// what package-lock.json locks (scripts/installed.mjs), and Debian's chromium (WebGPU through
// SwiftShader, for the browser tests and for dawn.node's Vulkan loader) when /usr/bin/chromium is missing — with
// apt-get as root or through password-less sudo, or else stops with a message naming what to
// install. Dependency-free on purpose: it runs before anything is installed.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagesNotAsLocked } from './installed.mjs';
import { chromiumBinary } from '../host/webgpu-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const needChromium = !process.argv.includes('--no-chromium');

/** @param {string} cmd */
function run(cmd) {
  console.error(`[bootstrap] ${cmd}`);
  execSync(cmd, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

const notAsLocked = packagesNotAsLocked(root);
if (notAsLocked.length) {
  console.error(`[bootstrap] not installed as locked: ${notAsLocked.slice(0, 5).join(', ')}${notAsLocked.length > 5 ? ', …' : ''}`);
  run('npm ci --no-audit --no-fund');
}

const CHROMIUM = chromiumBinary(process.env);
if (needChromium && !existsSync(CHROMIUM)) {
  const apt = 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let sudo = false;
  if (!isRoot) {
    try {
      execSync('sudo -n true', { stdio: 'ignore' });
      sudo = true;
    } catch {
      sudo = false;
    }
  }
  if (isRoot || sudo) {
    run(sudo ? `sudo -n sh -c '${apt}'` : apt);
  } else {
    console.error(
      `[bootstrap] ${CHROMIUM} is missing. Install Debian's chromium package (it provides WebGPU through ` +
        'SwiftShader for the browser tests and the Vulkan loader for dawn.node):\n' +
        '    sudo apt-get install chromium\n' +
        'or point BASINS_CHROMIUM at another Chromium. The CPU engine (--cpu) needs none of this.',
    );
    process.exit(1);
  }
}
