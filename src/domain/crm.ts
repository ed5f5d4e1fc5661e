import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { Deps } from '../context.js';
import { containing, withSql } from '../db/sql.js';
import { prospectPage } from '../db/prospects.js';
import { linkConversationsToClient } from '../db/conversations.js';
import { acceptedQuoteTotals } from '../db/quotes.js';
import { conflict } from '../errors.js';
import { Client } from './client.entity.js';
import { Note } from './note.entity.js';
import { Prospect } from './prospect.entity.js';
import { Quote } from './quote.entity.js';
import type { Actor } from './conversations.js';
import { listConversations } from './conversations.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { findOwned, owned } from './owned.js';
import { loadProspects } from './read-models.js';
import type * as wire from '../../contract/wire.js';

const iso = (d: Date) => d.toISOString();

export const ClientFields = z.object({
  firstName: z.string().trim().min(1).max(120),
  lastName: z.string().trim().max(120).default(''),
  email: z.union([z.email(), z.literal('')]).default(''),
  phone: z.string().trim().max(40).default(''),
  company: z.string().trim().max(200).nullish(),
  status: z.enum(['active', 'inactive']).optional(),
  tags: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
});
export const ClientPatch = ClientFields.partial();
export const NoteInput = z.object({ content: z.string().trim().min(1).max(10_000) });
export const QuoteInput = z.object({
  title: z.string().trim().min(1).max(200),
  amount: z.coerce.number().nonnegative().max(1e12),
  currency: z.string().trim().length(3).transform((s) => s.toUpperCase()),
  status: z.enum(['draft', 'sent', 'accepted', 'rejected']).default('draft'),
});
export const QuotePatch = QuoteInput.partial();

export const noteView = (n: Note) => ({
  id: n.id,
  clientId: n.client.id,
  content: n.content,
  author: n.author ? { id: n.author.id, name: (n.author as any).name ?? undefined } : undefined,
  createdAt: iso(n.createdAt),
}) satisfies wire.Note;
export const quoteView = (q: Quote) => ({
  id: q.id, clientId: q.client.id, title: q.title, amount: Number(q.amount), currency: q.currency, status: q.status,
  createdAt: iso(q.createdAt), updatedAt: iso(q.updatedAt),
}) satisfies wire.Quote;
export const clientView = (c: Client) => ({
  id: c.id, firstName: c.firstName, lastName: c.lastName, email: c.email, phone: c.phone, company: c.company ?? undefined,
  status: c.status, tags: c.tags, totalValue: c.totalValue == null ? null : Number(c.totalValue),
  totals: c.quoteTotals ?? [], createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt),
}) satisfies wire.ClientSummary;

/** A new client's totals: nothing accepted yet. */
const NO_QUOTES = { totalValue: 0, quoteTotals: [] };

const findClient = (em: EntityManager, actor: Actor, id: string) => findOwned(em, Client, actor.orgId, id, 'Client');
const findProspect = (em: EntityManager, actor: Actor, id: string) => findOwned(em, Prospect, actor.orgId, id, 'Prospect');

/** A client with everything its panel shows: notes, quotes and every linked conversation. */
export async function getClient(deps: Deps, actor: Actor, id: string) {
  const em = deps.orm.em.fork();
  const client = await findClient(em, actor, id);
  const [notes, quotes, conversations] = await Promise.all([
    em.find(Note, { client }, { orderBy: { createdAt: 'desc' }, populate: ['author'] }),
    em.find(Quote, { client }, { orderBy: { createdAt: 'desc' } }),
    listConversations(deps, actor, { clientId: client.id, limit: 100 }),
  ]);
  return { ...clientView(client), notes: notes.map(noteView), quotes: quotes.map(quoteView), conversations: conversations.items };
}

export async function listClients(deps: Deps, actor: Actor, q: { search?: string; cursor?: string; limit?: number }) {
  const limit = q.limit ?? 30;
  const where: Record<string, unknown> = { organization: actor.orgId };
  if (q.search) {
    const like = containing(q.search);
    where.$or = [{ firstName: { $ilike: like } }, { lastName: { $ilike: like } }, { email: { $ilike: like } }, { phone: { $ilike: like } }, { company: { $ilike: like } }];
  }
  const cursor = decodeCursor(q.cursor);
  if (cursor) where.$and = [{ $or: [{ createdAt: { $lt: cursor[0] } }, { createdAt: cursor[0], id: { $lt: cursor[1] } }] }];
  const rows = await deps.orm.em.fork().find(Client, where as any, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 });
  const items = rows.slice(0, limit).map(clientView);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : undefined };
}

export async function listProspects(deps: Deps, actor: Actor, q: { search?: string; cursor?: string; limit?: number }) {
  const limit = q.limit ?? 30;
  const after = decodeCursor(q.cursor);
  return withSql(deps.orm, async (sql) => {
    const ids = await prospectPage(sql, actor.orgId, { search: q.search, after, limit: limit + 1 });
    const byId = new Map((await loadProspects(sql, ids)).map((p) => [p.id, p]));
    const items = ids.slice(0, limit).map((id) => byId.get(id)!);
    const last = items.at(-1);
    return { items, nextCursor: ids.length > limit && last ? encodeCursor([last.createdAt, last.id]) : undefined };
  });
}

