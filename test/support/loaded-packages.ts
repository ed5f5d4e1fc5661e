/**
 * Prints, as JSON, the npm packages a process holds once it has loaded the hub's code (what an
 * API process loads at start): for test/foundation/api-footprint.test.ts.
 */
import { createRequire } from 'node:module';

await import('../../src/hub.js');
const packages = new Set<string>();
for (const file of Object.keys(createRequire(import.meta.url).cache)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (m) packages.add(m[1]!);
}
process.stdout.write(JSON.stringify([...packages].sort()));
