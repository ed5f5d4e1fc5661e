import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';

let hub: TestHub;
let token: string;
const secrets = { accessToken: 'EAAGm0PX4ZCpsBAKZCZA-very-secret', appSecret: 'f00dfeedcafe1234567890abcdef' };

beforeAll(async () => {
  hub = await startTestHub({ ROLE: 'api', PUBLIC_URL: 'https://hub.example.com' });
  token = await hub.login();
});
afterAll(async () => { await hub?.close(); });

const everySecretAbsent = (text: string) => {
  for (const s of [...Object.values(secrets), 'smtp-pass-123', 'imap-pass-456', 'new-app-secret-789']) expect(text).not.toContain(s);
};

describe('channels', () => {
  let id: string;

  it('creates a channel with masked secrets and a webhook URL on PUBLIC_URL', async () => {
    const r = await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_cloud', name: 'Sales WA', credentials: { phoneNumberId: '106540352242922', ...secrets, verifyToken: 'my-verify' } } });
    expect(r.status).toBe(201);
    id = r.body.id;
    expect(r.body).toMatchObject({ kind: 'whatsapp_cloud', platform: 'whatsapp', name: 'Sales WA', status: 'active', webhookUrl: `https://hub.example.com/webhooks/${id}` });
    expect(r.body.credentials).toMatchObject({ phoneNumberId: '106540352242922', accessToken: '********', appSecret: '********', verifyToken: 'my-verify' });
    everySecretAbsent(r.text);
  });

  it('stores credentials encrypted: no secret in clear in the database row', async () => {
    const rows = await hub.deps.orm.em.getConnection().execute('select * from channels where id = ?', [id]);
    const rowText = JSON.stringify(rows);
    expect(rows).toHaveLength(1);
    everySecretAbsent(rowText);
    expect(rowText).not.toContain('106540352242922');
    expect(rows[0].credentials).toMatch(/^v1:/);
  });

  it('never returns secrets from list, get or update, and keeps them when the masked value comes back', async () => {
    const list = await hub.request('GET', '/api/channels', { token });
    const one = await hub.request('GET', `/api/channels/${id}`, { token });
    const patched = await hub.request('PATCH', `/api/channels/${id}`, { token, body: { name: 'Renamed', credentials: { accessToken: '********', appSecret: 'new-app-secret-789' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe('Renamed');
    for (const r of [list, one, patched]) everySecretAbsent(r.text);
    const ch = await hub.deps.orm.em.fork().findOneOrFail('Channel', id) as any;
    const stored = hub.deps.box.openJson<any>(ch.credentials);
    expect(stored.accessToken).toBe(secrets.accessToken);
    expect(stored.appSecret).toBe('new-app-secret-789');
    everySecretAbsent(hub.logs());
  });

  it('validates credentials per kind and stores nothing on error', async () => {
    const before = (await hub.request('GET', '/api/channels', { token })).body.length;
    const bad = [
      { kind: 'whatsapp_cloud', name: 'x', credentials: { accessToken: 'a', appSecret: 'b' } },
      { kind: 'twilio_sms', name: 'x', credentials: { accountSid: 'nope', authToken: 't', fromNumber: '555' } },
      { kind: 'telegram', name: 'x', credentials: { botToken: 'not a token' } },
      { kind: 'email', name: 'x', credentials: { imapHost: 'h', smtpPassword: 'smtp-pass-123' } },
      { kind: 'carrier_pigeon', name: 'x', credentials: {} },
    ];
    for (const body of bad) {
      const r = await hub.request('POST', '/api/channels', { token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toBeTypeOf('string');
      everySecretAbsent(r.text);
    }
    const missing = await hub.request('POST', '/api/channels', { token, body: bad[0] });
    expect(missing.body.error.message).toContain('phoneNumberId');
    expect((await hub.request('GET', '/api/channels', { token })).body.length).toBe(before);
  });

  it('creates every kind with its fields, generating the tokens the hub owns', async () => {
    const email = await hub.request('POST', '/api/channels', {
      token,
      body: { kind: 'email', name: 'Support', credentials: { imapHost: 'imap.example.com', imapUser: 'u', imapPassword: 'imap-pass-456', smtpHost: 'smtp.example.com', smtpUser: 'u', smtpPassword: 'smtp-pass-123', fromAddress: 'support@example.com' } },
    });
    expect(email.status).toBe(201);
    expect(email.body.credentials).toMatchObject({ imapPort: 993, mailbox: 'INBOX', imapPassword: '********', smtpPassword: '********' });
    everySecretAbsent(email.text);
    const tg = await hub.request('POST', '/api/channels', { token, body: { kind: 'telegram', name: 'Bot', credentials: { botToken: '123456:ABCdef_ghi-jkl', apiBaseUrl: 'http://127.0.0.1:9' } } });
    expect(tg.status).toBe(201);
    expect(tg.body.credentials.botToken).toBe('********');
    expect(tg.body.credentials.secretToken).toBe('********');
    expect(tg.body.credentials.mode).toBe('webhook');
  });

  it('creates a WhatsApp Web channel enabled, connecting until a worker starts its session; a bad pairing number is refused', async () => {
    const r = await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'Phone' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'connecting', bestEffort: true });
    const bad = await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'Phone', credentials: { pairingPhoneNumber: 'call me' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/pairingPhoneNumber/);
    const other = await hub.request('POST', `/api/channels/${id}/logout`, { token });
    expect(other.status).toBe(409);
  });

  it('deletes a channel', async () => {
    expect((await hub.request('DELETE', `/api/channels/${id}`, { token })).status).toBe(204);
    expect((await hub.request('GET', `/api/channels/${id}`, { token })).status).toBe(404);
  });
});
