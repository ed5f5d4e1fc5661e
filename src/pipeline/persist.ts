import { randomUUID } from 'node:crypto';
import { pgJson, type Sql } from '../db/sql.js';
import { insertAttachments } from '../db/attachments.js';
import { MESSAGE_ROW, applyPendingStatuses, type MessageRow } from '../db/messages.js';
import { insertWebhookEvents, upsertFailedWebhookEvent } from '../db/webhook-events.js';
import { errorMessage, isInfrastructureError } from '../errors.js';
import { mergeChanges } from './change-publisher.js';
import { lastMessageSummary } from '../domain/message-summary.js';
import { messageStatusRank } from '../../contract/message-status.js';
import type {
  Contact, DeleteEvent, EditEvent, InboundAttachment, MessageEvent, NormalizedEvent, ReactionEvent, StatusEvent, UnsupportedEvent, WatermarkEvent,
} from '../../connectors/types.js';

export type ChannelInfo = { id: string; orgId: string; kind: string; platform: string };

/** The raw payload of a delivery, kept for replay; `prior` is what its earlier chunks did. */
export type DeliveryRecord = { jobId: string; payload: string; contentType?: string; retentionHours: number; prior?: IngestOutcome };

/**
 * One queue job's worth of normalized events (or one chunk of a large delivery's), and, with
 * its last chunk, its raw payload to keep.
 */
export type IngestItem = {
  channel: ChannelInfo;
  events: NormalizedEvent[];
  record?: DeliveryRecord;
};

/** `failed`: each event that could not be stored, with its reason; `notes`: why events were kept as unsupported. */
export type IngestOutcome = { created: number; duplicates: number; updated: number; unsupported: number; failed: string[]; notes: string[] };

export const emptyOutcome = (): IngestOutcome => ({ created: 0, duplicates: 0, updated: 0, unsupported: 0, failed: [], notes: [] });

export function addOutcome(into: IngestOutcome, o: IngestOutcome): IngestOutcome {
  into.created += o.created;
  into.duplicates += o.duplicates;
  into.updated += o.updated;
  into.unsupported += o.unsupported;
  into.failed.push(...o.failed);
  into.notes.push(...o.notes);
  return into;
}

/** A new attachment as it is pushed live with its message (still to fetch). */
export type PendingAttachment = { id: string; kind: string; fileName?: string; fileSize?: number; mimeType?: string; status: 'pending' };

/** A new message as stored (the columns of MESSAGE_ROW) with its attachments, so it can be pushed without reading it back. */
export type NewMessageRow = MessageRow & { attachments: PendingAttachment[] };

/** What changed, for publishing after commit. */
export type Changes = {
  newMessageRows: NewMessageRow[];
  updatedMessages: string[];
  conversations: string[];
  newProspects: string[];
  /** New attachments to fetch; `inline` carries bytes the payload itself held (email parts). */
  attachments: { id: string; channelId: string; inline?: string }[];
  /** New inbound messages from people (not echoes, not automated) in conversations whose bot is on: the bot's turns. */
  botTurns: string[];
  /** Conversations this batch opened (not reopened): the unassigned queue's notifications. */
  newConversations: string[];
};

const noChanges = (): Changes => ({ newMessageRows: [], updatedMessages: [], conversations: [], newProspects: [], attachments: [], botTurns: [], newConversations: [] });

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * Persists a batch of ingest items in one transaction (the caller's, begun for it: this is its
 * first work) and keeps their raw payloads. When applying the events fails for a reason in the
 * events themselves (not an unreachable database), the transaction starts over and the batch is
 * narrowed down, by halves under savepoints, to the events that fail: everything else is stored,
 * and each failing event is recorded with its reason on its delivery (outcome 'failed'), so one
 * odd event never costs its neighbours. The first try takes no savepoint: two round trips fewer
 * for every batch that has nothing odd in it.
 */
