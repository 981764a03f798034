import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleStudio, PREBUILT } from './bundle.ts';

/** `npm run build:studio`: writes the mapping studio's browser bundle to dist/studio/. */
const body = await bundleStudio(PREBUILT);
mkdirSync(dirname(PREBUILT), { recursive: true });
writeFileSync(PREBUILT, body);
process.stdout.write(`${PREBUILT}: ${body.length} bytes\n`);
