import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { Invite } from '../../domain/invite.entity.js';
import { User } from '../../domain/user.entity.js';
import { audit } from '../../domain/audit.js';
import { newInviteToken } from '../../domain/accounts.js';
import { assertCanAddUser } from '../../security/policy.js';
import { conflict } from '../../errors.js';
import { findOwned } from '../../domain/owned.js';
import { auditActor, router } from '../env.js';
import { IdParam, bearer, jsonBody } from '../openapi.js';

const CreateInvite = z
  .object({ email: z.email(), name: z.string().trim().min(1).max(120).optional(), role: z.enum(['admin', 'agent']).default('agent') })
  .openapi('CreateInvite');

const inviteView = (i: Invite) => ({
  id: i.id,
  email: i.email,
  name: i.name ?? undefined,
  role: i.role,
  status: i.expiresAt.getTime() <= Date.now() ? 'expired' : 'pending',
  invitedBy: i.invitedBy ? (typeof i.invitedBy === 'object' ? i.invitedBy.id : i.invitedBy) : undefined,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
});

/**
 * Invitations (admins): a one-time link for someone to set their own password. The token is
 * in the answer to the creation only; the hub keeps its hash. A new invite for the same
 * email replaces the pending one.
 */
export function inviteRoutes(deps: Deps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/invites',
      tags: ['users'],
      security: bearer,
      request: { body: { content: { 'application/json': { schema: CreateInvite } }, required: true } },
      responses: { 201: { description: 'The invite with its link and token (shown this once)' }, 409: { description: 'The email has an account already' } },
    }),
    async (c) => {
      const input = c.req.valid('json');
      assertCanAddUser(c.var.actor, input.role);
      const em = c.var.em;
      const orgId = c.var.actor.orgId;
      const email = input.email.toLowerCase();
      if (await em.count(User, { organization: orgId, email })) throw conflict('email_taken', 'A user with this email already exists');
      const { token, hash } = newInviteToken();
      // The pending invite for this email (if any) is replaced, in the same transaction.
      const invite = await em.transactional(async (tx) => {
        await tx.nativeUpdate(Invite, { organization: orgId, email, acceptedAt: null, revokedAt: null }, { revokedAt: new Date() });
        const invite = tx.create(Invite, {
          id: randomUUID(),
          organization: orgId,
          email,
          name: input.name ?? null,
          role: input.role,
          tokenHash: hash,
          expiresAt: new Date(Date.now() + deps.config.inviteTtlHours * 3600_000),
          invitedBy: c.var.actor.userId,
        } as any);
        audit(tx, auditActor(c), { action: 'invite.create', targetType: 'invite', targetId: invite.id, details: { email, role: input.role } });
        return invite;
      });
      // The token travels in the fragment: it never reaches a server log or a Referer.
      return c.json({ ...inviteView(invite), token, url: `${deps.publicUrl}/invite#token=${token}` }, 201);
    },
  );

  app.openapi(createRoute({ method: 'get', path: '/invites', tags: ['users'], security: bearer, responses: { 200: { description: 'Invites not yet accepted or revoked (pending or expired), newest first' } } }), async (c) => {
    const invites = await c.var.em.find(Invite, { organization: c.var.actor.orgId, acceptedAt: null, revokedAt: null }, { orderBy: { createdAt: 'desc' } });
    return c.json(invites.map(inviteView), 200);
  });

  app.openapi(
    createRoute({ method: 'delete', path: '/invites/{id}', tags: ['users'], security: bearer, request: { params: IdParam }, responses: { 204: { description: 'Revoked: the link no longer works' } } }),
    async (c) => {
      const invite = await findOwned(c.var.em, Invite, c.var.actor.orgId, c.req.valid('param').id, 'Invite', { acceptedAt: null, revokedAt: null });
      invite.revokedAt = new Date();
      audit(c.var.em, auditActor(c), { action: 'invite.revoke', targetType: 'invite', targetId: invite.id, details: { email: invite.email } });
      await c.var.em.flush();
      return c.body(null, 204);
    },
  );
  return app;
}