export async function persistBatch(sql: Sql, items: IngestItem[]): Promise<{ outcomes: IngestOutcome[]; changes: Changes }> {
  const outcomes = items.map(emptyOutcome);
  let changes = noChanges();
  let savepoints = 0;
  type Parts = { item: number; events: NormalizedEvent[] }[];
  const apply = (parts: Parts) => applyEvents(sql, parts.map((p) => ({ channel: items[p.item]!.channel, events: p.events })));
  // Counted only once what it did is sure to stay.
  const keep = (parts: Parts, applied: Awaited<ReturnType<typeof applyEvents>>) => {
    applied.outcomes.forEach((o, k) => addOutcome(outcomes[parts[k]!.item]!, o));
    changes = mergeChanges(changes, applied.changes);
  };
  const narrow = async (parts: Parts, err: unknown): Promise<void> => {
    const flat = parts.flatMap((p) => p.events.map((event) => ({ item: p.item, event })));
    if (flat.length === 1) {
      outcomes[flat[0]!.item]!.failed.push(`${describeEvent(flat[0]!.event)}: ${errorMessage(err)}`);
      return;
    }
    const half = Math.ceil(flat.length / 2);
    for (const side of [flat.slice(0, half), flat.slice(half)]) await attempt(regroup(side));
  };
  const attempt = async (parts: Parts): Promise<void> => {
    const name = `narrow_${savepoints++}`;
    await sql.query(`savepoint ${name}`);
    try {
      const applied = await apply(parts);
      await sql.query(`release savepoint ${name}`);
      keep(parts, applied);
    } catch (err) {
      if (isInfrastructureError(err)) throw err;
      await sql.query(`rollback to savepoint ${name}`);
      await sql.query(`release savepoint ${name}`);
      await narrow(parts, err);
    }
  };
  const all = items.map((it, item) => ({ item, events: it.events }));
  try {
    keep(all, await apply(all));
  } catch (err) {
    if (isInfrastructureError(err)) throw err;
    // Nothing of the failed try is kept.
    await sql.query('rollback');
    await sql.query('begin');
    await narrow(all, err);
  }
  await recordDeliveries(sql, items, outcomes);
  const created = new Set(changes.newMessageRows.map((r) => r.id));
  changes.updatedMessages = [...new Set(changes.updatedMessages)].filter((id) => !created.has(id));
  changes.conversations = [...new Set(changes.conversations)];
  return { outcomes, changes };
}

/** Consecutive events of the same item back together, in their order. */
function regroup(flat: { item: number; event: NormalizedEvent }[]) {
  const parts: { item: number; events: NormalizedEvent[] }[] = [];
  for (const f of flat) {
    const last = parts.at(-1);
    if (last?.item === f.item) last.events.push(f.event);
    else parts.push({ item: f.item, events: [f.event] });
  }
  return parts;
}

/** A failing event named so an admin can find it in the payload. */
export function describeEvent(e: NormalizedEvent): string {
  switch (e.type) {
    case 'message': return `message ${e.externalId}`;
    case 'status': return `status '${e.status}' of ${e.externalId}`;
    case 'reaction': return `reaction of ${e.contact.externalId} to ${e.targetExternalId}`;
    case 'edit': return `edit of ${e.externalId}`;
    case 'delete': return `delete of ${e.externalId}`;
    case 'watermark': return `'${e.status}' watermark of ${e.contactExternalId}`;
    case 'unsupported': return 'unsupported event';
  }
}

/** An event where it came from: its item (for its outcome) and channel. */
type Located<T> = { item: number; channel: ChannelInfo; event: T };

/** What a step did to one event, counted on its item's outcome (with a note on why, for unsupported ones). */
type Mark = { item: number; as: 'created' | 'duplicates' | 'updated' | 'unsupported'; note?: string };

/** What the update steps (statuses, watermarks, reactions, edits) return. */
type Updated = { updated: string[]; marks: Mark[] };

function tally(outcomes: IngestOutcome[], marks: Mark[]) {
  for (const m of marks) {
    const o = outcomes[m.item]!;
    o[m.as]++;
    if (m.note) o.notes.push(m.note);
  }
}

/** A message with the thread it belongs to; `conversationId` when email threading found its conversation already. */
type ThreadedMessage = Located<MessageEvent> & { contactKey: string; threadKey: string; conversationId?: string };

/** A message with its prospect and conversation: ready to insert. */
type PlacedMessage = ThreadedMessage & { prospectId: string; conversationId: string };

/** A message that was new (inserted now), and whether its conversation's bot is on. */
type FreshMessage = PlacedMessage & { id: string; botEnabled: boolean };

/**
 * Applies a batch of events set-wise, as steps in order: threads, prospects, conversations,
 * messages, attachments, pending statuses, statuses, watermarks, reactions, edits. Each step is
 * one statement (or two) for the whole batch and returns what it did.
 */
