#!/usr/bin/env node
// Runs the compiled CLI from dist/ (`npm run build`; `npm install` and `npm ci` build it through
// `prepare`). Nothing is compiled at run time, so production installs carry no TypeScript tooling.
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);

try {
  await import(new URL('jobs/cli.js', dist).href);
} catch (err) {
  // Only a missing compiled file gets the hint; any other failure (a missing package included) is real.
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(fileURLToPath(dist))) {
    process.stderr.write('referral-sync: dist/ is missing or out of date; run `npm run build` (npm install runs it)\n');
    process.exit(1);
  }
  throw err;
}
