/**
 * A process with the hub's process guards (src/process-guards.ts), run by
 * test/foundation/process-guards.test.ts: `rejection` leaves a promise rejected with nothing
 * awaiting it and then reports that it is still running; `exception` throws past every handler
 * while an interval would keep it alive for ever.
 */
import { createLogger } from '../../src/logger.js';
import { installProcessGuards } from '../../src/process-guards.js';

const log = createLogger('info');
let rejections = 0;
installProcessGuards(
  log,
  async (code) => {
    await new Promise((r) => setTimeout(r, 20));
    process.stdout.write(`stopped gracefully, code ${code}\n`);
    process.exit(code);
  },
  () => rejections++,
);

if (process.argv[2] === 'rejection') {
  void Promise.reject(new Error('reply lost in a failover'));
  setTimeout(() => {
    process.stdout.write(`still running, ${rejections} rejection counted\n`);
    process.exit(0);
  }, 200);
} else {
  setInterval(() => undefined, 1000);
  setTimeout(() => {
    throw new Error('state broken');
  }, 20);
}