async function applyEvents(sql: Sql, items: Pick<IngestItem, 'channel' | 'events'>[]): Promise<{ outcomes: IngestOutcome[]; changes: Changes }> {
  const byType = <T extends NormalizedEvent>(type: T['type']): Located<T>[] =>
    items.flatMap((it, i) => it.events.filter((e): e is T => e.type === type).map((event) => ({ item: i, channel: it.channel, event })));
  const unsupported = byType<UnsupportedEvent>('unsupported').map(({ item, event }): Mark => ({ item, as: 'unsupported', note: event.reason }));

  const threads = await threadMessages(sql, byType<MessageEvent>('message'));
  const prospects = await upsertProspects(sql, threads.messages);
  const { placed, created } = await placeInConversations(sql, threads.messages, prospects.idOf);
  const messages = await insertMessages(sql, placed);
  const files = await recordAttachments(sql, messages.fresh);
  const outgoing = messages.fresh.filter((p) => p.event.direction === 'out');
  if (outgoing.length) await applyPendingStatuses(sql, { channelIds: outgoing.map((p) => p.channel.id), externalIds: outgoing.map((p) => p.event.externalId) });
  const updates = [
    await applyStatuses(sql, byType<StatusEvent>('status')),
    await applyWatermarks(sql, byType<WatermarkEvent>('watermark')),
    await applyReactions(sql, byType<ReactionEvent>('reaction')),
    await applyEdits(sql, byType<EditEvent>('edit')),
    await applyDeletes(sql, byType<DeleteEvent>('delete')),
  ];

  const outcomes = items.map(emptyOutcome);
  tally(outcomes, [...unsupported, ...threads.marks, ...messages.marks, ...updates.flatMap((u) => u.marks)]);
  const changes: Changes = {
    newMessageRows: messages.rows.map((r) => ({ ...r, attachments: files.byMessage.get(r.id) ?? [] })),
    updatedMessages: updates.flatMap((u) => u.updated),
    conversations: messages.conversations,
    newProspects: prospects.created,
    attachments: files.toFetch,
    botTurns: messages.fresh.filter((p) => p.botEnabled && p.event.direction === 'in' && !p.event.automated).map((p) => p.id),
    newConversations: created,
  };
  return { outcomes, changes };
}

/**
 * Threads: email-style, a message that refers to one we have (in Postgres or earlier in this
 * batch) joins its conversation, and a reply in a closed thread reopens it (unless the prospect
 * has that thread open elsewhere); else a new thread is rooted at it. An auto-reply outside any
 * thread we know is not someone writing in: unsupported.
 */
async function threadMessages(sql: Sql, messages: Located<MessageEvent>[]): Promise<{ messages: ThreadedMessage[]; marks: Mark[] }> {
  const refs = messages.filter((m) => m.event.threadRefs?.length);
  const threadOf = new Map<string, string>();
  if (refs.length) {
    const rows = await sql.query<{ channel_id: string; external_id: string; conversation_id: string }>(
      `select m.channel_id, m.external_id, m.conversation_id from messages m
        join unnest($1::uuid[], $2::text[]) r(channel_id, external_id) on m.channel_id = r.channel_id and m.external_id = r.external_id`,
      [refs.flatMap((m) => m.event.threadRefs!.map(() => m.channel.id)), refs.flatMap((m) => m.event.threadRefs!)],
    );
    for (const r of rows) threadOf.set(key(r.channel_id, r.external_id), r.conversation_id);
  }

  const threaded: ThreadedMessage[] = [];
  const marks: Mark[] = [];
  for (const m of messages) {
    const e = m.event;
    const stored = e.threadRefs?.map((r) => threadOf.get(key(m.channel.id, r))).find(Boolean);
    const earlier = e.threadRefs && threaded.find((p) => p.channel.id === m.channel.id && e.threadRefs!.includes(p.event.externalId));
    if (e.automated && !stored && !earlier) {
      marks.push({ item: m.item, as: 'unsupported' });
      continue;
    }
    const threadKey = !e.threadRefs ? '' : (earlier?.threadKey ?? (stored ? '' : e.externalId));
    threaded.push({ ...m, contactKey: key(m.channel.id, e.contact.externalId), threadKey, conversationId: earlier?.conversationId ?? stored });
  }

  const reopen = [...new Set(threaded.filter((p) => p.conversationId && p.event.direction === 'in' && !p.event.automated).map((p) => p.conversationId!))];
  if (reopen.length) {
    await sql.query(
      `update conversations c set status = 'active', updated_at = now()
       where c.id = any($1::uuid[]) and c.status <> 'active'
         and not exists (select 1 from conversations o where o.prospect_id = c.prospect_id and o.thread_key = c.thread_key and o.status = 'active')`,
      [reopen],
    );
  }
  return { messages: threaded, marks };
}

