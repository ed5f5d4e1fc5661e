// SSRF through the hub: links attached by an agent and channel addresses chosen by a tenant admin.
// Every "internal service" here listens on 127.0.0.1; the private-range literals are refused before any connection.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../connectors/email/testing/smtp-server.js';
import { enqueueInbound } from '../../src/pipeline/ingest.queue.js';
import { freePort } from '../../src/infra/free-port.js';
import { until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';

let hub: TestHub;
let smtp: TestSmtpServer;
let internal: Server;
let internalUrl: string;
const internalHits: string[] = [];
let token: string;
let channelId: string;
let conversationId: string;
let n = 0;

beforeAll(async () => {
  internal = createServer((req, res) => {
    internalHits.push(req.url!);
    res.end('internal secret: db password hunter2');
  });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
  smtp = await startSmtpServer({ user: 'support', pass: 'smtp-pass-1' });
  // The owner allowed nothing: no loopback, no private network.
  hub = await startTestHub({ HUB_FETCH_ALLOW: '' });
  token = await hub.login();
  // The SMTP double is on loopback too: created straight in the database (what the allow list would otherwise refuse, see below).
  const closedImap = await freePort();
  const sql = hub.deps.orm.em.getConnection();
  const [org] = await sql.execute('select organization_id from users limit 1');
  const creds = {
    imapHost: '127.0.0.1', imapPort: closedImap, imapSecure: false, imapUser: 'support', imapPassword: 'imap-pass-1', mailbox: 'INBOX',
    smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecure: false, smtpUser: 'support', smtpPassword: 'smtp-pass-1', fromAddress: 'support@hub.test',
  };
  const [row] = await sql.execute(
    `insert into channels (id, created_at, updated_at, organization_id, kind, platform, name, status, credentials, bot_enabled_default)
     values (gen_random_uuid(), now(), now(), ?, 'email', 'email', 'Support', 'active', ?, false) returning id`,
    [org.organization_id, hub.deps.box.sealJson(creds)],
  );
  channelId = row.id;
  const raw = [
    'From: Prospect <prospect@client.test>', 'To: support@hub.test', 'Subject: Quote please', 'Message-ID: <q1@client.test>',
    `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Can you send the quote?', '',
  ].join('\r\n');
  await enqueueInbound(hub.deps.queues, channelId, 'q1', { body: raw, contentType: 'message/rfc822', receivedAt: Date.now() });
  conversationId = await until(async () => (await sql.execute('select id from conversations where channel_id = ?', [channelId]))[0]?.id, (id) => !!id, 15_000);
});
afterAll(async () => {
  await hub?.close();
  await smtp?.close();
  await new Promise((r) => internal?.close(r));
});

async function sendLink(url: string) {
  const r = await hub.request('POST', `/api/conversations/${conversationId}/messages`, {
    token, body: { content: 'Here it is', clientMessageId: `link-${++n}`, attachments: [{ url, fileName: 'quote.txt', mimeType: 'text/plain' }] },
  });
  expect(r.status).toBe(201);
  const sql = hub.deps.orm.em.getConnection();
  return until(async () => (await sql.execute('select status, error from messages where id = ?', [r.body.id]))[0], (m) => m.status !== 'pending', 15_000);
}

describe('attachments by link on an email conversation', () => {
  it('a loopback link is refused: the hub fetches nothing and mails nothing', async () => {
    const m = await sendLink(`${internalUrl}/internal`);
    expect(m.status).toBe('failed');
    expect(m.error).toMatch(/not a public address/);
    expect(internalHits).toEqual([]);
    expect(smtp.received.some((r) => r.raw.includes('hunter2') || r.raw.includes('aW50ZXJuYWwgc2VjcmV0'))).toBe(false);
  });

  it('private-range literals are refused before connecting', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://[fd00::1]/', 'http://100.64.0.1/', `http://localhost:${new URL(internalUrl).port}/`]) {
      const m = await sendLink(url);
      expect(m, url).toMatchObject({ status: 'failed', error: expect.stringMatching(/not a public address/) });
    }
    expect(internalHits).toEqual([]);
    expect(smtp.received).toEqual([]);
  });

  it('an uploaded file is mailed from the media store, not fetched by URL', async () => {
    const form = new FormData();
    form.set('file', new Blob(['quote total: 1200 EUR'], { type: 'text/plain' }), 'quote.txt');
    const up = await fetch(`${hub.url}/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(up.status).toBe(201);
    const { id } = await up.json();
    const r = await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token, body: { content: 'Attached', clientMessageId: 'upload-1', attachmentIds: [id] } });
    expect(r.status).toBe(201);
    await until(async () => smtp.received.length, (len) => len >= 1, 15_000);
    const mail = await simpleParser(Buffer.from(smtp.received[0]!.raw));
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['quote.txt', 'quote total: 1200 EUR']]);
  });
});

describe('channel addresses chosen by a tenant admin', () => {
  it('refuses an apiBaseUrl, IMAP or SMTP host on a private or loopback address unless the owner allowed it', async () => {
    const before = internalHits.length;
    const telegram = (apiBaseUrl: string) => hub.request('POST', '/api/channels', {
      token, body: { kind: 'telegram', name: 'Bot', credentials: { botToken: '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ', mode: 'webhook', apiBaseUrl } },
    });
    for (const base of [internalUrl, 'http://10.0.0.1:8080', 'http://169.254.169.254', 'http://[fd00::1]:9000', 'http://100.64.0.1']) {
      const r = await telegram(base);
      expect(r.status, base).toBe(422);
      expect(r.body.error.code).toBe('unsafe_address');
    }
    const mailbox = await hub.request('POST', '/api/channels', {
      token, body: { kind: 'email', name: 'Mail', credentials: {
        imapHost: '10.1.2.3', imapPort: 993, imapSecure: true, imapUser: 'u', imapPassword: 'p', mailbox: 'INBOX',
        smtpHost: 'smtp.example.com', smtpPort: 465, smtpSecure: true, smtpUser: 'u', smtpPassword: 'p', fromAddress: 'a@example.com' } },
    });
    expect(mailbox.status).toBe(422);
    expect(mailbox.body.error.message).toMatch(/^imapHost/);
    // And on an existing channel.
    const patched = await hub.request('PATCH', `/api/channels/${channelId}`, { token, body: { credentials: { smtpHost: '192.168.0.10' } } });
    expect(patched.status).toBe(422);
    const [{ c }] = await hub.deps.orm.em.getConnection().execute("select count(*)::int as c from channels where kind = 'telegram' or name = 'Mail'");
    expect(c).toBe(0);
    expect(internalHits.length).toBe(before);
  });

  it('a channel stored with a loopback apiBaseUrl still cannot reach it: every connector call goes through the guard', async () => {
    const { connectorContext } = await import('../../src/pipeline/connector-context.js');
    const ctx = connectorContext(hub.deps, channelId);
    await expect(ctx.fetch(`${internalUrl}/bot123/setWebhook`, { method: 'POST' })).rejects.toThrow(/not a public address/);
    expect(internalHits).toEqual([]);
  });
});

