import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/core';

/** Columns every table shares: a UUID key and creation/update times. */
export const baseColumns = () => ({
  id: p.uuid().primary().onCreate(() => randomUUID()),
  createdAt: p.datetime().onCreate(() => new Date()),
  updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
});