/** Prospects: one upsert for every contact in the batch; returns each contact's prospect and the new ones. */
async function upsertProspects(sql: Sql, messages: ThreadedMessage[]): Promise<{ idOf: Map<string, string>; created: string[] }> {
  const contacts = new Map<string, { channel: ChannelInfo; contact: Contact; lastSeen: number | null }>();
  for (const p of messages) {
    const prev = contacts.get(p.contactKey);
    const seen = p.event.direction === 'in' ? p.event.timestamp : null;
    contacts.set(p.contactKey, {
      channel: p.channel,
      contact: { ...prev?.contact, ...p.event.contact, name: p.event.contact.name ?? prev?.contact.name },
      lastSeen: Math.max(prev?.lastSeen ?? 0, seen ?? 0) || null,
    });
  }
  const idOf = new Map<string, string>();
  const created: string[] = [];
  if (!contacts.size) return { idOf, created };
  const list = [...contacts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  // A known contact's row is rewritten only when it changes: a new name or avatar, or last seen
  // a minute later or more (each rewrite costs a row version and an entry in every index).
  const rows = await sql.query<{ id: string; channel_id: string; external_id: string; inserted: boolean }>(
    `with u as (select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
                u(org, channel_id, platform, external_id, identifier, identifier_type, name, avatar, last_seen)),
     up as (insert into prospects (id, created_at, updated_at, organization_id, channel_id, platform, external_id, identifier, identifier_type, name, avatar, last_seen)
            select gen_random_uuid(), now(), now(), u.* from u
            on conflict (channel_id, external_id) do update set
              name = coalesce(excluded.name, prospects.name),
              avatar = coalesce(excluded.avatar, prospects.avatar),
              last_seen = greatest(prospects.last_seen, excluded.last_seen),
              updated_at = now()
            where excluded.name is not null and excluded.name is distinct from prospects.name
               or excluded.avatar is not null and excluded.avatar is distinct from prospects.avatar
               or excluded.last_seen >= coalesce(prospects.last_seen, '-infinity') + interval '1 minute'
            returning id, channel_id, external_id, (xmax = 0) as inserted)
     select * from up
     union all
     select p.id, p.channel_id, p.external_id, false from prospects p join u on p.channel_id = u.channel_id and p.external_id = u.external_id
     where not exists (select 1 from up where up.channel_id = u.channel_id and up.external_id = u.external_id)`,
    [
      list.map((c) => c.channel.orgId), list.map((c) => c.channel.id), list.map((c) => c.channel.platform),
      list.map((c) => c.contact.externalId), list.map((c) => c.contact.identifier), list.map((c) => c.contact.identifierType),
      list.map((c) => c.contact.name ?? null), list.map((c) => c.contact.avatar ?? null),
      list.map((c) => (c.lastSeen ? new Date(c.lastSeen) : null)),
    ],
  );
  for (const r of rows) {
    idOf.set(key(r.channel_id, r.external_id), r.id);
    if (r.inserted) created.push(r.id);
  }
  // Another process inserted one at the same moment, after this statement's snapshot: its row is visible now.
  const late = list.filter((c) => !idOf.has(key(c.channel.id, c.contact.externalId)));
  if (late.length) {
    const found = await sql.query<{ id: string; channel_id: string; external_id: string }>(
      'select p.id, p.channel_id, p.external_id from prospects p join unnest($1::uuid[], $2::text[]) u(channel_id, external_id) on p.channel_id = u.channel_id and p.external_id = u.external_id',
      [late.map((c) => c.channel.id), late.map((c) => c.contact.externalId)],
    );
    for (const r of found) idOf.set(key(r.channel_id, r.external_id), r.id);
  }
  return { idOf, created };
}

/**
 * Conversations, in one statement: the active one of each thread, else the latest closed one
 * reopened, else a new one. Returns the messages with their prospect and conversation, and the
 * conversations it opened.
 */
async function placeInConversations(sql: Sql, messages: ThreadedMessage[], prospectOf: Map<string, string>): Promise<{ placed: PlacedMessage[]; created: string[] }> {
  const wanted = new Map<string, ThreadedMessage>();
  for (const p of messages) if (!p.conversationId) wanted.set(key(prospectOf.get(p.contactKey)!, p.threadKey), p);
  const conversationOf = new Map<string, string>();
  const created: string[] = [];
  if (wanted.size) {
    const list = [...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p);
    const prospects = list.map((p) => prospectOf.get(p.contactKey)!);
    const threads = list.map((p) => p.threadKey);
    type Found = { id: string; prospect_id: string; thread_key: string; created?: boolean };
    const rows = await sql.query<Found>(
      `with w as (select * from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) w(prospect_id, thread_key, subject, ts)),
       active as (select c.id, c.prospect_id, c.thread_key from conversations c join w using (prospect_id, thread_key) where c.status = 'active'),
       latest as (select distinct on (c.prospect_id, c.thread_key) c.id from conversations c join w using (prospect_id, thread_key)
                  where not exists (select 1 from active a where a.prospect_id = c.prospect_id and a.thread_key = c.thread_key)
                  order by c.prospect_id, c.thread_key, c.last_activity desc),
       reopened as (update conversations c set status = 'active', updated_at = now() from latest where c.id = latest.id
                    returning c.id, c.prospect_id, c.thread_key),
       created as (insert into conversations (id, created_at, updated_at, organization_id, channel_id, prospect_id, client_id, platform, thread_key, subject, last_activity, bot_enabled)
                   select gen_random_uuid(), now(), now(), ch.organization_id, ch.id, p.id, p.client_id, p.platform, w.thread_key, w.subject, w.ts, ch.bot_enabled_default
                   from w join prospects p on p.id = w.prospect_id join channels ch on ch.id = p.channel_id
                   where not exists (select 1 from conversations c where c.prospect_id = w.prospect_id and c.thread_key = w.thread_key)
                   on conflict (prospect_id, thread_key) where status = 'active' do nothing
                   returning id, prospect_id, thread_key)
       select *, false as created from active union all select *, false from reopened union all select *, true from created`,
      [prospects, threads, list.map((p) => p.event.subject ?? null), list.map((p) => new Date(p.event.timestamp))],
    );
    for (const r of rows) {
      conversationOf.set(key(r.prospect_id, r.thread_key), r.id);
      if (r.created) created.push(r.id);
    }
    // Another process opened one at the same moment: its row is visible now.
    if (conversationOf.size < list.length) {
      const late = await sql.query<Found>(
        `select c.id, c.prospect_id, c.thread_key from conversations c join unnest($1::uuid[], $2::text[]) w(prospect_id, thread_key)
           on c.prospect_id = w.prospect_id and c.thread_key = w.thread_key where c.status = 'active'`,
        [prospects, threads],
      );
      for (const r of late) conversationOf.set(key(r.prospect_id, r.thread_key), r.id);
    }
  }
  const placed = messages.map((p) => {
    const prospectId = prospectOf.get(p.contactKey)!;
    return { ...p, prospectId, conversationId: p.conversationId ?? conversationOf.get(key(prospectId, p.threadKey))! };
  });
  return { placed, created };
}

/** `bot_enabled`: its conversation's bot is on (read as the message moved the conversation on). */
type InsertedRow = MessageRow & { channel_id: string; external_id: string; bot_enabled: boolean };

/**
 * Messages inserted once (what comes back is what is new; a repeat in the batch or in Postgres
 * is a duplicate) and, in the same statement, their conversations moved on: activity, last
 * message, unread count, last inbound time.
 */
async function insertMessages(sql: Sql, messages: PlacedMessage[]): Promise<{ fresh: FreshMessage[]; rows: InsertedRow[]; conversations: string[]; marks: Mark[] }> {
  const marks: Mark[] = [];
  const unique = new Map<string, PlacedMessage>();
  for (const p of messages) {
    const k = key(p.channel.id, p.event.externalId);
    if (unique.has(k)) marks.push({ item: p.item, as: 'duplicates' });
    else unique.set(k, p);
  }
  const batch = [...unique.values()];
  if (!batch.length) return { fresh: [], rows: [], conversations: [], marks };
  const counts = (e: MessageEvent) => e.direction === 'in' && !e.automated;
  const rows = await sql.query<InsertedRow>(
    `with u as (select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[], $13::jsonb[], $14::jsonb[], $15::boolean[])
                u(org, channel_id, conversation_id, external_id, direction, sender_type, sender_id, content, message_type, platform, ts, status, metadata, summary, counts)),
     ins as (insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, external_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status, metadata)
             select gen_random_uuid(), now(), now(), org, channel_id, conversation_id, external_id, direction, sender_type, sender_id, content, message_type, platform, ts, status, metadata from u
             on conflict (channel_id, external_id) do nothing
             returning channel_id, external_id, ${MESSAGE_ROW}),
     agg as (select ins.conversation_id, max(ins.timestamp) as ts,
                    count(*) filter (where u.counts)::int as unread,
                    max(ins.timestamp) filter (where u.counts) as inbound_ts,
                    (array_agg(u.summary || jsonb_build_object('id', ins.id) order by ins.timestamp desc, ins.seq desc))[1] as last_message
             from ins join u on u.channel_id = ins.channel_id and u.external_id = ins.external_id
             group by ins.conversation_id),
     moved as (update conversations c set
                 last_activity = greatest(c.last_activity, agg.ts),
                 last_message = case when agg.ts >= c.last_activity or c.last_message is null then agg.last_message else c.last_message end,
                 unread_count = c.unread_count + agg.unread,
                 last_inbound_at = greatest(c.last_inbound_at, agg.inbound_ts),
                 updated_at = now()
               from agg where c.id = agg.conversation_id
               returning c.id, c.bot_enabled)
     select ins.*, moved.bot_enabled from ins join moved on moved.id = ins.conversation_id`,
    [
      batch.map((p) => p.channel.orgId), batch.map((p) => p.channel.id), batch.map((p) => p.conversationId),
      batch.map((p) => p.event.externalId), batch.map((p) => p.event.direction),
      batch.map((p) => (p.event.direction === 'in' ? 'prospect' : 'agent')),
      batch.map((p) => (p.event.direction === 'in' ? p.prospectId : 'external')),
      batch.map((p) => p.event.content), batch.map((p) => (p.event.automated ? 'system' : p.event.messageType)),
      batch.map((p) => p.channel.platform), batch.map((p) => new Date(p.event.timestamp)),
      batch.map((p) => (p.event.direction === 'in' ? 'delivered' : 'sent')),
      batch.map((p) => jsonOrNull(messageMetadata(p.event))),
      batch.map((p) => pgJson(lastMessageSummary(undefined, p.event))),
      batch.map((p) => counts(p.event)),
    ],
  );
  const rowOf = new Map(rows.map((r) => [key(r.channel_id, r.external_id), r]));
  const fresh: FreshMessage[] = [];
  for (const p of batch) {
    const row = rowOf.get(key(p.channel.id, p.event.externalId));
    marks.push({ item: p.item, as: row ? 'created' : 'duplicates' });
    if (row) fresh.push({ ...p, id: row.id as string, botEnabled: row.bot_enabled });
  }
  return { fresh, rows, conversations: [...new Set(rows.map((r) => r.conversation_id))], marks };
}

/** Attachments of new messages: recorded now, fetched by the media job. */
async function recordAttachments(sql: Sql, messages: FreshMessage[]): Promise<{ toFetch: Changes['attachments']; byMessage: Map<string, PendingAttachment[]> }> {
  const files = messages.flatMap((p) => (p.event.attachments ?? []).map((a) => ({ p, a, id: randomUUID() })));
  await insertAttachments(sql, files.map(({ p, a, id }) => ({
    id, orgId: p.channel.orgId, messageId: p.id, kind: a.kind, fileName: a.fileName ?? null, fileSize: a.fileSize ?? null,
    mimeType: a.mimeType ?? null, source: attachmentSource(a), storagePath: null, status: 'pending' as const,
  })));
  const byMessage = new Map<string, PendingAttachment[]>();
  for (const { p, a, id } of files) {
    const list = byMessage.get(p.id) ?? [];
    byMessage.set(p.id, list);
    list.push({ id, kind: a.kind, fileName: a.fileName, fileSize: a.fileSize, mimeType: a.mimeType, status: 'pending' });
  }
  return { toFetch: files.map(({ p, a, id }) => ({ id, channelId: p.channel.id, inline: a.inline?.base64 })), byMessage };
}

/**
 * Statuses applied only forward (message_status_rank, the order of contract/message-status.ts);
 * several of one message in a batch: the furthest wins. A status whose message has not
 * arrived yet is kept in pending_statuses until it does.
 */
async function applyStatuses(sql: Sql, statuses: Located<StatusEvent>[]): Promise<Updated> {
  if (!statuses.length) return { updated: [], marks: [] };
  const best = new Map<string, Located<StatusEvent>>();
  for (const s of statuses) {
    const k = key(s.channel.id, s.event.externalId);
    const prev = best.get(k);
    if (!prev || messageStatusRank(s.event.status) > messageStatusRank(prev.event.status)) best.set(k, s);
  }
  const list = [...best.values()].sort((a, b) => (key(a.channel.id, a.event.externalId) < key(b.channel.id, b.event.externalId) ? -1 : 1));
  const params = [list.map((s) => s.channel.id), list.map((s) => s.event.externalId), list.map((s) => s.event.status), list.map((s) => s.event.error ?? null)];
  const rows = await sql.query<{ channel_id: string; external_id: string; id: string; moved: boolean }>(
    `with s as (select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) s(channel_id, external_id, status, error)),
     found as (select m.id, m.channel_id, m.external_id, m.status from messages m join s on m.channel_id = s.channel_id and m.external_id = s.external_id),
     moved as (
       update messages m set status = s.status, error = coalesce(s.error, m.error), updated_at = now()
       from s where m.channel_id = s.channel_id and m.external_id = s.external_id
         and message_status_rank(s.status) > message_status_rank(m.status)
       returning m.id, m.conversation_id)
     select f.channel_id, f.external_id, f.id, (mv.id is not null) as moved, mv.conversation_id
     from found f left join moved mv on mv.id = f.id`,
    params,
  );
  const found = new Set(rows.map((r) => key(r.channel_id, r.external_id)));
  const missing = list.filter((s) => !found.has(key(s.channel.id, s.event.externalId)));
  if (missing.length) {
    await sql.query(
      `insert into pending_statuses (id, created_at, updated_at, channel_id, external_id, status, error)
       select gen_random_uuid(), now(), now(), u.* from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) u
       on conflict (channel_id, external_id) do update set status = excluded.status, error = excluded.error, updated_at = now()
       where message_status_rank(excluded.status) > message_status_rank(pending_statuses.status)`,
      [missing.map((s) => s.channel.id), missing.map((s) => s.event.externalId), missing.map((s) => s.event.status), missing.map((s) => s.event.error ?? null)],
    );
  }
  return { updated: rows.filter((r) => r.moved).map((r) => r.id), marks: statuses.map((s): Mark => ({ item: s.item, as: 'updated' })) };
}

/** "Read up to here" for a contact: their conversations' outgoing messages up to then move forward. */
async function applyWatermarks(sql: Sql, marks: Located<WatermarkEvent>[]): Promise<Updated> {
  if (!marks.length) return { updated: [], marks: [] };
  const rows = await sql.query<{ id: string }>(
    `update messages m set status = w.status, updated_at = now()
     from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) w(channel_id, contact, status, up_to)
     join prospects p on p.channel_id = w.channel_id and p.external_id = w.contact
     join conversations c on c.prospect_id = p.id
     where m.conversation_id = c.id and m.direction = 'out' and m.timestamp <= w.up_to
       and message_status_rank(w.status) > message_status_rank(m.status)
     returning m.id`,
    [marks.map((w) => w.channel.id), marks.map((w) => w.event.contactExternalId), marks.map((w) => w.event.status), marks.map((w) => new Date(w.event.upTo))],
  );
  return { updated: rows.map((r) => r.id), marks: marks.map((w): Mark => ({ item: w.item, as: 'updated' })) };
}

type Touched = { id: string; channel_id: string; external_id: string };

/** An update of messages by external id: the events whose message was found count as updated, the others as unsupported (`why`). */
function touched(rows: Touched[], targets: { item: number; channelId: string; externalId: string }[], why: (externalId: string) => string): Updated {
  const found = new Set(rows.map((r) => key(r.channel_id, r.external_id)));
  return {
    updated: rows.map((r) => r.id),
    marks: targets.map((t): Mark => (found.has(key(t.channelId, t.externalId)) ? { item: t.item, as: 'updated' } : { item: t.item, as: 'unsupported', note: why(t.externalId) })),
  };
}

/** Per message, each contact's last reaction of the batch wins; an empty emoji removes theirs. */
async function applyReactions(sql: Sql, reactions: Located<ReactionEvent>[]): Promise<Updated> {
  if (!reactions.length) return { updated: [], marks: [] };
  const targets = new Map<string, { channelId: string; externalId: string; emoji: Map<string, string> }>();
  for (const r of reactions) {
    const k = key(r.channel.id, r.event.targetExternalId);
    const t = targets.get(k) ?? { channelId: r.channel.id, externalId: r.event.targetExternalId, emoji: new Map() };
    targets.set(k, t);
    t.emoji.set(r.event.contact.externalId, r.event.emoji);
  }
  const list = [...targets.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, t]) => t);
  const reactionsOf = metadataObject(`${metadataObject('m.metadata')}->'reactions'`);
  const rows = await sql.query<Touched>(
    `update messages m set updated_at = now(),
       metadata = jsonb_set(${metadataObject('m.metadata')}, '{reactions}', (${reactionsOf} - array(select jsonb_array_elements_text(r.removed))) || r.added)
     from unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[]) r(channel_id, external_id, added, removed)
     where m.channel_id = r.channel_id and m.external_id = r.external_id
     returning m.id, m.channel_id, m.external_id`,
    [
      list.map((t) => t.channelId), list.map((t) => t.externalId),
      list.map((t) => pgJson(Object.fromEntries([...t.emoji].filter(([, e]) => e !== '')))),
      list.map((t) => pgJson([...t.emoji].filter(([, e]) => e === '').map(([c]) => c))),
    ],
  );
  return touched(rows, reactions.map((r) => ({ item: r.item, channelId: r.channel.id, externalId: r.event.targetExternalId })), (t) => `reaction to unknown message ${t}`);
}

