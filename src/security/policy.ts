import type { Role, User } from '../domain/user.entity.js';
import { forbidden } from '../errors.js';

/**
 * Who may do what to whom, in one place. Routes find the target in the caller's
 * organization first (another organization's user is a 404), then ask here.
 */
/** The signed-in caller of a request or a socket, as authentication found them. */
export type AuthInfo = { userId: string; orgId: string; role: Role; tokenVersion: number; name: string; user: User };

const RANK: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

/** Owners are also admins of their own organization. */
export const atLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];

export type Actor = { userId: string; orgId: string; role: Role };
export type UserTarget = { id: string; role: Role };
export type UserChange = { name?: boolean; password?: boolean; role?: Role; disabled?: boolean; remove?: boolean };

/** Why `actor` may not make this change to `target` (a user of the actor's organization), or null. */
export function userChangeRefusal(actor: Actor, target: UserTarget, change: UserChange): string | null {
  if (!atLeast(actor.role, 'admin')) return 'Only admins manage users';
  if (change.role === 'owner') return 'There is one instance owner; that role cannot be given';
  if (target.role === 'owner') {
    if (target.id !== actor.userId) return 'Only the instance owner changes the owner';
    if (change.role !== undefined || change.disabled || change.remove) {
      return 'The instance owner keeps its role and cannot be disabled or deleted';
    }
    return null;
  }
  if (target.id === actor.userId && (change.disabled || change.remove || (change.role !== undefined && change.role !== actor.role))) {
    return 'You cannot disable, delete or demote yourself';
  }
  return null;
}

export function assertUserChange(actor: Actor, target: UserTarget, change: UserChange): void {
  const why = userChangeRefusal(actor, target, change);
  if (why) throw forbidden(why);
}

/** Admins add agents and admins to their own organization (by password or by invite). */
export function assertCanAddUser(actor: Actor, role: Role): void {
  if (!atLeast(actor.role, 'admin')) throw forbidden('Only admins add users');
  if (role === 'owner') throw forbidden('There is one instance owner; that role cannot be given');
}
