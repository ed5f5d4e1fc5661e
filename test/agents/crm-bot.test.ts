import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';

let hub: TestHub;
let graph: GraphDouble;
let token: string;
let agent: AgentSocket;
let channelId: string;
let n = 0;

beforeAll(async () => {
  graph = await new GraphDouble().start();
  graph.reset((r) =>
    r.method === 'GET' && r.path.startsWith('/v21.0/7001?')
      ? { body: { first_name: 'Ana', last_name: 'Souza', profile_pic: 'https://platform-lookaside.fbsbx.com/ana.jpg', id: '7001' } }
      : { body: { messages: [{ id: `wamid.out-${++n}` }], message_id: `m_out-${n}`, recipient_id: 'x' } });
  hub = await startTestHub();
  token = await hub.login();
  channelId = (await createWhatsAppChannel(hub, token, { apiBaseUrl: graph.url })).id;
  agent = await AgentSocket.connect(hub.url!, token);
});
afterAll(async () => {
  agent?.close();
  await hub?.close();
  await graph?.stop();
});

/** Posts an inbound text; resolves with its conversation as the list first shows it. */
async function inbound(waId: string, name: string, body: string) {
  const res = await postWebhook(hub, channelId, textWebhook({ waId, name, id: wamid(`${waId}-${body}`), body }));
  expect(res.status).toBe(200);
  return agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === body);
}

/** For a conversation the agent has open: its list entry may already show the bot's answer. */
async function inboundOpen(waId: string, body: string) {
  const res = await postWebhook(hub, channelId, textWebhook({ waId, id: wamid(`${waId}-${body}`), body }));
  expect(res.status).toBe(200);
  return agent.waitFor('new_message', (m) => m.content === body);
}