/** Several edits of one message in a batch: the last one is its text. */
async function applyEdits(sql: Sql, edits: Located<EditEvent>[]): Promise<Updated> {
  if (!edits.length) return { updated: [], marks: [] };
  const last = new Map<string, Located<EditEvent>>();
  for (const e of edits) last.set(key(e.channel.id, e.event.externalId), e);
  const list = [...last.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, e]) => e);
  const rows = await sql.query<Touched>(
    `update messages m set content = u.content, updated_at = now(),
       metadata = ${metadataObject('m.metadata')} || case when u.deleted
         then jsonb_build_object('deleted', true, 'deletedAt', u.edited_at)
         else jsonb_build_object('edited', true, 'editedAt', u.edited_at) end
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[]) u(channel_id, external_id, content, edited_at, deleted)
     where m.channel_id = u.channel_id and m.external_id = u.external_id
     returning m.id, m.channel_id, m.external_id`,
    [list.map((e) => e.channel.id), list.map((e) => e.event.externalId), list.map((e) => e.event.content), list.map((e) => new Date(e.event.timestamp).toISOString()), list.map((e) => !!e.event.deleted)],
  );
  return touched(rows, edits.map((e) => ({ item: e.item, channelId: e.channel.id, externalId: e.event.externalId })), (t) => `edit of unknown message ${t}`);
}

