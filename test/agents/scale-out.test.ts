import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSocket } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';

let api: TestHub;
let worker: TestHub;
let agent: AgentSocket;

beforeAll(async () => {
  api = await startTestHub({ ROLE: 'api' });
  worker = await startTestHub({ ROLE: 'worker', QUEUE_PREFIX: api.config.queuePrefix }, { databaseUrl: api.databaseUrl });
});
afterAll(async () => {
  agent?.close();
  await worker?.stop();
  await api?.close();
});

describe('separate API and worker processes behind one Redis', () => {
  it('an agent on the API process sees what the worker process ingests', async () => {
    const token = await api.login();
    const channel = await createWhatsAppChannel(api, token);
    agent = await AgentSocket.connect(api.url!, token);
    await postWebhook(api, channel.id, textWebhook({ waId: '33612345678', name: 'Camille', id: wamid('split-1'), body: 'Bonjour !' }));
    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Bonjour !');
    expect(conv.prospect.name).toBe('Camille');
    await agent.call('load_messages', { conversationId: conv.id });
    await postWebhook(api, channel.id, textWebhook({ waId: '33612345678', id: wamid('split-2'), body: 'Vous êtes là ?' }));
    await agent.waitFor('new_message', (m) => m.content === 'Vous êtes là ?');
    expect(api.deps.config.role).toBe('api');
    expect(worker.url).toBeUndefined();
  });
});
