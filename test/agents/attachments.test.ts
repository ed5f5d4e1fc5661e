import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { PHONE_NUMBER_ID, createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let hub: TestHub;
let graph: GraphDouble;
let token: string;
let agent: AgentSocket;
let conversationId: string;
let n = 0;

beforeAll(async () => {
  graph = await new GraphDouble().start();
  graph.reset(() => ({ body: { messages: [{ id: `wamid.file-${++n}` }] } }));
  hub = await startTestHub({ UPLOAD_LIMIT_BYTES: '4096' });
  token = await hub.login();
  const channel = await createWhatsAppChannel(hub, token, { apiBaseUrl: graph.url });
  agent = await AgentSocket.connect(hub.url!, token);
  await postWebhook(hub, channel.id, textWebhook({ waId: '34600111222', name: 'Lucía', id: wamid('files-1'), body: 'Send me the brochure' }));
  conversationId = (await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Send me the brochure')).id;
});
afterAll(async () => {
  agent?.close();
  await hub?.close();
  await graph?.stop();
});

async function upload(body: Buffer, name: string, type: string, as = token) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(body)], { type }), name);
  const res = await fetch(`${hub.url}/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${as}` }, body: form });
  return { status: res.status, body: await res.json() };
}

describe('agents send files', () => {
  it('uploads an image, sends it, and the platform gets a signed link that serves the bytes', async () => {
    const up = await upload(PNG, 'map.png', 'image/png');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ kind: 'image', fileName: 'map.png', fileSize: PNG.length, fileType: 'image/png' });
    // Open the conversation first: its message_updated events go to the agents viewing it.
    await agent.call('load_messages', { conversationId });
    const sent = await agent.call('send_message', { conversationId, content: 'Here is the map', clientMessageId: 'file-1', attachmentIds: [up.body.id] });
    expect(sent.error).toBeUndefined();
    expect(sent.data).toMatchObject({ messageType: 'image', content: 'Here is the map', metadata: { fileName: 'map.png', fileType: 'image/png' } });
    await agent.waitFor('message_updated', (m) => m.id === sent.data.id && m.status === 'sent');
    const request = JSON.parse(graph.requests.find((r) => r.path === `/v21.0/${PHONE_NUMBER_ID}/messages`)!.body);
    expect(request).toMatchObject({ type: 'image', image: { caption: 'Here is the map' } });
    const served = await fetch(request.image.link);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    // An upload goes out once: it cannot be attached to a second message.
    const again = await agent.call('send_message', { conversationId, content: 'again', clientMessageId: 'file-2', attachmentIds: [up.body.id] });
    expect(again.error?.code).toBe('unknown_upload');
  });

  it('sends a file by link', async () => {
    const sent = await agent.call('send_message', {
      conversationId, clientMessageId: 'link-1',
      attachments: [{ url: 'https://files.example.com/brochure.pdf', fileName: 'brochure.pdf', mimeType: 'application/pdf' }],
    });
    expect(sent.data).toMatchObject({ messageType: 'file', content: '', metadata: { url: 'https://files.example.com/brochure.pdf' } });
    await agent.waitFor('message_updated', (m) => m.id === sent.data.id && m.status === 'sent');
    const request = JSON.parse(graph.requests.at(-1)!.body);
    expect(request).toMatchObject({ type: 'document', document: { link: 'https://files.example.com/brochure.pdf', filename: 'brochure.pdf' } });
  });

  it('refuses oversized, empty and foreign uploads, and messages with neither text nor file', async () => {
    expect((await upload(Buffer.alloc(8192, 1), 'big.bin', 'application/octet-stream')).status).toBe(413);
    const empty = await fetch(`${hub.url}/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new FormData() });
    expect(empty.status).toBe(400);
    await hub.request('POST', '/api/organizations', { token, body: { name: 'Other', admin: { email: 'x@x.test', password: 'x-password-1' } } });
    const other = await hub.login('x@x.test', 'x-password-1');
    const foreign = await upload(PNG, 'theirs.png', 'image/png', other);
    const r = await agent.call('send_message', { conversationId, content: 'hijack', clientMessageId: 'foreign-1', attachmentIds: [foreign.body.id] });
    expect(r.error?.code).toBe('unknown_upload');
    const [{ c }] = await hub.deps.orm.em.getConnection().execute("select count(*)::int as c from messages where client_message_id = 'foreign-1'");
    expect(c).toBe(0);
    expect((await agent.call('send_message', { conversationId, clientMessageId: 'nothing' })).error?.code).toBe('validation_error');
    expect((await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token, body: { content: '' } })).status).toBe(400);
  });

  it('drops uploads never sent after a day, file included', async () => {
    const up = await upload(PNG, 'forgotten.png', 'image/png');
    const conn = hub.deps.orm.em.getConnection();
    await conn.execute("update attachments set created_at = now() - interval '2 days' where id = ?", [up.body.id]);
    expect((await fetch(hub.url + up.body.url)).status).toBe(200);
    await hub.deps.queues.maintenance.add('purge-orphan-uploads', {});
    await until(async () => (await conn.execute('select count(*)::int as n from attachments where id = ?', [up.body.id]))[0].n, (n) => n === 0, 10_000);
    expect((await fetch(hub.url + up.body.url)).status).toBe(404);
    expect(await hub.deps.media.open(`${(await hub.deps.tokens.verify(token)).orgId}/${up.body.id}`)).toBeNull();
  });
});