/** Messages their sender unsent: kept (for the record), marked deletedAt; the thread says "deleted by the sender". */
async function applyDeletes(sql: Sql, deletes: Located<DeleteEvent>[]): Promise<Updated> {
  if (!deletes.length) return { updated: [], marks: [] };
  const rows = await sql.query<Touched>(
    `update messages m set updated_at = now(), metadata = ${metadataObject('m.metadata')} || jsonb_build_object('deletedAt', u.deleted_at)
     from unnest($1::uuid[], $2::text[], $3::text[]) u(channel_id, external_id, deleted_at)
     where m.channel_id = u.channel_id and m.external_id = u.external_id and not (${metadataObject('m.metadata')} ? 'deletedAt')
     returning m.id, m.channel_id, m.external_id`,
    [deletes.map((e) => e.channel.id), deletes.map((e) => e.event.externalId), deletes.map((e) => new Date(e.event.timestamp).toISOString())],
  );
  return touched(rows, deletes.map((e) => ({ item: e.item, channelId: e.channel.id, externalId: e.event.externalId })), (t) => `delete of unknown message ${t}`);
}

const DETAIL_MAX = 4000;

/** The raw payloads, kept for replay and debugging, with what became of them. */
async function recordDeliveries(sql: Sql, items: IngestItem[], outcomes: IngestOutcome[]) {
  await insertWebhookEvents(sql, items.flatMap((it, i) => {
    if (!it.record) return [];
    const o = addOutcome(addOutcome(emptyOutcome(), it.record.prior ?? emptyOutcome()), outcomes[i]!);
    return [{
      orgId: it.channel.orgId, channelId: it.channel.id, jobId: it.record.jobId, payload: it.record.payload, contentType: it.record.contentType ?? null,
      outcome: outcomeLabel(o), detail: outcomeDetail(o), retentionHours: it.record.retentionHours,
    }];
  }));
}