export async function createClient(deps: Deps, actor: Actor, input: z.infer<typeof ClientFields>) {
  const em = deps.orm.em.fork();
  const client = em.create(Client, { ...input, organization: actor.orgId, ...NO_QUOTES } as any);
  await em.flush();
  return clientView(client);
}

export async function updateClient(deps: Deps, actor: Actor, id: string, patch: z.infer<typeof ClientPatch>) {
  const em = deps.orm.em.fork();
  const client = await findClient(em, actor, id);
  em.assign(client, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
  await em.flush();
  return clientView(client);
}

/** Links a prospect and its conversations to a client, inside the caller's transaction. */
async function attach(em: EntityManager, prospect: Prospect, client: Client): Promise<string[]> {
  prospect.client = client;
  await em.flush();
  return linkConversationsToClient(em, prospect.id, client.id);
}

/** After commit: the agents see the prospect as a client and its conversations as converted. */
async function announce(deps: Deps, prospectId: string, conversationIds: string[]) {
  await deps.live.publish({ newProspects: [prospectId], conversations: conversationIds });
  const [view] = await withSql(deps.orm, (sql) => loadProspects(sql, [prospectId]));
  return view!;
}

/** Turns a prospect into a client, prefilled from what the channel knows; converting twice is a conflict. */
export async function convertProspect(deps: Deps, actor: Actor, prospectId: string, fields: z.infer<typeof ClientFields>) {
  const { client, conversations } = await deps.orm.em.fork().transactional(async (tx) => {
    const prospect = await findProspect(tx, actor, prospectId);
    await tx.lock(prospect, LockMode.PESSIMISTIC_WRITE);
    if (prospect.client) throw conflict('already_converted', 'This prospect is already a client');
    const client = tx.create(Client, { ...fields, organization: actor.orgId, ...NO_QUOTES } as any);
    await tx.flush();
    return { client: clientView(client), conversations: await attach(tx, prospect, client) };
  });
  return { client, prospect: await announce(deps, prospectId, conversations) };
}

/** The same person on another channel: link the prospect to an existing client. */
export async function linkProspect(deps: Deps, actor: Actor, prospectId: string, clientId: string) {
  const { client, conversations } = await deps.orm.em.fork().transactional(async (tx) => {
    const prospect = await findProspect(tx, actor, prospectId);
    const client = await findClient(tx, actor, clientId);
    if (prospect.client && prospect.client.id !== client.id) throw conflict('already_converted', 'This prospect is linked to another client');
    return { client: clientView(client), conversations: await attach(tx, prospect, client) };
  });
  return { client, prospect: await announce(deps, prospectId, conversations) };
}

export async function addNote(deps: Deps, actor: Actor, clientId: string, input: z.infer<typeof NoteInput>) {
  const em = deps.orm.em.fork();
  const client = await findClient(em, actor, clientId);
  const note = em.create(Note, { organization: actor.orgId, client, author: actor.userId, content: input.content } as any);
  await em.flush();
  await em.populate(note, ['author']);
  return noteView(note);
}

export async function deleteNote(deps: Deps, actor: Actor, clientId: string, noteId: string) {
  const em = deps.orm.em.fork();
  const client = await findClient(em, actor, clientId);
  const note = await owned('Note', noteId, (id) => em.findOne(Note, { id, client }));
  await em.remove(note).flush();
}

/** The accepted totals per currency, recomputed in the same transaction as the change; totalValue only when there is one currency. */
async function recomputeTotal(em: EntityManager, client: Client) {
  const totals = await acceptedQuoteTotals(em, client.id);
  client.quoteTotals = totals;
  client.totalValue = totals.length > 1 ? null : (totals[0]?.value ?? 0);
}

export async function addQuote(deps: Deps, actor: Actor, clientId: string, input: z.infer<typeof QuoteInput>) {
  return deps.orm.em.fork().transactional(async (em) => {
    const client = await findClient(em, actor, clientId);
    const quote = em.create(Quote, { organization: actor.orgId, client, ...input } as any);
    await em.flush();
    await recomputeTotal(em, client);
    return { quote: quoteView(quote), client: clientView(client) };
  });
}

export async function updateQuote(deps: Deps, actor: Actor, clientId: string, quoteId: string, patch: z.infer<typeof QuotePatch>) {
  return deps.orm.em.fork().transactional(async (em) => {
    const client = await findClient(em, actor, clientId);
    const quote = await owned('Quote', quoteId, (id) => em.findOne(Quote, { id, client }));
    em.assign(quote, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    await em.flush();
    await recomputeTotal(em, client);
    return { quote: quoteView(quote), client: clientView(client) };
  });
}

