/**
 * Messenger and Instagram webhook payloads (the Messenger Platform `messaging[]` shape)
 * to normalized events.
 * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
 * https://developers.facebook.com/docs/instagram-platform/webhooks/examples
 */
import type {
  Contact,
  InboundAttachment,
  MessageEvent,
  MessageType,
  NormalizedEvent,
  RawInbound,
  StatusEvent,
} from '../types.js';
import { compact, epochMs, list, metadataOf, readBody, str, unsupported, type Json } from './payload.js';

const OBJECTS = new Set(['page', 'instagram']);
const ENVELOPE_KEYS = new Set(['sender', 'recipient', 'timestamp']);

interface EventContext {
  object: string;
  receivedAt: number;
  /** Metadata every event of this batch carries (standby, dashboard test). */
  flags: Json;
}

type EventParser = (ev: Json, ctx: EventContext) => NormalizedEvent[];

export function parseMessaging(raw: RawInbound): NormalizedEvent[] {
  const body = readBody(raw);
  const object = str(body?.object) ?? 'none';
  if (!body || !OBJECTS.has(object)) return [unsupported(`not a Messenger or Instagram payload (object: ${object})`)];
  const events = list(body.entry).flatMap((entry) => {
    const withFlags = (flags: Json): EventContext => ({ object, receivedAt: raw.receivedAt, flags });
    const found = [
      ...list(entry.messaging).flatMap((ev) => parseEvent(ev, withFlags({}))),
      // Events for a conversation another app controls (handover protocol).
      ...list(entry.standby).flatMap((ev) => parseEvent(ev, withFlags({ standby: true }))),
      // The dashboard's "Test" button sends a messaging event wrapped as a change.
      ...list(entry.changes).flatMap((change) =>
        change.field === 'messages' && change.value && typeof change.value === 'object'
          ? parseEvent(change.value, withFlags({ test: true }))
          : [unsupported(`${object} webhook field "${str(change.field) ?? 'none'}" is not handled`)],
      ),
    ];
    return found.length ? found : [unsupported(`${object} entry ${str(entry.id) ?? '?'} without messaging events`)];
  });
  return events.length ? events : [unsupported(`${object} payload without entries`)];
}

function parseEvent(ev: Json, ctx: EventContext): NormalizedEvent[] {
  const key = Object.keys(EVENT_PARSERS).find((k) => ev[k] && typeof ev[k] === 'object');
  if (key) return EVENT_PARSERS[key](ev, ctx);
  const keys = Object.keys(ev).filter((k) => !ENVELOPE_KEYS.has(k));
  return [unsupported(`${ctx.object} event "${keys.join(', ') || 'empty'}" is not handled`)];
}

const scoped = (id: string): Contact => ({ externalId: id, identifier: id, identifierType: 'social' });

/** How one attachment shows up: the message type it gives and what to keep of it. */
interface AttachmentView {
  messageType: MessageType;
  attachment?: InboundAttachment;
  metadata?: Json;
  label?: string;
}

function fetchable(kind: 'image' | 'video' | 'audio' | 'file', flag?: string) {
  return (a: Json): AttachmentView => {
    const url = str(a.payload?.url);
    // Messenger sends stickers (the thumbs-up too) as images carrying a sticker_id.
    const sticker = kind === 'image' && a.payload?.sticker_id !== undefined;
    return {
      messageType: kind,
      attachment: url ? { kind: sticker ? 'sticker' : kind, source: url } : undefined,
      metadata: compact({ ...(flag ? { [flag]: true } : {}), sticker: sticker || undefined, missingUrl: url ? undefined : true }),
    };
  };
}

const ATTACHMENTS: Record<string, (a: Json) => AttachmentView> = {
  image: fetchable('image'),
  video: fetchable('video'),
  audio: fetchable('audio'),
  file: fetchable('file'),
  ig_reel: fetchable('video', 'reel'),
  reel: fetchable('video', 'reel'),
  // Instagram: the user mentioned the account in their story; the URL is the story media.
  story_mention: fetchable('image', 'storyMention'),
  // Instagram: a shared post; the URL is the post's media.
  share: fetchable('image', 'share'),
  location: (a) => {
    const c: Json = a.payload?.coordinates ?? {};
    const title = str(a.title) ?? str(a.payload?.title);
    return {
      messageType: 'location',
      metadata: compact({ latitude: c.lat, longitude: c.long, name: title }),
      label: title ?? `${c.lat},${c.long}`,
    };
  },
  // A link the user shared (Messenger renders it as a card).
  fallback: (a) => {
    const link = compact({ url: str(a.url) ?? str(a.payload?.url), title: str(a.title) ?? str(a.payload?.title) });
    return { messageType: 'text', metadata: { link }, label: link.title ?? link.url };
  },
  template: (a) => ({ messageType: 'text', metadata: { template: a.payload } }),
};

function viewOf(a: Json): AttachmentView {
  const type = str(a.type) ?? 'none';
  if (Object.hasOwn(ATTACHMENTS, type)) return ATTACHMENTS[type](a);
  const url = str(a.payload?.url);
  return url
    ? { messageType: 'file', attachment: { kind: 'file', source: url }, metadata: { attachmentType: type } }
    : { messageType: 'text', metadata: { unhandledAttachment: type } };
}

