import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AuditEntry } from './audit-entry.entity.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { badRequest } from '../errors.js';

export type AuditActor = { userId: string; orgId: string; email?: string; address?: string };
export type AuditRecord = { action: string; targetType?: string; targetId?: string; details?: Record<string, unknown>; orgId?: string };

/**
 * Adds an audit entry to the unit of work: it is written by the same flush as the change it
 * describes, so there is no change without its entry. `orgId` names another organization
 * than the actor's (the owner creating one).
 */
export function audit(em: EntityManager, actor: AuditActor, r: AuditRecord): void {
  em.create(AuditEntry, {
    organization: r.orgId ?? actor.orgId,
    actorId: actor.userId,
    actorEmail: actor.email ?? null,
    action: r.action,
    targetType: r.targetType ?? null,
    targetId: r.targetId ?? null,
    details: r.details ?? {},
    address: actor.address ?? null,
  } as any);
}

export const AuditPage = z.object({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });

export const auditView = (e: AuditEntry) => ({
  id: e.id,
  at: e.createdAt.toISOString(),
  actorId: e.actorId ?? undefined,
  actorEmail: e.actorEmail ?? undefined,
  action: e.action,
  targetType: e.targetType ?? undefined,
  targetId: e.targetId ?? undefined,
  details: e.details,
  address: e.address ?? undefined,
});

/** An organization's entries, newest first, keyset-paginated on (createdAt, id). */
export async function listAudit(em: EntityManager, orgId: string, q: z.infer<typeof AuditPage>) {
  const cursor = decodeCursor(q.cursor);
  if (q.cursor && (!cursor || cursor.length !== 2 || typeof cursor[0] !== 'string' || Number.isNaN(Date.parse(cursor[0])) || !z.uuid().safeParse(cursor[1]).success)) {
    throw badRequest('Invalid cursor', 'invalid_cursor');
  }
  const where = cursor
    ? { organization: orgId, $or: [{ createdAt: { $lt: new Date(cursor[0]!) } }, { createdAt: new Date(cursor[0]!), id: { $lt: cursor[1] as string } }] }
    : { organization: orgId };
  const rows = await em.find(AuditEntry, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  return { items: items.map(auditView), nextCursor: rows.length > q.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : undefined };
}