describe('prospects become clients', () => {
  it('converts a prospect, links its conversations, and refuses to convert twice', async () => {
    const conv = await inbound('5511900000001', 'Ana Souza', 'Quero um orçamento');
    const r = await agent.call('convert_prospect', { prospectId: conv.prospectId, firstName: 'Ana', lastName: 'Souza', email: 'ana@example.com', phone: '+5511900000001', company: 'Souza Ltda' });
    expect(r.error).toBeUndefined();
    expect(r.data.client).toMatchObject({ firstName: 'Ana', lastName: 'Souza', email: 'ana@example.com', company: 'Souza Ltda', totalValue: 0 });
    expect(r.data.prospect).toMatchObject({ id: conv.prospectId, isClient: true, clientId: r.data.client.id });
    await agent.waitFor('prospect_updated', (p) => p.id === conv.prospectId && p.isClient);
    await agent.waitFor('conversation_updated', (c) => c.id === conv.id && c.isClientConverted && c.clientId === r.data.client.id);
    const twice = await agent.call('convert_prospect', { prospectId: conv.prospectId, firstName: 'Ana' });
    expect(twice.error?.code).toBe('already_converted');
    const rest = await hub.request('POST', `/api/prospects/${conv.prospectId}/convert`, { token, body: { firstName: 'Ana' } });
    expect(rest.status).toBe(409);
    const [{ n: clients }] = await hub.deps.orm.em.getConnection().execute('select count(*)::int as n from clients');
    expect(clients).toBe(1);
  });

  it('links the same person on another channel, and the client panel shows both conversations', async () => {
    const client = (await hub.request('GET', '/api/clients', { token })).body.items[0];
    // The same person writes on Messenger.
    const messenger = await hub.request('POST', '/api/channels', { token, body: { kind: 'messenger', name: 'FB page', credentials: { pageId: '1122334455', accessToken: 'EAAfb', appSecret: 'fb-secret', apiBaseUrl: graph.url } } });
    const body = JSON.stringify({ object: 'page', entry: [{ id: '1122334455', time: Date.now(), messaging: [{ sender: { id: '7001' }, recipient: { id: '1122334455' }, timestamp: Date.now(), message: { mid: 'm_ana_fb_1', text: 'Oi, sou a Ana (Facebook)' } }] }] });
    await fetch(`${hub.url}/webhooks/${messenger.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'fb-secret').update(body).digest('hex')}` }, body });
    const fbConv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Oi, sou a Ana (Facebook)');
    expect(fbConv.platform).toBe('facebook');
    // Messenger sends only a page-scoped id: the name comes from the Graph profile, pushed live.
    const named = await agent.waitFor('conversation_updated', (c) => c.id === fbConv.id && c.prospect.name === 'Ana Souza');
    expect(named.prospect.avatar).toBe('https://platform-lookaside.fbsbx.com/ana.jpg');
    const lookup = graph.requests.find((r) => r.path.startsWith('/v21.0/7001?'))!;
    expect(lookup.path).toContain('fields=first_name,last_name,profile_pic');
    expect(lookup.headers.authorization).toBe('Bearer EAAfb');
    const linked = await hub.request('POST', `/api/prospects/${fbConv.prospectId}/link`, { token, body: { clientId: client.id } });
    expect(linked.status).toBe(200);
    const panel = (await hub.request('GET', `/api/clients/${client.id}`, { token })).body;
    expect(panel.conversations.map((c: any) => c.platform).sort()).toEqual(['facebook', 'whatsapp']);
  });

  it('keeps notes with author and time, and quotes with a total of the accepted ones', async () => {
    const client = (await hub.request('GET', '/api/clients', { token })).body.items[0];
    const note = await agent.call('add_client_note', { clientId: client.id, content: 'Prefers WhatsApp after 6pm' });
    expect(note.data).toMatchObject({ content: 'Prefers WhatsApp after 6pm', author: { name: 'Admin' } });
    const q1 = await hub.request('POST', `/api/clients/${client.id}/quotes`, { token, body: { title: 'Starter pack', amount: 1200.5, currency: 'brl', status: 'accepted' } });
    const q2 = await hub.request('POST', `/api/clients/${client.id}/quotes`, { token, body: { title: 'Extra seats', amount: 300, currency: 'BRL' } });
    expect(q1.body.quote.currency).toBe('BRL');
    expect(q2.body.client.totalValue).toBe(1200.5);
    const accepted = await hub.request('PATCH', `/api/clients/${client.id}/quotes/${q2.body.quote.id}`, { token, body: { status: 'accepted' } });
    expect(accepted.body.client.totalValue).toBe(1500.5);
    await hub.request('PATCH', `/api/clients/${client.id}/quotes/${q1.body.quote.id}`, { token, body: { status: 'rejected' } });
    const panel = (await hub.request('GET', `/api/clients/${client.id}`, { token })).body;
    expect(panel.totalValue).toBe(300);
    expect(panel.notes.map((x: any) => x.content)).toEqual(['Prefers WhatsApp after 6pm']);
    expect((await hub.request('DELETE', `/api/clients/${client.id}/notes/${note.data.id}`, { token })).status).toBe(204);
    expect((await hub.request('GET', `/api/clients/${client.id}`, { token })).body.notes).toEqual([]);
    const bad = await hub.request('POST', `/api/clients/${client.id}/quotes`, { token, body: { title: 'x', amount: -1, currency: 'EUR' } });
    expect(bad.status).toBe(400);
  });

  it('totals accepted quotes per currency and never adds currencies into one number', async () => {
    const created = await hub.request('POST', '/api/clients', { token, body: { firstName: 'Mixed', lastName: 'Currencies' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ totalValue: 0, totals: [] });
    const id = created.body.id;
    const add = (title: string, amount: number, currency: string, status = 'accepted') =>
      hub.request('POST', `/api/clients/${id}/quotes`, { token, body: { title, amount, currency, status } });
    const eur = await add('Setup', 1000, 'EUR');
    expect(eur.body.client).toMatchObject({ totalValue: 1000, totals: [{ currency: 'EUR', value: 1000 }] });
    await add('Extra', 200, 'eur');
    await add('Draft', 999, 'GBP', 'draft');
    const usd = await add('US office', 300, 'USD');
    expect(usd.body.client.totals).toEqual([{ currency: 'EUR', value: 1200 }, { currency: 'USD', value: 300 }]);
    expect(usd.body.client.totalValue).toBeNull();
    const panel = (await hub.request('GET', `/api/clients/${id}`, { token })).body;
    expect(panel).toMatchObject({ totalValue: null, totals: [{ currency: 'EUR', value: 1200 }, { currency: 'USD', value: 300 }] });
    const listed = (await hub.request('GET', '/api/clients?search=Currencies', { token })).body.items;
    expect(listed.map((c: any) => c.totals)).toEqual([[{ currency: 'EUR', value: 1200 }, { currency: 'USD', value: 300 }]]);
    // Back to one currency: totalValue is that currency's total again.
    await hub.request('PATCH', `/api/clients/${id}/quotes/${usd.body.quote.id}`, { token, body: { status: 'rejected' } });
    const single = (await hub.request('GET', `/api/clients/${id}`, { token })).body;
    expect(single).toMatchObject({ totalValue: 1200, totals: [{ currency: 'EUR', value: 1200 }] });
  });
});

