import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import type { MessageEvent } from '../types.js';
import { EmailCredentials } from './credentials.js';
import { startImapPull } from './imap-pull.js';
import { parseEmail } from './parse.js';
import { startImapServer, type ImapTestServer } from './testing/imap-server.js';
import { fakePullContext } from './testing/pull-context.js';

let imap: ImapTestServer;

beforeAll(async () => {
  // Dovecot where installed, else hoodiecrow in-process (TEST_REQUIRE_DOVECOT=1 insists on dovecot).
  imap = await startImapServer({ alice: 'secret', bob: 'secret', carol: 'secret', dave: 'secret' });
});
afterAll(async () => {
  await imap?.stop();
});

function credentials(user: string, password = 'secret', extra: Record<string, unknown> = {}) {
  return EmailCredentials.parse({
    imapHost: imap.host,
    imapPort: imap.port(user),
    imapSecure: false,
    imapUser: user,
    imapPassword: password,
    smtpHost: '127.0.0.1',
    smtpUser: user,
    smtpPassword: password,
    fromAddress: 'support@hub.example',
    ...extra,
  });
}

function rfc822(id: string, subject: string, body: string): Buffer {
  return Buffer.from(
    `From: Ann Lee <ann@client.example>\r\nTo: support@hub.example\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${id}@client.example>\r\nDate: Tue, 12 Mar 2024 09:15:01 +0000\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`,
    'latin1',
  );
}

async function append(user: string, message: Buffer): Promise<void> {
  const client = new ImapFlow({ host: imap.host, port: imap.port(user), secure: false, auth: { user, pass: 'secret' }, logger: false });
  await client.connect();
  try {
    await client.append('INBOX', message);
  } finally {
    await client.logout();
  }
}

const quick = { minBackoffMs: 100, maxBackoffMs: 500, authRetryMs: 60_000 };

describe('IMAP pull against a real IMAP server', () => {
  it('emits appended mail with deliveryId and cursor; a restart from the cursor does not repeat it', async () => {
    const creds = credentials('alice');
    const first = fakePullContext(creds);
    const handle = await startImapPull(first.ctx, quick);
    try {
      await first.waitFor(() => first.states.some((s) => s.state === 'active'));
      // Give the puller a moment to find the empty mailbox and start IDLE.
      await new Promise((r) => setTimeout(r, 300));
      await append('alice', rfc822('one', 'First', 'Grüße aus Köln'));
      const emitted = await first.waitFor(() => first.emits[0]);
      expect(emitted.deliveryId).toMatch(/^imap:\d+:1$/);
      const uidValidity = Number(emitted.deliveryId.split(':')[1]);
      expect(emitted.cursor).toEqual({ uidValidity, lastUid: 1 });
      expect(emitted.raw.contentType).toBe('message/rfc822; encoding=base64');

      // The 8-bit Latin-1 body survives the trip: base64 carries the raw bytes.
      const [event] = (await parseEmail(emitted.raw, creds)) as MessageEvent[];
      expect(event).toMatchObject({ externalId: '<one@client.example>', subject: 'First', content: 'Grüße aus Köln' });
    } finally {
      await handle.stop();
    }
    expect(first.emits).toHaveLength(1);

    await append('alice', rfc822('two', 'Second', 'while the puller was down'));
    const second = fakePullContext(creds, first.savedCursor());
    const handle2 = await startImapPull(second.ctx, quick);
    try {
      const got = await second.waitFor(() => second.emits[0]);
      expect(got.deliveryId).toMatch(/^imap:\d+:2$/);
      await append('alice', rfc822('three', 'Third', 'while idling'));
      await second.waitFor(() => second.emits[1]);
      // Let any stray duplicate show up before counting.
      await new Promise((r) => setTimeout(r, 500));
      expect(second.emits.map((e) => e.deliveryId.split(':')[2])).toEqual(['2', '3']);
      expect(second.savedCursor()).toMatchObject({ lastUid: 3 });
    } finally {
      await handle2.stop();
    }
  });

  it('first start without a cursor imports only the newest initialImportCount messages', async () => {
    for (const n of [1, 2, 3, 4]) await append('bob', rfc822(`bob-${n}`, `Bob ${n}`, `message ${n}`));
    const pull = fakePullContext(credentials('bob', 'secret', { initialImportCount: 2 }));
    const handle = await startImapPull(pull.ctx, quick);
    try {
      await pull.waitFor(() => pull.emits[1]);
      await new Promise((r) => setTimeout(r, 300));
      expect(pull.emits.map((e) => e.deliveryId.split(':')[2])).toEqual(['3', '4']);
    } finally {
      await handle.stop();
    }
  });

  it('keeps its place in an empty mailbox, so mail arriving while it is stopped is imported on restart', async () => {
    const pull = fakePullContext(credentials('dave'));
    const handle = await startImapPull(pull.ctx, quick);
    const saved = await pull.waitFor(() => pull.savedCursor());
    await handle.stop();
    expect(saved).toMatchObject({ lastUid: 0 });
    expect(pull.emits).toHaveLength(0);
    await append('dave', rfc822('dave-1', 'Dave', 'sent while the worker was down'));
    const again = fakePullContext(credentials('dave'), saved);
    const restarted = await startImapPull(again.ctx, quick);
    try {
      await again.waitFor(() => again.emits[0]);
      expect(again.emits.map((e) => e.deliveryId.split(':')[2])).toEqual(['1']);
    } finally {
      await restarted.stop();
    }
  });

  it('a cursor from another UIDVALIDITY starts over instead of skipping mail', async () => {
    const pull = fakePullContext(credentials('bob', 'secret', { initialImportCount: 1 }), { uidValidity: 1, lastUid: 999 });
    const handle = await startImapPull(pull.ctx, quick);
    try {
      const e = await pull.waitFor(() => pull.emits[0]);
      expect(e.deliveryId).toMatch(/:4$/);
    } finally {
      await handle.stop();
    }
  });

  it('an emit that fails is retried after a reconnect: nothing is skipped', async () => {
    await append('carol', rfc822('carol-1', 'Carol', 'first try fails'));
    const pull = fakePullContext(credentials('carol'));
    const realEmit = pull.ctx.emit;
    let calls = 0;
    pull.ctx.emit = async (...args) => {
      if (++calls === 1) throw new Error('queue unavailable');
      return realEmit(...args);
    };
    const handle = await startImapPull(pull.ctx, quick);
    try {
      const e = await pull.waitFor(() => pull.emits[0]);
      expect(e.deliveryId).toMatch(/:1$/);
      expect(calls).toBe(2);
      expect(pull.states.map((s) => s.state)).toEqual(['active', 'error', 'active']);
    } finally {
      await handle.stop();
    }
  });

  it('a wrong password reports needs_auth and stop() resolves promptly', async () => {
    const pull = fakePullContext(credentials('alice', 'wrong-password'));
    const handle = await startImapPull(pull.ctx, quick);
    const state = await pull.waitFor(() => pull.states.find((s) => s.state === 'needs_auth'));
    expect(state.reason).toMatch(/IMAP login failed/);
    const started = Date.now();
    await handle.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(pull.emits).toHaveLength(0);
  });

  it('an unreachable server reports error and keeps retrying with backoff', async () => {
    const pull = fakePullContext(credentials('alice', 'secret', { imapPort: 1 }));
    const handle = await startImapPull(pull.ctx, quick);
    await pull.waitFor(() => pull.states.filter((s) => s.state === 'error').length >= 2 || undefined);
    await handle.stop();
    expect(pull.states.every((s) => s.state === 'error')).toBe(true);
  });
});
