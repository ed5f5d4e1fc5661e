import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('../support/process-guards-child.ts', import.meta.url));

function run(mode: 'rejection' | 'exception'): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, lines: out.trim().split('\n') }));
  });
}

const json = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe('process guards', () => {
  it('logs and counts a rejection nothing awaited, with its stack, and the process goes on', async () => {
    const { code, lines } = await run('rejection');
    expect(code).toBe(0);
    const [entry, ...more] = json(lines);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ level: 50, msg: 'unhandled promise rejection (the process goes on)', err: { message: 'reply lost in a failover' } });
    expect(entry.err.stack).toContain('process-guards-child');
    expect(lines.at(-1)).toBe('still running, 1 rejection counted');
  });

  it('logs an uncaught exception as fatal and stops the process gracefully with code 1', async () => {
    const { code, lines } = await run('exception');
    expect(code).toBe(1);
    const [entry] = json(lines);
    expect(entry).toMatchObject({ level: 60, msg: 'uncaught exception: stopping', origin: 'uncaughtException', err: { message: 'state broken' } });
    expect(lines.at(-1)).toBe('stopped gracefully, code 1');
  });
});
