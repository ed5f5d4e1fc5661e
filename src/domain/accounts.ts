import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from '../context.js';
import type { User } from './user.entity.js';

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
