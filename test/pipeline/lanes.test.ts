import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../connectors/types.js';
import { byLane } from '../../src/pipeline/ingest.worker.js';
import { enqueueInbound } from '../../src/pipeline/ingest.queue.js';
import { until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, waBatch, waId, wamid } from '../support/whatsapp.js';

/** Ingest runs two transactions at once, on lanes split by contact (src/pipeline/ingest.worker.ts). */
const contact = (externalId: string) => ({ externalId, identifier: externalId, identifierType: 'phone' as const });
const message = (from: string, id: string): NormalizedEvent =>
  ({ type: 'message', externalId: id, direction: 'in', contact: contact(from), timestamp: 1, messageType: 'text', content: id });

/** Two contacts of a channel that hash to different lanes. */
function contactsOnBothLanes(channelId: string): [string, string] {
  const byLaneOf = new Map<number, string>();
  for (let i = 0; byLaneOf.size < 2; i++) byLaneOf.set(byLane(channelId, [message(waId(100 + i), 'x')], 2)[0]![0], waId(100 + i));
  return [byLaneOf.get(0)!, byLaneOf.get(1)!];
}

describe('lanes', () => {
  it("keep each contact's events together and in order (statuses and edits that name their contact too), and put events that name no contact on the first lane", () => {
    const [a, b] = contactsOnBothLanes('channel-1');
    const events: NormalizedEvent[] = [
      message(a, 'a1'), message(b, 'b1'),
      { type: 'status', externalId: 'out-1', status: 'read', timestamp: 2 },
      { type: 'reaction', targetExternalId: 'a1', contact: contact(a), emoji: '👍', timestamp: 3 },
      { type: 'watermark', contactExternalId: b, status: 'read', upTo: 4 },
      message(a, 'a2'),
      { type: 'status', externalId: 'out-2', status: 'read', timestamp: 5, contactExternalId: b },
      { type: 'edit', externalId: 'b1', content: 'b1, edited', timestamp: 6, contactExternalId: b },
    ];
    const parts = new Map(byLane('channel-1', events, 2));
    const name = (e: NormalizedEvent) => (e.type === 'reaction' ? `reaction:${e.targetExternalId}` : e.type === 'watermark' ? `watermark:${e.contactExternalId}` : 'externalId' in e ? e.externalId : e.type);
    const ids = (lane: number) => parts.get(lane)!.map(name);
    expect(ids(0)).toEqual(['a1', 'out-1', 'reaction:a1', 'a2']);
    expect(ids(1)).toEqual(['b1', `watermark:${b}`, 'out-2', 'b1']);
    // One lane (or nothing to split): the chunk as it is.
    expect(byLane('channel-1', events, 1)).toEqual([[0, events]]);
    expect(byLane('channel-1', [], 2)).toEqual([[0, []]]);
  });
});

describe('ingest on two lanes', () => {
  let hub: TestHub;
  let channelId: string;
  beforeAll(async () => {
    hub = await startTestHub();
    channelId = (await createWhatsAppChannel(hub, await hub.login())).id;
  });
  afterAll(async () => {
    await hub?.close();
  }, 60_000);

  const q = (text: string, params: unknown[] = []) => hub.deps.orm.em.getConnection().execute(text, params);
  const count = async (text: string, params: unknown[] = []) => Number((await q(text, params))[0].n);

  it('stores a delivery whose contacts span both lanes whole, a reaction after its message, and keeps its payload once with what all of it did', async () => {
    const [a, b] = contactsOnBothLanes(channelId);
    const body = waBatch([
      { from: a, id: wamid('span-a1'), text: 'span a1' },
      { from: b, id: wamid('span-b1'), text: 'span b1' },
      { from: a, id: wamid('span-a-reacts'), reaction: { message_id: wamid('span-a1'), emoji: '👍' } },
      { from: b, id: wamid('span-b2'), text: 'span b2' },
    ]);
    for (let i = 0; i < 2; i++) expect((await postWebhook(hub, channelId, body)).status).toBe(200);
    const kept = await until(() => q("select outcome, detail from webhook_events where payload like '%span b2%'"), (rows) => rows.length > 0, 15_000);
    // The redelivery stored nothing new, and the payload is kept once, with the outcome of both lanes' parts.
    await until(() => hub.deps.queues.ingest.getJobCounts('wait', 'active', 'delayed'), (c) => c.wait + c.active + c.delayed === 0, 15_000);
    expect(await q("select content from messages where content like 'span %' order by content")).toEqual([{ content: 'span a1' }, { content: 'span b1' }, { content: 'span b2' }]);
    expect(await q("select outcome, detail from webhook_events where payload like '%span b2%'")).toEqual([{ outcome: 'stored', detail: null }]);
    expect(kept).toEqual([{ outcome: 'stored', detail: null }]);
    const [reacted] = await q("select metadata from messages where content = 'span a1'");
    expect(reacted.metadata).toMatchObject({ reactions: { [a]: '👍' } });
    expect(await count('select count(distinct conversation_id)::int as n from messages where content like ?', ['span %'])).toBe(2);
  });

  it("keeps each contact's messages in the order they arrived while both lanes run at once", async () => {
    const [a, b] = contactsOnBothLanes(channelId);
    const sent: Record<string, string[]> = { [a]: [], [b]: [] };
    // Arriving in the same moment (three group jobs, batches large enough to run a transaction
    // per lane), alternating contacts, all sharing one second.
    const second = Math.floor(Date.now() / 1000);
    const deliveries = Array.from({ length: 300 }, (_, i) => {
      const from = i % 2 ? b : a;
      const text = `order ${from} ${String(i).padStart(3, '0')}`;
      sent[from]!.push(text);
      return { id: `order-${i}`, body: textWebhook({ waId: from, id: wamid(`order-${i}`), body: text, timestamp: second }) };
    });
    await Promise.all(deliveries.map((d) => enqueueInbound(hub.deps.queues, channelId, d.id, { body: d.body, contentType: 'application/json', receivedAt: Date.now() })));
    await until(() => count("select count(*)::int as n from messages where content like 'order %'"), (n) => n === 300, 15_000);
    for (const from of [a, b]) {
      const stored = await q('select content from messages where content like ? order by seq', [`order ${from} %`]);
      expect(stored.map((r) => r.content)).toEqual(sent[from]);
    }
  });
});
