import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from '../context.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuthInfo } from '../security/policy.js';
import { unauthorized } from '../errors.js';
import { User } from './user.entity.js';

/** Older tokens of this user stop working once the change is flushed; then call `endSessions`. */
export function invalidateTokens(user: User): void {
  user.tokenVersion += 1;
}

/** After the flush: the user's sockets close on every node and cached standings are dropped. */
export const endSessions = (deps: Pick<Deps, 'sessions'>, userId: string) => deps.sessions.revoked(userId);

export const issueToken = (deps: Pick<Deps, 'tokens'>, user: User) =>
  deps.tokens.issue({
    userId: user.id,
    orgId: typeof user.organization === 'object' ? user.organization.id : user.organization,
    role: user.role,
    version: user.tokenVersion,
  });

/** A one-time invite token: the link carries it, the database keeps only its SHA-256. */
export function newInviteToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInviteToken(token) };
}

export const hashInviteToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The signed-in caller of a token, checked against the user's current standing: still there,
 * enabled, and the token issued at the user's current token version (a password change,
 * disable or role change raises it). The user row is read anyway, so the version check costs nothing.
 */
export async function authenticate(deps: Pick<Deps, 'tokens'>, em: EntityManager, token: string, audience?: string): Promise<AuthInfo> {
  const claims = await deps.tokens.verify(token, audience).catch(() => {
    throw unauthorized('Invalid or expired token');
  });
  const user = await em.findOne(User, { id: claims.userId, organization: claims.orgId });
  if (!user || user.disabled || user.tokenVersion !== claims.version) throw unauthorized('Invalid or expired token');
  return { userId: user.id, orgId: claims.orgId, role: user.role, tokenVersion: user.tokenVersion, name: user.name, user };
}
