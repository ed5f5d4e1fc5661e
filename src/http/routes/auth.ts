import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Deps } from '../../context.js';
import { User } from '../../domain/user.entity.js';
import { Invite } from '../../domain/invite.entity.js';
import { audit } from '../../domain/audit.js';
import { endSessions, hashInviteToken, invalidateTokens, issueToken } from '../../domain/accounts.js';
import { DUMMY_HASH, hashPassword, hashWork, verifyPassword } from '../../security/password.js';
import { NewPassword, assertPasswordAllowed } from '../../security/password-policy.js';
import { AppError, badRequest, conflict, unauthorized } from '../../errors.js';
import { auditActor, router } from '../env.js';
import { userView } from '../views.js';
import { returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

const Login = z
  .object({
    email: z.email(),
    password: z.string().min(1).max(1024),
    /** Needed only when the same email and password open accounts in several organizations. */
    organizationId: z.uuid().optional(),
  })
  .openapi('LoginRequest');
const ChangePassword = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: NewPassword }).openapi('ChangePassword');
const InviteToken = z.object({ token: z.string().min(1).max(200) });
const AcceptInvite = InviteToken.extend({ password: NewPassword, name: z.string().trim().min(1).max(120).optional() }).openapi('AcceptInvite');
const json = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

/** One email may have accounts in a few organizations; more are not tried at sign-in. */
const MAX_ACCOUNTS_PER_EMAIL = 10;
const WRONG = 'Wrong email or password';
const BAD_INVITE = 'This invitation link is invalid, was used already or has expired';

/** Before sign-in: the only /api routes that answer without a token. */
export function authRoutes(deps: Deps) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['auth'],
      request: json(Login),
      responses: {
        ...returns(200, 'A bearer token and the user', wire.Session),
        401: { description: 'Wrong email or password' },
        409: { description: 'organization_required: the email and password open accounts in several organizations (listed in error.organizations); send organizationId' },
        429: { description: 'Too many attempts for this account or from this address (Retry-After)' },
      },
    }),
    async (c) => {
      const { email: rawEmail, password, organizationId } = c.req.valid('json');
      const email = rawEmail.toLowerCase();
      // Under a flood, refused before any Redis or database work too.
      hashWork.refuseWhenFull();
      // Counted before any hashing: a burst of guesses costs no scrypt work past the limit.
      await deps.loginThrottle.attempt(email, c.var.address);
      const accounts = await c.var.em.find(
        User,
        { email, disabled: false, ...(organizationId ? { organization: organizationId } : {}) },
        { populate: ['organization'], orderBy: { createdAt: 'asc' }, limit: MAX_ACCOUNTS_PER_EMAIL },
      );
      // Hash something either way so timing does not tell which emails exist. (An email with
      // accounts in several organizations takes one hash per account: timing can tell that it
      // has several, never whether it has one.)
      if (!accounts.length) await verifyPassword(password, DUMMY_HASH);
      const matches: User[] = [];
      for (const user of accounts) if (await verifyPassword(password, user.passwordHash)) matches.push(user);
      if (!matches.length) throw unauthorized(WRONG);
      await deps.loginThrottle.succeeded(email);
      if (matches.length > 1) {
        // Only someone who knows the password of every one of these accounts learns of them.
        throw new AppError(409, 'organization_required', 'Choose the organization to sign in to', {
          details: { organizations: matches.map((u) => ({ id: u.organization.id, name: u.organization.name })) },
        });
      }
      const user = matches[0]!;
      return c.json({ token: await issueToken(deps, user), user: userView(user) }, 200);
    },
  );

  const findInvite = async (c: { var: { em: EntityManager } }, token: string) => {
    const invite = await c.var.em.findOne(Invite, { tokenHash: hashInviteToken(token) }, { populate: ['organization'] });
    if (!invite || invite.acceptedAt || invite.revokedAt || invite.expiresAt.getTime() <= Date.now()) throw new AppError(404, 'invite_invalid', BAD_INVITE);
    return invite;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/invites/lookup',
      tags: ['auth'],
      request: json(InviteToken.openapi('InviteLookup')),
      responses: { 200: { description: 'Who the invitation is for' }, 404: { description: 'Unknown, used, revoked or expired' } },
    }),
    async (c) => {
      const invite = await findInvite(c, c.req.valid('json').token);
      return c.json({ email: invite.email, name: invite.name ?? undefined, role: invite.role, organizationName: invite.organization.name, expiresAt: invite.expiresAt.toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/invites/accept',
      tags: ['auth'],
      request: json(AcceptInvite),
      responses: { 201: { description: 'The new account: a bearer token and the user' }, 404: { description: 'Unknown, used, revoked or expired' }, 409: { description: 'The email has an account already' } },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const em = c.var.em;
      const invite = await findInvite(c, input.token);
      assertPasswordAllowed(input.password, invite.email);
      if (await em.count(User, { organization: invite.organization.id, email: invite.email })) {
        throw conflict('email_taken', 'This email has an account in the organization already; sign in instead');
      }
      const passwordHash = await hashPassword(input.password);
      invite.acceptedAt = new Date();
      const user = em.create(User, {
        id: randomUUID(),
        organization: invite.organization,
        email: invite.email,
        name: input.name ?? invite.name ?? invite.email.split('@')[0]!,
        role: invite.role,
        passwordHash,
      } as any);
      audit(em, { userId: user.id, orgId: invite.organization.id, email: user.email, address: c.var.address }, { action: 'invite.accept', targetType: 'invite', targetId: invite.id, details: { email: user.email, role: user.role } });
      // One flush: the invite is used up and the user exists, or neither (a racing second accept hits the unique email).
      await em.flush();
      return c.json({ token: await issueToken(deps, user), user: userView(user) }, 201);
    },
  );
  return app;
}

/** The signed-in user's own account. */
export function meRoutes(deps: Deps) {
  const app = router();
  app.openapi(
    createRoute({ method: 'get', path: '/me', tags: ['auth'], security: [{ bearer: [] }], responses: returns(200, 'The signed-in user', wire.User) }),
    (c) => c.json(userView(c.var.actor.user), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/me/password',
      tags: ['auth'],
      security: [{ bearer: [] }],
      request: json(ChangePassword),
      responses: { ...returns(200, 'A new token (every older token of this user stops working) and the user', wire.Session), 400: { description: 'Wrong current password or a weak new one' } },
    }),
    async (c) => {
      const { currentPassword, newPassword } = c.req.valid('json');
      const user = c.var.actor.user;
      await deps.loginThrottle.attempt(`user:${user.id}`, c.var.address);
      if (!(await verifyPassword(currentPassword, user.passwordHash))) throw badRequest('The current password is not right', 'wrong_password');
      await deps.loginThrottle.succeeded(`user:${user.id}`);
      assertPasswordAllowed(newPassword, user.email);
      if (newPassword === currentPassword) throw badRequest('The new password is the same as the current one', 'weak_password');
      user.passwordHash = await hashPassword(newPassword);
      invalidateTokens(user);
      audit(c.var.em, auditActor(c), { action: 'user.password_change', targetType: 'user', targetId: user.id, details: { self: true } });
      await c.var.em.flush();
      await endSessions(deps, user.id);
      return c.json({ token: await issueToken(deps, user), user: userView(user) }, 200);
    },
  );
  return app;
}
