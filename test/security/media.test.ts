// Files from agents and from anonymous senders are stored as what their bytes are, and served so
// that nothing in them runs on the hub's origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueInbound } from '../../src/pipeline/ingest.queue.js';
import { freePort } from '../../src/infra/free-port.js';
import { redisKeys } from '../../src/queue/redis-keys.js';
import { until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { POLYGLOTS, PNG, JPEG } from './support/polyglots.js';

let hub: TestHub;
let token: string;

beforeAll(async () => {
  hub = await startTestHub({ UPLOAD_LIMIT_BYTES: String(64 * 1024), UPLOADS_PER_USER_CONCURRENT: '2', UPLOADS_PER_USER_HOURLY: '40' });
  token = await hub.login();
});
afterAll(() => hub?.close());

async function upload(body: Buffer | string, name: string, type: string, as = token) {
  const form = new FormData();
  form.set('file', new Blob([typeof body === 'string' ? body : new Uint8Array(body)], { type }), name);
  const res = await fetch(`${hub.url}/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${as}` }, body: form });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const MEDIA_CSP = "default-src 'none'; sandbox";

describe('stored types', () => {
  it('mislabeled and polyglot files are stored as application/octet-stream and only ever downloaded', async () => {
    for (const p of POLYGLOTS) {
      const up = await upload(p.body, p.name, p.claimed);
      expect(up.status, p.name).toBe(201);
      // A part type busboy cannot parse (`image/png,text/html`) is text/plain by RFC 7578: kept as text, never inline.
      expect(up.body.kind, p.name).toBe('file');
      expect(['application/octet-stream', 'text/plain'], p.name).toContain(up.body.fileType);
      const res = await fetch(hub.url + up.body.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(up.body.fileType === 'text/plain' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe(MEDIA_CSP);
      expect(await res.text()).toBe(p.body.toString());
    }
  });

  it('the bytes decide: a real PNG under a stacked claim is a PNG, a JPEG labelled PNG is a JPEG, plain text stays text', async () => {
    const stacked = await upload(PNG, 'map.png', 'image/png,text/html');
    expect(stacked.body).toMatchObject({ fileType: 'image/png', kind: 'image' });
    const jpeg = await upload(JPEG, 'photo.png', 'image/png');
    expect(jpeg.body).toMatchObject({ fileType: 'image/jpeg', kind: 'image' });
    const text = await upload('Order 4521: <b>two</b> chairs', 'notes.txt', 'text/plain');
    expect(text.body.fileType).toBe('text/plain');
    const image = await fetch(hub.url + stacked.body.url);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toMatch(/^inline;/);
    // Inline or not, the sandbox is always there.
    expect(image.headers.get('content-security-policy')).toBe(MEDIA_CSP);
    const plain = await fetch(hub.url + text.body.url);
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(plain.headers.get('content-disposition')).toMatch(/^attachment;/);
    const docx = await upload(Buffer.from('PK\x03\x04 not really a docx'), 'offer.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(docx.body.fileType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect((await fetch(hub.url + docx.body.url)).headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('a row stored before this check with a stacked type is served as a download, not inline', async () => {
    const up = await upload(PNG, 'old.png', 'image/png');
    await hub.deps.orm.em.getConnection().execute("update attachments set mime_type = 'image/png,text/html' where id = ?", [up.body.id]);
    const res = await fetch(hub.url + up.body.url);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('every /media answer is sandboxed and never sniffed, a 404 too', async () => {
    const res = await fetch(`${hub.url}/media/00000000-0000-4000-8000-000000000000?exp=1&sig=x`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toBe(MEDIA_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('an anonymous email attachment labelled image/png,text/html is stored as a download', async () => {
    const sql = hub.deps.orm.em.getConnection();
    const [org] = await sql.execute('select organization_id from users limit 1');
    const creds = {
      imapHost: '127.0.0.1', imapPort: await freePort(), imapSecure: false, imapUser: 'u', imapPassword: 'p', mailbox: 'INBOX',
      smtpHost: '127.0.0.1', smtpPort: await freePort(), smtpSecure: false, smtpUser: 'u', smtpPassword: 'p', fromAddress: 'support@hub.test',
    };
    const [ch] = await sql.execute(
      `insert into channels (id, created_at, updated_at, organization_id, kind, platform, name, status, credentials, bot_enabled_default)
       values (gen_random_uuid(), now(), now(), ?, 'email', 'email', 'Support', 'active', ?, false) returning id`,
      [org.organization_id, hub.deps.box.sealJson(creds)],
    );
    const html = POLYGLOTS.find((p) => p.name === 'stacked.png')!.body;
    const raw = [
      'From: Anyone <anyone@attacker.test>', 'To: support@hub.test', 'Subject: invoice', 'Message-ID: <xss1@attacker.test>',
      `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
      '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'See the invoice', '',
      '--b1', 'Content-Type: image/png,text/html; name="invoice.png"', 'Content-Disposition: attachment; filename="invoice.png"',
      'Content-Transfer-Encoding: base64', '', html.toString('base64'), '--b1--', '',
    ].join('\r\n');
    await enqueueInbound(hub.deps.queues, ch.id, 'xss1', { body: raw, contentType: 'message/rfc822', receivedAt: Date.now() });
    const att = await until(
      async () => (await sql.execute('select a.id, a.status, a.mime_type, a.kind from attachments a join messages m on m.id = a.message_id where m.channel_id = ?', [ch.id]))[0],
      (a) => a?.status === 'ready', 15_000);
    expect(att).toMatchObject({ mime_type: 'application/octet-stream', kind: 'file' });
    const res = await fetch(hub.url + hub.deps.signer.url(att.id));
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(res.headers.get('content-security-policy')).toBe(MEDIA_CSP);
  });
});

describe('uploads per user', () => {
  it('refuses a file over the limit with 413 and keeps nothing', async () => {
    const sql = hub.deps.orm.em.getConnection();
    const [{ c: before }] = await sql.execute('select count(*)::int as c from attachments');
    expect((await upload(Buffer.alloc(64 * 1024 + 1, 1), 'big.bin', 'application/octet-stream')).status).toBe(413);
    const [{ c: after }] = await sql.execute('select count(*)::int as c from attachments');
    expect(after).toBe(before);
  });

  it('limits how many run at once, with 429 and Retry-After', async () => {
    // Three slow uploads at once (bodies that trickle in); the limit is two.
    const slow = () => {
      let push!: (b: Uint8Array | null) => void;
      const stream = new ReadableStream<Uint8Array>({ start(c) { push = (b) => (b ? c.enqueue(b) : c.close()); } });
      const boundary = 'slowboundary';
      const res = fetch(`${hub.url}/api/uploads`, {
        method: 'POST', body: stream, duplex: 'half',
        headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      } as RequestInit);
      push(new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.txt"\r\nContent-Type: text/plain\r\n\r\nhello`));
      return { res, finish: () => { push(new TextEncoder().encode(`\r\n--${boundary}--\r\n`)); push(null); } };
    };
    const a = slow();
    const b = slow();
    await until(async () => Number(await hub.deps.redis.get(redisKeys(hub.config.queuePrefix).uploadsActive((await me()).id))), (n) => n === 2);
    const third = await upload('third', 'third.txt', 'text/plain');
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('too_many_uploads');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    a.finish();
    b.finish();
    expect((await a.res).status).toBe(201);
    expect((await b.res).status).toBe(201);
    expect((await upload('fourth', 'fourth.txt', 'text/plain')).status).toBe(201);
  });

  it('limits how many a user uploads an hour', async () => {
    const key = redisKeys(hub.config.queuePrefix).uploadsInHour((await me()).id, Math.floor(Date.now() / 3600_000));
    await hub.deps.redis.set(key, '40', 'EX', 3600);
    const r = await upload('one more', 'more.txt', 'text/plain');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    await hub.deps.redis.del(key);
  });
});

async function me() {
  const [u] = await hub.deps.orm.em.getConnection().execute('select id from users where email = ?', ['owner@hub.test']);
  return u as { id: string };
}
