#!/usr/bin/env node
// Runs after `npm install`: finds the browser PDF reports print with (CHROMIUM_PATH, the system's
// Chromium/Chrome, an earlier download), else downloads chrome-headless-shell into the cache
// directory (`dengbao browser install`). It only advises: it never fails the install.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
try {
  const cli = path.join(__dirname, '..', 'bin', 'dengbao.js');
  const r = spawnSync(process.execPath, [cli, 'browser', 'install', '--postinstall'], { stdio: 'inherit', timeout: 360_000 });
  if (r.error) console.log(`dengbao: could not check for a browser (${r.error.message}); run \`npx dengbao browser status\` later.`);
} catch (err) {
  console.log(`dengbao: could not check for a browser (${err.message}); run \`npx dengbao browser status\` later.`);
}
process.exit(0);