function parseMessage(ev: Json, ctx: EventContext): NormalizedEvent[] {
  const m: Json = ev.message;
  const mid = str(m.mid);
  if (m.is_deleted === true) {
    return mid ? [compact({ type: 'delete' as const, externalId: mid, timestamp: epochMs(ev.timestamp, ctx.receivedAt), contactExternalId: str(ev.sender?.id) })] : [unsupported(`${ctx.object}: a deleted message without its id`)];
  }
  if (m.is_unsupported === true) return [unsupported(`${ctx.object} message ${mid ?? '?'} is of a type the API does not expose`)];
  const echo = m.is_echo === true;
  const user = str(echo ? ev.recipient?.id : ev.sender?.id);
  if (!mid || !user) return [unsupported(`${ctx.object} message without mid or user id`)];

  const views = list(m.attachments).map(viewOf);
  const text = str(m.text);
  const attachments = views.flatMap((v) => (v.attachment ? [v.attachment] : []));
  if (text === undefined && !views.length) return [unsupported(`${ctx.object} message ${mid} has neither text nor attachments`)];

  const metadata = metadataOf({
    ...ctx.flags,
    ...Object.assign({}, ...views.map((v) => v.metadata ?? {})),
    replyTo: str(m.reply_to?.mid),
    storyReply: m.reply_to?.story ? compact({ id: str(m.reply_to.story.id), url: str(m.reply_to.story.url) }) : undefined,
    quickReply: str(m.quick_reply?.payload),
    appId: echo ? str(m.app_id) : undefined,
  });
  const event: MessageEvent = compact({
    type: 'message' as const,
    externalId: mid,
    direction: echo ? ('out' as const) : ('in' as const),
    contact: scoped(user),
    timestamp: epochMs(ev.timestamp, ctx.receivedAt),
    messageType: views.find((v) => v.messageType !== 'text')?.messageType ?? 'text',
    content: text ?? views.find((v) => v.label)?.label ?? '',
    metadata,
    attachments: attachments.length ? attachments : undefined,
  });
  return [event];
}

const EVENT_PARSERS: Record<string, EventParser> = {
  message: parseMessage,
  delivery: (ev, ctx) => {
    const d: Json = ev.delivery;
    const sender = str(ev.sender?.id);
    const at = epochMs(ev.timestamp ?? d.watermark, ctx.receivedAt);
    const statuses = (Array.isArray(d.mids) ? d.mids : [])
      .map(str)
      .filter((mid: string | undefined): mid is string => !!mid)
      .map((mid: string): StatusEvent => compact({ type: 'status' as const, externalId: mid, status: 'delivered' as const, timestamp: at, contactExternalId: sender }));
    const watermark: NormalizedEvent[] =
      sender && d.watermark !== undefined
        ? [{ type: 'watermark', contactExternalId: sender, status: 'delivered', upTo: epochMs(d.watermark, at) }]
        : [];
    const out = [...statuses, ...watermark];
    return out.length ? out : [unsupported(`${ctx.object} delivery without mids or watermark`)];
  },
  read: (ev, ctx) => {
    const r: Json = ev.read;
    const at = epochMs(ev.timestamp, ctx.receivedAt);
    const sender = str(ev.sender?.id);
    const out: NormalizedEvent[] = [];
    // Instagram reports the message read by id; Messenger by watermark.
    const mid = str(r.mid);
    if (mid) out.push(compact({ type: 'status' as const, externalId: mid, status: 'read' as const, timestamp: at, contactExternalId: sender }));
    if (sender && r.watermark !== undefined) {
      out.push({ type: 'watermark', contactExternalId: sender, status: 'read', upTo: epochMs(r.watermark, at) });
    }
    return out.length ? out : [unsupported(`${ctx.object} read without mid or watermark`)];
  },
  postback: (ev, ctx) => {
    const p: Json = ev.postback;
    const sender = str(ev.sender?.id);
    if (!sender) return [unsupported(`${ctx.object} postback without sender`)];
    const timestamp = epochMs(ev.timestamp, ctx.receivedAt);
    const title = str(p.title) ?? '';
    return [
      compact({
        type: 'message' as const,
        externalId: str(p.mid) || `postback:${sender}:${timestamp}`,
        direction: 'in' as const,
        contact: scoped(sender),
        timestamp,
        messageType: 'text' as const,
        content: title,
        metadata: metadataOf({ ...ctx.flags, postback: str(p.payload) ?? p.payload, referral: p.referral }),
      }),
    ];
  },
  reaction: (ev, ctx) => {
    const r: Json = ev.reaction;
    const sender = str(ev.sender?.id);
    const mid = str(r.mid);
    if (!sender || !mid) return [unsupported(`${ctx.object} reaction without sender or mid`)];
    const emoji = r.action === 'unreact' ? '' : (str(r.emoji) ?? '');
    return [{ type: 'reaction', targetExternalId: mid, contact: scoped(sender), emoji, timestamp: epochMs(ev.timestamp, ctx.receivedAt) }];
  },
  message_edit: (ev, ctx) => {
    const e: Json = ev.message_edit;
    const mid = str(e.mid);
    if (!mid) return [unsupported(`${ctx.object} message_edit without mid`)];
    return [compact({ type: 'edit' as const, externalId: mid, content: str(e.text) ?? '', timestamp: epochMs(ev.timestamp, ctx.receivedAt), contactExternalId: str(ev.sender?.id) })];
  },
};
