import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import { errorMessage, isInfrastructureError } from '../errors.js';
import { MESSAGE_ROW } from '../domain/read-models.js';
import { lastMessageSummary } from '../domain/message-summary.js';
import { MESSAGE_STATUSES } from '../domain/message.entity.js';
import type {
  Contact, EditEvent, InboundAttachment, MessageEvent, NormalizedEvent, ReactionEvent, StatusEvent, UnsupportedEvent, WatermarkEvent,
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

/** What changed, for publishing after commit. */
export type Changes = {
  /** The new messages as stored (the columns of MESSAGE_COLUMNS), so they can be pushed without reading them back. */
  newMessageRows: Record<string, any>[];
  updatedMessages: string[];
  conversations: string[];
  newProspects: string[];
  /** New attachments to fetch; `inline` carries bytes the payload itself held (email parts). */
  attachments: { id: string; channelId: string; inline?: string }[];
  /** New inbound messages from people (not echoes, not automated): the bot's input. */
  inbound: string[];
};

/** Statuses in the order they may move (the same order as SQL's message_status_rank). */
const rank = (s: string) => (MESSAGE_STATUSES as readonly string[]).indexOf(s);

type PlannedMessage = {
  item: number;
  channel: ChannelInfo;
  event: MessageEvent;
  contactKey: string;
  threadKey: string;
  /** Set when email threading found the conversation already. */
  conversationId?: string;
};

const key = (...parts: string[]) => parts.join('\u0000');

/**
 * Persists a batch of ingest items in one transaction (the caller's) and keeps their raw
 * payloads. When applying the events fails for a reason in the events themselves (not an
 * unreachable database), the batch is narrowed down, by halves under savepoints, to the
 * events that fail: everything else is stored, and each failing event is recorded with its
 * reason on its delivery (outcome 'failed'), so one odd event never costs its neighbours.
 */
export async function persistBatch(sql: Sql, items: IngestItem[]): Promise<{ outcomes: IngestOutcome[]; changes: Changes }> {
  const outcomes = items.map(emptyOutcome);
  const changes: Changes = { newMessageRows: [], updatedMessages: [], conversations: [], newProspects: [], attachments: [], inbound: [] };
  let savepoints = 0;
  const attempt = async (parts: { item: number; events: NormalizedEvent[] }[]): Promise<void> => {
    const name = `narrow_${savepoints++}`;
    await sql.query(`savepoint ${name}`);
    try {
      const applied = await applyEvents(sql, parts.map((p) => ({ channel: items[p.item]!.channel, events: p.events })));
      await sql.query(`release savepoint ${name}`);
      applied.outcomes.forEach((o, k) => addOutcome(outcomes[parts[k]!.item]!, o));
      mergeChanges(changes, applied.changes);
    } catch (err) {
      if (isInfrastructureError(err)) throw err;
      await sql.query(`rollback to savepoint ${name}`);
      await sql.query(`release savepoint ${name}`);
      const flat = parts.flatMap((p) => p.events.map((event) => ({ item: p.item, event })));
      if (flat.length === 1) {
        outcomes[flat[0]!.item]!.failed.push(`${describeEvent(flat[0]!.event)}: ${errorMessage(err)}`);
        return;
      }
      const half = Math.ceil(flat.length / 2);
      for (const side of [flat.slice(0, half), flat.slice(half)]) await attempt(regroup(side));
    }
  };
  await attempt(items.map((it, item) => ({ item, events: it.events })));
  await recordDeliveries(sql, items, outcomes);
  const created = new Set(changes.newMessageRows.map((r) => r.id as string));
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

function mergeChanges(into: Changes, c: Changes) {
  for (const k of Object.keys(into) as (keyof Changes)[]) (into[k] as unknown[]).push(...(c[k] as unknown[]));
}

/** A failing event named so an admin can find it in the payload. */
export function describeEvent(e: NormalizedEvent): string {
  switch (e.type) {
    case 'message': return `message ${e.externalId}`;
    case 'status': return `status '${e.status}' of ${e.externalId}`;
    case 'reaction': return `reaction of ${e.contact.externalId} to ${e.targetExternalId}`;
    case 'edit': return `edit of ${e.externalId}`;
    case 'watermark': return `'${e.status}' watermark of ${e.contactExternalId}`;
    case 'unsupported': return 'unsupported event';
  }
}

/**
 * Applies a batch of events set-wise: prospects upserted, conversations found, reopened or
 * opened, messages inserted once (a duplicate is a no-op on the unique (channel, external id)),
 * conversations' activity, last message and unread count moved on, statuses applied only
 * forward (or kept until their message arrives), reactions and edits in one statement each.
 */
async function applyEvents(sql: Sql, items: Pick<IngestItem, 'channel' | 'events'>[]): Promise<{ outcomes: IngestOutcome[]; changes: Changes }> {
  const outcomes = items.map(emptyOutcome);
  const changes: Changes = { newMessageRows: [], updatedMessages: [], conversations: [], newProspects: [], attachments: [], inbound: [] };
  const byType = <T extends NormalizedEvent>(type: T['type']) =>
    items.flatMap((it, i) => it.events.filter((e): e is T => e.type === type).map((event) => ({ item: i, channel: it.channel, event })));

  const messages = byType<MessageEvent>('message');
  for (const { item, event } of byType<UnsupportedEvent>('unsupported')) {
    outcomes[item]!.unsupported++;
    outcomes[item]!.notes.push(event.reason);
  }

  // Email-style threading: a message that refers to one we have joins its conversation.
  const refs = messages.filter((m) => m.event.threadRefs?.length);
  const threadOf = new Map<string, string>();
  if (refs.length) {
    const rows = await sql.query(
      `select m.channel_id, m.external_id, m.conversation_id from messages m
        join unnest($1::uuid[], $2::text[]) r(channel_id, external_id) on m.channel_id = r.channel_id and m.external_id = r.external_id`,
      [refs.flatMap((m) => m.event.threadRefs!.map(() => m.channel.id)), refs.flatMap((m) => m.event.threadRefs!)],
    );
    for (const r of rows) threadOf.set(key(r.channel_id, r.external_id), r.conversation_id);
  }

  const planned: PlannedMessage[] = [];
  for (const m of messages) {
    const e = m.event;
    // A thread we already have (in Postgres or earlier in this batch), else a new one rooted here.
    const stored = e.threadRefs?.map((r) => threadOf.get(key(m.channel.id, r))).find(Boolean);
    const earlier = e.threadRefs && planned.find((p) => p.channel.id === m.channel.id && e.threadRefs!.includes(p.event.externalId));
    if (e.automated && !stored && !earlier) {
      // An auto-reply outside any thread we know is not someone writing in.
      outcomes[m.item]!.unsupported++;
      continue;
    }
    const threadKey = !e.threadRefs ? '' : (earlier?.threadKey ?? (stored ? '' : e.externalId));
    planned.push({ ...m, contactKey: key(m.channel.id, e.contact.externalId), threadKey, conversationId: earlier?.conversationId ?? stored });
  }

  // A reply in a closed email thread reopens it (unless the prospect has that thread open elsewhere).
  const reopen = [...new Set(planned.filter((p) => p.conversationId && p.event.direction === 'in' && !p.event.automated).map((p) => p.conversationId!))];
  if (reopen.length) {
    await sql.query(
      `update conversations c set status = 'active', updated_at = now()
       where c.id = any($1::uuid[]) and c.status <> 'active'
         and not exists (select 1 from conversations o where o.prospect_id = c.prospect_id and o.thread_key = c.thread_key and o.status = 'active')`,
      [reopen],
    );
  }

  // Prospects: one upsert for every contact in the batch.
  const contacts = new Map<string, { channel: ChannelInfo; contact: Contact; lastSeen: number | null }>();
  const reactions = byType<ReactionEvent>('reaction');
  for (const p of planned) {
    const prev = contacts.get(p.contactKey);
    const seen = p.event.direction === 'in' ? p.event.timestamp : null;
    contacts.set(p.contactKey, {
      channel: p.channel,
      contact: { ...prev?.contact, ...p.event.contact, name: p.event.contact.name ?? prev?.contact.name },
      lastSeen: Math.max(prev?.lastSeen ?? 0, seen ?? 0) || null,
    });
  }
  const prospectId = new Map<string, string>();
  if (contacts.size) {
    const list = [...contacts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
    const rows = await sql.query(
      `insert into prospects (id, created_at, updated_at, organization_id, channel_id, platform, external_id, identifier, identifier_type, name, avatar, last_seen)
       select gen_random_uuid(), now(), now(), u.* from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[]) u
       on conflict (channel_id, external_id) do update set
         name = coalesce(excluded.name, prospects.name),
         avatar = coalesce(excluded.avatar, prospects.avatar),
         last_seen = greatest(prospects.last_seen, excluded.last_seen),
         updated_at = now()
       returning id, channel_id, external_id, (xmax = 0) as inserted`,
      [
        list.map((c) => c.channel.orgId), list.map((c) => c.channel.id), list.map((c) => c.channel.platform),
        list.map((c) => c.contact.externalId), list.map((c) => c.contact.identifier), list.map((c) => c.contact.identifierType),
        list.map((c) => c.contact.name ?? null), list.map((c) => c.contact.avatar ?? null),
        list.map((c) => (c.lastSeen ? new Date(c.lastSeen) : null)),
      ],
    );
    for (const r of rows) {
      prospectId.set(key(r.channel_id, r.external_id), r.id);
      if (r.inserted) changes.newProspects.push(r.id);
    }
  }

  // Conversations, in one statement: the active one of each thread, else the latest closed one
  // reopened, else a new one.
  const wanted = new Map<string, PlannedMessage>();
  for (const p of planned) if (!p.conversationId) wanted.set(key(prospectId.get(p.contactKey)!, p.threadKey), p);
  const conversationOf = new Map<string, string>();
  if (wanted.size) {
    const list = [...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p);
    const prospects = list.map((p) => prospectId.get(p.contactKey)!);
    const threads = list.map((p) => p.threadKey);
    const rows = await sql.query(
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
       select * from active union all select * from reopened union all select * from created`,
      [prospects, threads, list.map((p) => p.event.subject ?? null), list.map((p) => new Date(p.event.timestamp))],
    );
    for (const r of rows) conversationOf.set(key(r.prospect_id, r.thread_key), r.id);
    // Another process opened one at the same moment: its row is visible now.
    if (conversationOf.size < list.length) {
      const late = await sql.query(
        `select c.id, c.prospect_id, c.thread_key from conversations c join unnest($1::uuid[], $2::text[]) w(prospect_id, thread_key)
           on c.prospect_id = w.prospect_id and c.thread_key = w.thread_key where c.status = 'active'`,
        [prospects, threads],
      );
      for (const r of late) conversationOf.set(key(r.prospect_id, r.thread_key), r.id);
    }
  }
  for (const p of planned) p.conversationId ??= conversationOf.get(key(prospectId.get(p.contactKey)!, p.threadKey));

  // Messages inserted once (what comes back is what is new) and, in the same statement, their
  // conversations moved on: activity, last message, unread count, last inbound time.
  const inserted = new Map<string, { id: string; conversationId: string }>();
  const unique = new Map<string, PlannedMessage>();
  for (const p of planned) {
    const k = key(p.channel.id, p.event.externalId);
    if (unique.has(k)) outcomes[p.item]!.duplicates++;
    else unique.set(k, p);
  }
  const batch = [...unique.values()];
  if (batch.length) {
    const counts = (e: MessageEvent) => e.direction === 'in' && !e.automated;
    const rows = await sql.query(
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
                 from agg where c.id = agg.conversation_id)
       select * from ins`,
      [
        batch.map((p) => p.channel.orgId), batch.map((p) => p.channel.id), batch.map((p) => p.conversationId),
        batch.map((p) => p.event.externalId), batch.map((p) => p.event.direction),
        batch.map((p) => (p.event.direction === 'in' ? 'prospect' : 'agent')),
        batch.map((p) => (p.event.direction === 'in' ? prospectId.get(p.contactKey)! : 'external')),
        batch.map((p) => p.event.content), batch.map((p) => (p.event.automated ? 'system' : p.event.messageType)),
        batch.map((p) => p.channel.platform), batch.map((p) => new Date(p.event.timestamp)),
        batch.map((p) => (p.event.direction === 'in' ? 'delivered' : 'sent')),
        batch.map((p) => jsonOrNull(messageMetadata(p.event))),
        batch.map((p) => JSON.stringify(lastMessageSummary(undefined, p.event))),
        batch.map((p) => counts(p.event)),
      ],
    );
    for (const r of rows) {
      inserted.set(key(r.channel_id, r.external_id), { id: r.id, conversationId: r.conversation_id });
      changes.newMessageRows.push({ ...r, attachments: [] });
    }
    changes.conversations.push(...new Set(rows.map((r) => r.conversation_id as string)));
  }
  const fresh = batch.filter((p) => {
    const row = inserted.get(key(p.channel.id, p.event.externalId));
    if (!row) outcomes[p.item]!.duplicates++;
    return row;
  });
  for (const p of fresh) {
    const row = inserted.get(key(p.channel.id, p.event.externalId))!;
    outcomes[p.item]!.created++;
    if (p.event.direction === 'in' && !p.event.automated) changes.inbound.push(row.id);
  }

  // Attachments of new messages: recorded now, fetched by the media job.
  const files = fresh.flatMap((p) => (p.event.attachments ?? []).map((a) => ({ p, a, id: randomUUID() })));
  if (files.length) {
    await sql.query(
      `insert into attachments (id, created_at, updated_at, organization_id, message_id, kind, file_name, file_size, mime_type, source)
       select u.id, now(), now(), u.org, u.message_id, u.kind, u.file_name, u.file_size, u.mime_type, u.source
       from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[])
         u(id, org, message_id, kind, file_name, file_size, mime_type, source)`,
      [
        files.map((f) => f.id), files.map(({ p }) => p.channel.orgId),
        files.map(({ p }) => inserted.get(key(p.channel.id, p.event.externalId))!.id),
        files.map(({ a }) => a.kind), files.map(({ a }) => a.fileName ?? null), files.map(({ a }) => a.fileSize ?? null),
        files.map(({ a }) => a.mimeType ?? null), files.map(({ a }) => attachmentSource(a)),
      ],
    );
    const rowOf = new Map(changes.newMessageRows.map((r) => [r.id as string, r]));
    for (const f of files) {
      changes.attachments.push({ id: f.id, channelId: f.p.channel.id, inline: f.a.inline?.base64 });
      rowOf.get(inserted.get(key(f.p.channel.id, f.p.event.externalId))!.id)?.attachments.push({
        id: f.id, kind: f.a.kind, fileName: f.a.fileName, fileSize: f.a.fileSize, mimeType: f.a.mimeType, status: 'pending',
      });
    }
  }

  // Statuses that arrived before their (outgoing) message now apply.
  const outgoing = fresh.filter((p) => p.event.direction === 'out');
  if (outgoing.length) await applyPendingStatuses(sql, { channelIds: outgoing.map((p) => p.channel.id), externalIds: outgoing.map((p) => p.event.externalId) });

  await applyStatuses(sql, byType<StatusEvent>('status'), outcomes, changes);
  await applyWatermarks(sql, byType<WatermarkEvent>('watermark'), outcomes, changes);
  await applyReactions(sql, reactions, outcomes, changes);
  await applyEdits(sql, byType<EditEvent>('edit'), outcomes, changes);

  return { outcomes, changes };
}

const DETAIL_MAX = 4000;

/** Postgres text cannot hold NUL (a raw email may): kept as U+FFFD, so the delivery is still kept. */
const storableText = (text: string) => (text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text);

/** The raw payloads, kept for replay and debugging, with what became of them. */
async function recordDeliveries(sql: Sql, items: IngestItem[], outcomes: IngestOutcome[]) {
  const kept = items.flatMap((it, i) => (it.record ? [{ it, record: it.record, o: addOutcome(addOutcome(emptyOutcome(), it.record.prior ?? emptyOutcome()), outcomes[i]!) }] : []));
  if (!kept.length) return;
  await sql.query(
    `insert into webhook_events (id, created_at, updated_at, organization_id, channel_id, job_id, payload, content_type, outcome, detail, expires_at)
     select gen_random_uuid(), now(), now(), u.org, u.channel, u.job, u.payload, u.content_type, u.outcome, u.detail, now() + make_interval(hours => u.hours)
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[]) u(org, channel, job, payload, outcome, detail, hours, content_type)
     on conflict (job_id) do nothing`,
    [
      kept.map((k) => k.it.channel.orgId), kept.map((k) => k.it.channel.id), kept.map((k) => k.record.jobId),
      kept.map((k) => storableText(k.record.payload)), kept.map((k) => outcomeLabel(k.o)), kept.map((k) => outcomeDetail(k.o)),
      kept.map((k) => Math.ceil(k.record.retentionHours)), kept.map((k) => k.record.contentType ?? null),
    ],
  );
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
  await sql.query(
    `insert into webhook_events (id, created_at, updated_at, organization_id, channel_id, job_id, payload, content_type, outcome, detail, expires_at)
     values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, 'failed', $6, now() + make_interval(hours => $7))
     on conflict (job_id) do update set outcome = 'failed', detail = excluded.detail, updated_at = now()`,
    [channel.orgId, channel.id, record.jobId, storableText(record.payload), record.contentType ?? null, `failed: ${reason}`.slice(0, DETAIL_MAX), Math.ceil(record.retentionHours)],
  );
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
const jsonOrNull = (v: Record<string, unknown> | null) => (v ? JSON.stringify(v) : null);

/** A message's metadata as an object whatever an older row holds (JSON null, an array): SQL. */
const metadataObject = (column: string) => `(case when jsonb_typeof(${column}) = 'object' then ${column} else '{}'::jsonb end)`;

function messageMetadata(e: MessageEvent): Record<string, unknown> | null {
  const meta = { ...e.metadata, ...(e.direction === 'out' ? { echo: true } : {}), ...(e.automated ? { automated: e.automated } : {}), ...(e.subject ? { subject: e.subject } : {}) };
  return Object.keys(meta).length ? meta : null;
}

function attachmentSource(a: InboundAttachment): string {
  return a.inline ? `inline:${a.inline.contentId ?? ''}` : a.source;
}

/**
 * Statuses that arrived before their message apply once the message exists: for the given
 * messages, or (no keys) for every message that exists by now.
 */
export async function applyPendingStatuses(sql: Sql, only?: { channelIds: string[]; externalIds: string[] }) {
  await sql.query(
    `with applied as (
       delete from pending_statuses ps using messages m
       where m.channel_id = ps.channel_id and m.external_id = ps.external_id
         ${only ? 'and (ps.channel_id, ps.external_id) in (select * from unnest($1::uuid[], $2::text[]))' : ''}
       returning ps.channel_id, ps.external_id, ps.status, ps.error)
     update messages m set status = a.status, error = coalesce(a.error, m.error), updated_at = now()
     from applied a where m.channel_id = a.channel_id and m.external_id = a.external_id
       and message_status_rank(a.status) > message_status_rank(m.status)`,
    only ? [only.channelIds, only.externalIds] : [],
  );
}

type Located<T> = { item: number; channel: ChannelInfo; event: T };

async function applyStatuses(sql: Sql, statuses: Located<StatusEvent>[], outcomes: IngestOutcome[], changes: Changes) {
  if (!statuses.length) return;
  // Several statuses of one message in a batch: the furthest wins.
  const best = new Map<string, Located<StatusEvent>>();
  for (const s of statuses) {
    const k = key(s.channel.id, s.event.externalId);
    const prev = best.get(k);
    if (!prev || rank(s.event.status) > rank(prev.event.status)) best.set(k, s);
  }
  const list = [...best.values()].sort((a, b) => (key(a.channel.id, a.event.externalId) < key(b.channel.id, b.event.externalId) ? -1 : 1));
  const params = [list.map((s) => s.channel.id), list.map((s) => s.event.externalId), list.map((s) => s.event.status), list.map((s) => s.event.error ?? null)];
  const rows = await sql.query(
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
  for (const r of rows) if (r.moved) changes.updatedMessages.push(r.id);
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
  for (const s of statuses) outcomes[s.item]!.updated++;
}

async function applyWatermarks(sql: Sql, marks: Located<WatermarkEvent>[], outcomes: IngestOutcome[], changes: Changes) {
  if (!marks.length) return;
  const rows = await sql.query(
    `update messages m set status = w.status, updated_at = now()
     from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) w(channel_id, contact, status, up_to)
     join prospects p on p.channel_id = w.channel_id and p.external_id = w.contact
     join conversations c on c.prospect_id = p.id
     where m.conversation_id = c.id and m.direction = 'out' and m.timestamp <= w.up_to
       and message_status_rank(w.status) > message_status_rank(m.status)
     returning m.id`,
    [marks.map((w) => w.channel.id), marks.map((w) => w.event.contactExternalId), marks.map((w) => w.event.status), marks.map((w) => new Date(w.event.upTo))],
  );
  changes.updatedMessages.push(...rows.map((r) => r.id));
  for (const w of marks) outcomes[w.item]!.updated++;
}

async function applyReactions(sql: Sql, reactions: Located<ReactionEvent>[], outcomes: IngestOutcome[], changes: Changes) {
  if (!reactions.length) return;
  // Per message, each contact's last reaction of the batch wins; an empty emoji removes theirs.
  const targets = new Map<string, { channelId: string; externalId: string; emoji: Map<string, string> }>();
  for (const r of reactions) {
    const k = key(r.channel.id, r.event.targetExternalId);
    const t = targets.get(k) ?? { channelId: r.channel.id, externalId: r.event.targetExternalId, emoji: new Map() };
    targets.set(k, t);
    t.emoji.set(r.event.contact.externalId, r.event.emoji);
  }
  const list = [...targets.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, t]) => t);
  const reactionsOf = metadataObject(`${metadataObject('m.metadata')}->'reactions'`);
  const rows = await sql.query(
    `update messages m set updated_at = now(),
       metadata = jsonb_set(${metadataObject('m.metadata')}, '{reactions}', (${reactionsOf} - array(select jsonb_array_elements_text(r.removed))) || r.added)
     from unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[]) r(channel_id, external_id, added, removed)
     where m.channel_id = r.channel_id and m.external_id = r.external_id
     returning m.id, m.channel_id, m.external_id`,
    [
      list.map((t) => t.channelId), list.map((t) => t.externalId),
      list.map((t) => JSON.stringify(Object.fromEntries([...t.emoji].filter(([, e]) => e !== '')))),
      list.map((t) => JSON.stringify([...t.emoji].filter(([, e]) => e === '').map(([c]) => c))),
    ],
  );
  const found = new Set(rows.map((r) => key(r.channel_id, r.external_id)));
  changes.updatedMessages.push(...rows.map((r) => r.id as string));
  for (const r of reactions) {
    if (found.has(key(r.channel.id, r.event.targetExternalId))) outcomes[r.item]!.updated++;
    else {
      outcomes[r.item]!.unsupported++;
      outcomes[r.item]!.notes.push(`reaction to unknown message ${r.event.targetExternalId}`);
    }
  }
}

async function applyEdits(sql: Sql, edits: Located<EditEvent>[], outcomes: IngestOutcome[], changes: Changes) {
  if (!edits.length) return;
  // Several edits of one message in a batch: the last one is its text.
  const last = new Map<string, Located<EditEvent>>();
  for (const e of edits) last.set(key(e.channel.id, e.event.externalId), e);
  const list = [...last.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, e]) => e);
  const rows = await sql.query(
    `update messages m set content = u.content, updated_at = now(),
       metadata = ${metadataObject('m.metadata')} || case when u.deleted
         then jsonb_build_object('deleted', true, 'deletedAt', u.edited_at)
         else jsonb_build_object('edited', true, 'editedAt', u.edited_at) end
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[]) u(channel_id, external_id, content, edited_at, deleted)
     where m.channel_id = u.channel_id and m.external_id = u.external_id
     returning m.id, m.channel_id, m.external_id`,
    [list.map((e) => e.channel.id), list.map((e) => e.event.externalId), list.map((e) => e.event.content), list.map((e) => new Date(e.event.timestamp).toISOString()), list.map((e) => !!e.event.deleted)],
  );
  const found = new Set(rows.map((r) => key(r.channel_id, r.external_id)));
  changes.updatedMessages.push(...rows.map((r) => r.id as string));
  for (const e of edits) {
    if (found.has(key(e.channel.id, e.event.externalId))) outcomes[e.item]!.updated++;
    else {
      outcomes[e.item]!.unsupported++;
      outcomes[e.item]!.notes.push(`edit of unknown message ${e.event.externalId}`);
    }
  }
}