describe('the bot', () => {
  it('greets on the first message, answers keywords, and hands over on the handoff word', async () => {
    for (const body of [
      { kind: 'greeting', response: 'Hi {name}! How can we help?' },
      { kind: 'keyword', keyword: 'price, pricing', response: 'Our plans start at €29/month.' },
    ]) expect((await hub.request('POST', '/api/bot/prompts', { token, body })).status).toBe(201);
    await hub.request('PATCH', `/api/channels/${channelId}`, { token, body: { botEnabledDefault: true } });

    const conv = await inbound('4915100000009', 'Jonas Weber', 'Hallo');
    expect(conv.botEnabled).toBe(true);
    // The bot may answer before the agent opens the conversation: then the greeting is in the page.
    const page = await agent.call('load_messages', { conversationId: conv.id });
    const greeting = page.data.items.find((m: any) => m.senderType === 'bot')
      ?? (await agent.waitFor('new_message', (m) => m.conversationId === conv.id && m.senderType === 'bot'));
    expect(greeting.content).toBe('Hi Jonas Weber! How can we help?');
    await until(
      async () => (await hub.request('GET', `/api/conversations/${conv.id}/messages`, { token })).body.items.find((m: any) => m.id === greeting.id)?.status,
      (status) => status === 'sent',
    );

    await inboundOpen('4915100000009', 'What is your pricing?');
    await agent.waitFor('new_message', (m) => m.conversationId === conv.id && m.content === 'Our plans start at €29/month.');

    await inboundOpen('4915100000009', 'I want to talk to an agent');
    const handed = await agent.waitFor('conversation_updated', (c) => c.id === conv.id && c.needsHuman === true);
    expect(handed.botEnabled).toBe(false);
    await agent.waitFor('new_message', (m) => m.conversationId === conv.id && m.senderType === 'bot' && /team member/.test(m.content));

    // Bot off: the next inbound gets no bot reply.
    await inboundOpen('4915100000009', 'hello?');
    await new Promise((r) => setTimeout(r, 500));
    const botReplies = agent.events('new_message').filter((m) => m.conversationId === conv.id && m.senderType === 'bot');
    expect(botReplies).toHaveLength(3);
    const toPlatform = graph.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body).text?.body);
    expect(toPlatform).toEqual(expect.arrayContaining(['Hi Jonas Weber! How can we help?', 'Our plans start at €29/month.']));
  });

  it('turns on per conversation with update_chat_settings', async () => {
    const conv = await inbound('4915100000010', 'Lena', 'first');
    expect(conv.botEnabled).toBe(true);
    const off = await agent.call('update_chat_settings', { conversationId: conv.id, botEnabled: false });
    expect(off.data.botEnabled).toBe(false);
    await until(async () => (await hub.request('GET', `/api/conversations/${conv.id}`, { token })).body.botEnabled, (b) => b === false);
  });
});
