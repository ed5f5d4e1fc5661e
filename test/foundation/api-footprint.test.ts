import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../support/loaded-packages.ts', import.meta.url));

describe('an API process', () => {
  it('does not hold the libraries only a worker runs: whatsapp-web.js with Puppeteer, imapflow, mailparser, nodemailer', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 60_000 });
    const loaded = JSON.parse(stdout) as string[];
    // What it does hold (the check reads the right thing).
    expect(loaded).toEqual(expect.arrayContaining(['bullmq', 'socket.io', 'pg', 'twilio']));
    for (const pkg of ['whatsapp-web.js', 'puppeteer-core', 'imapflow', 'mailparser', 'nodemailer']) expect(loaded).not.toContain(pkg);
  });
});