function outcomeDetail(o: IngestOutcome): string | null {
  const parts = [...o.failed.map((f) => `failed: ${f}`), ...o.notes];
  return parts.length ? parts.join('; ').slice(0, DETAIL_MAX) : null;
}

/**
 * A delivery that could not be processed at all (its job used its last attempt): kept as
 * 'failed' with the reason, so it can be seen and replayed.
 */
export async function recordFailedDelivery(sql: Sql, channel: ChannelInfo, record: DeliveryRecord, reason: string) {
  await upsertFailedWebhookEvent(sql, {
    orgId: channel.orgId, channelId: channel.id, jobId: record.jobId, payload: record.payload, contentType: record.contentType ?? null,
    detail: `failed: ${reason}`.slice(0, DETAIL_MAX), retentionHours: record.retentionHours,
  });
}

function outcomeLabel(o: IngestOutcome) {
  if (o.failed.length) return 'failed';
  if (o.created) return 'stored';
  if (o.updated) return 'updated';
  if (o.duplicates) return 'duplicate';
  if (o.unsupported) return 'unsupported';
  return 'ignored';
}

/** SQL NULL for no metadata, never JSON null. */
const jsonOrNull = (v: Record<string, unknown> | null) => (v ? pgJson(v) : null);

/** A message's metadata as an object whatever an older row holds (JSON null, an array): SQL. */
const metadataObject = (column: string) => `(case when jsonb_typeof(${column}) = 'object' then ${column} else '{}'::jsonb end)`;

function messageMetadata(e: MessageEvent): Record<string, unknown> | null {
  const meta = { ...e.metadata, ...(e.direction === 'out' ? { echo: true } : {}), ...(e.automated ? { automated: e.automated } : {}), ...(e.subject ? { subject: e.subject } : {}) };
  return Object.keys(meta).length ? meta : null;
}

function attachmentSource(a: InboundAttachment): string {
  return a.inline ? `inline:${a.inline.contentId ?? ''}` : a.source;
}
