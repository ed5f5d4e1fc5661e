import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { CHANNEL_KINDS, connectorFor } from '../../connectors/registry.js';
import type { ChannelKind } from '../../connectors/types.js';
import type { SecretBox } from '../security/crypto.js';
import { embedSnippetFor, websiteTokenFor } from '../security/website-token.js';
import { badRequest } from '../errors.js';
import { Channel } from './channel.entity.js';
import { findOwned } from './owned.js';
import type * as wire from '../../contract/wire.js';

export const MASK = '********';

export function webhookUrlFor(publicUrl: string, channelId: string): string {
  return `${publicUrl}/webhooks/${channelId}`;
}

export function openCredentials<C = Record<string, unknown>>(box: SecretBox, channel: Channel): C {
  return box.openJson<C>(channel.credentials);
}

/** Validates credentials for a kind; zod's messages name the field. */
function validateCredentials(kind: ChannelKind, input: unknown): Record<string, unknown> {
  const parsed = connectorFor(kind).credentials.safeParse(input ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'credentials'}: ${i.message}`).join('; ');
    throw badRequest(`Invalid ${kind} credentials: ${detail}`, 'invalid_credentials');
  }
  return parsed.data as Record<string, unknown>;
}

/** Secrets replaced by a mask; other fields (ids, hosts, the verify token to paste) as they are. */
export function maskCredentials(kind: ChannelKind, creds: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set(connectorFor(kind).secretFields);
  return Object.fromEntries(Object.entries(creds).map(([k, v]) => [k, secret.has(k) && v ? MASK : v]));
}

export function channelView(channel: Channel, box: SecretBox, publicUrl: string) {
  const kind = channel.kind as ChannelKind;
  const connector = connectorFor(kind);
  return {
    id: channel.id,
    kind,
    platform: channel.platform as wire.Platform,
    name: channel.name,
    status: channel.status,
    statusReason: channel.statusReason ?? undefined,
    pairing: channel.status === 'pairing' ? channel.pairing ?? undefined : undefined,
    webhookUrl: connector.webhook ? webhookUrlFor(publicUrl, channel.id) : undefined,
    credentials: maskCredentials(kind, openCredentials(box, channel)),
    botEnabledDefault: channel.botEnabledDefault,
    bestEffort: kind === 'whatsapp_web' || undefined,
    ...(kind === 'web_chat' ? websiteFields(box, publicUrl, channel.id) : {}),
    createdAt: channel.createdAt.toISOString(),
    updatedAt: channel.updatedAt.toISOString(),
  } satisfies wire.Channel;
}

function websiteFields(box: SecretBox, publicUrl: string, channelId: string) {
  const websiteToken = websiteTokenFor(box, channelId);
  return { websiteToken, embedSnippet: embedSnippetFor(publicUrl, websiteToken) };
}

export const ChannelCreateInput = z.object({
  kind: z.enum(CHANNEL_KINDS),
  name: z.string().trim().min(1).max(120),
  credentials: z.record(z.string(), z.unknown()).default({}),
  botEnabledDefault: z.boolean().optional(),
});
export const ChannelUpdateInput = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  credentials: z.record(z.string(), z.unknown()).optional(),
  botEnabledDefault: z.boolean().optional(),
  status: z.enum(['active', 'disabled']).optional(),
});

export async function createChannel(em: EntityManager, box: SecretBox, orgId: string, input: z.infer<typeof ChannelCreateInput>) {
  const creds = validateCredentials(input.kind, input.credentials);
  const connector = connectorFor(input.kind);
  // A kind whose connector can neither receive nor send yet is kept, but says so.
  const usable = connector.webhook || connector.pull || connector.send;
  // A session-run kind (WhatsApp Web) shows `connecting` until a worker starts it.
  const initial = !usable ? { status: 'disabled', statusReason: `${input.kind} is not available in this version of the hub yet` }
    : input.kind === 'whatsapp_web' ? { status: 'connecting', statusReason: 'Waiting for a worker to start the session' } : {};
  const channel = em.create(Channel, {
    ...initial,
    organization: orgId,
    kind: input.kind,
    platform: connectorFor(input.kind).platform,
    name: input.name,
    credentials: box.sealJson(creds),
    botEnabledDefault: input.botEnabledDefault ?? false,
  } as any);
  await em.flush();
  return channel;
}

export const findChannel = (em: EntityManager, orgId: string, id: string): Promise<Channel> => findOwned(em, Channel, orgId, id, 'Channel');

/** Secrets left out, or sent back masked, keep their stored value: they are write-only. */
export async function updateChannel(em: EntityManager, box: SecretBox, channel: Channel, input: z.infer<typeof ChannelUpdateInput>) {
  if (input.credentials) {
    const current = openCredentials<Record<string, unknown>>(box, channel);
    const incoming = Object.fromEntries(Object.entries(input.credentials).filter(([, v]) => v !== MASK));
    const creds = validateCredentials(channel.kind as ChannelKind, { ...current, ...incoming });
    channel.credentials = box.sealJson(creds);
    if (channel.status === 'needs_auth') {
      channel.status = 'active';
      channel.statusReason = null;
    }
  }
  if (input.name !== undefined) channel.name = input.name;
  if (input.botEnabledDefault !== undefined) channel.botEnabledDefault = input.botEnabledDefault;
  if (input.status !== undefined) channel.status = input.status;
  await em.flush();
  return channel;
}
