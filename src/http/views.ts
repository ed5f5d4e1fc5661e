import type { User } from '../domain/user.entity.js';
import type * as wire from '../../contract/wire.js';

export const userView = (u: User) => ({
  id: u.id,
  organizationId: typeof u.organization === 'object' ? u.organization.id : u.organization,
  email: u.email,
  name: u.name,
  role: u.role,
  disabled: u.disabled,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
}) satisfies wire.User;
