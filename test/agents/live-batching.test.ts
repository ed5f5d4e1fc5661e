import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { LiveUpdates } from '../../src/realtime/live.js';
import { createWhatsAppChannel, postWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

let hub: TestHub;
let a1: AgentSocket;
let a2: AgentSocket;
let b1: AgentSocket;
let idsA: string[];
let idB: string;

/** Every conversation_updated packet a socket gets from now on, as sent (one conversation or a batch). */
function packets(agent: AgentSocket): (object | object[])[] {
  const seen: (object | object[])[] = [];
  agent.socket.on('conversation_updated', (c: object | object[]) => seen.push(c));
  return seen;
}
const ids = (seen: (object | object[])[]) => seen.flat().map((c) => (c as { id: string }).id);

beforeAll(async () => {
  hub = await startTestHub();
  const ownerA = await hub.login();
  await hub.request('POST', '/api/users', { token: ownerA, body: { email: 'a2@a.test', password: 'agent-a2-pass', name: 'Agent A2', role: 'agent' } });
  const agentA2 = await hub.login('a2@a.test', 'agent-a2-pass');
  await hub.request('POST', '/api/organizations', { token: ownerA, body: { name: 'Org B', admin: { email: 'b@b.test', password: 'b-password-1' } } });
  const ownerB = await hub.login('b@b.test', 'b-password-1');
  const channelA = (await createWhatsAppChannel(hub, ownerA)).id;
  const channelB = (await createWhatsAppChannel(hub, ownerB)).id;
  [a1, a2, b1] = await Promise.all([AgentSocket.connect(hub.url!, ownerA), AgentSocket.connect(hub.url!, agentA2), AgentSocket.connect(hub.url!, ownerB)]);
  for (let n = 1; n <= 6; n++) await postWebhook(hub, channelA, textWebhook({ waId: waId(n), name: `Customer ${n}`, id: wamid(`a-${n}`), body: `from A ${n}` }));
  await postWebhook(hub, channelB, textWebhook({ waId: waId(50), name: 'Customer B', id: wamid('b-1'), body: 'from B' }));
  idsA = await Promise.all([1, 2, 3, 4, 5, 6].map(async (n) => (await a1.waitFor('conversation_updated', (c) => c.lastMessage?.content === `from A ${n}`)).id));
  idB = (await b1.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'from B')).id;
});
afterAll(async () => {
  for (const s of [a1, a2, b1]) s?.close();
  await hub?.close();
});

/** Resolves once no live event has reached these agents for a second: what ingesting set off (bot, notifications) has settled. */
async function quiet(agents: AgentSocket[]) {
  let last = Date.now();
  const touch = () => (last = Date.now());
  for (const a of agents) a.socket.onAny(touch);
  while (Date.now() - last < 1000) await new Promise((r) => setTimeout(r, 100));
  for (const a of agents) a.socket.offAny(touch);
}

// A LiveUpdates of the test's own on the hub's publisher, with windows far longer than the publishes
// take, so which change waits for the window's end does not depend on timing.
describe('conversation_updated batched under load', () => {
  it('a batch reaches every agent of the organization, each conversation once, and no agent of another', async () => {
    await quiet([a1, a2, b1]);
    const live = new LiveUpdates(hub.deps, 300, 300);
    const seen = new Map([a1, a2, b1].map((a) => [a, packets(a)]));
    // Changed together: the first of each organization goes at once, the others at the window's end as one array.
    await live.publish({ conversations: [...idsA, idB] });
    for (const a of [a1, a2]) {
      const got = seen.get(a)!;
      await until(async () => ids(got).length, (n) => n >= idsA.length, 5_000);
      expect(ids(got).sort()).toEqual([...idsA].sort());
      expect(got).toHaveLength(2);
      expect(Array.isArray(got[0])).toBe(false);
      expect(got[1]).toHaveLength(idsA.length - 1);
    }
    expect(ids(seen.get(b1)!)).toEqual([idB]);
    live.close();
  });

  it('keeps only the latest state of a conversation changed again within the window', async () => {
    await quiet([a2]);
    const live = new LiveUpdates(hub.deps, 300, 300);
    const got = packets(a2);
    const [first, second] = idsA as [string, string];
    await live.publish({ conversations: [first] });
    await live.publish({ conversations: [first, second] });
    await live.publish({ conversations: [first] });
    await until(async () => got.length, (n) => n >= 2, 5_000);
    expect(ids([got[0]!])).toEqual([first]);
    expect(ids([got[1]!]).sort()).toEqual([first, second].sort());
    live.close();
  });

  it('closing sends what still waits for its window', async () => {
    await quiet([a1]);
    const live = new LiveUpdates(hub.deps, 60_000, 60_000);
    const got = packets(a1);
    await live.publish({ conversations: idsA.slice(0, 3) });
    live.close();
    await until(async () => ids(got).length, (n) => n >= 3, 5_000);
    expect(ids(got).sort()).toEqual(idsA.slice(0, 3).sort());
  });
});
