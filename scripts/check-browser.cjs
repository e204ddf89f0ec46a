#!/usr/bin/env node
// Runs after `npm install`: PDF reports need a Chromium from the system (none is downloaded).
// Only prints advice; never fails the install.
const { existsSync } = require('node:fs');
const paths = [process.env.CHROMIUM_PATH, process.env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
if (!paths.some((p) => p && existsSync(p))) {
  console.log('\ndengbao: no Chromium found. PDF reports need one (everything else works without it):');
  console.log('  Debian/Ubuntu:  apt-get install -y chromium fonts-noto-cjk');
  console.log('  elsewhere:      install Chromium or Chrome and set CHROMIUM_PATH=/path/to/chromium\n');
}
