import { z } from '@hono/zod-openapi';

/** Small builders that keep route declarations short. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
/** A JSON body that may be left out (then there is nothing to validate); one that is sent is validated. */
export const optionalJsonBody = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: false } });
export const IdParam = z.object({ id: z.string() });
export const bearer = [{ bearer: [] }];
export const described = (status: number, description: string) => ({ [status]: { description } });
/** A JSON response described by one of the contract's schemas (contract/wire.ts). */
export const returns = <S extends number, T extends z.ZodType>(status: S, description: string, schema: T) =>
  ({ [status]: { description, content: { 'application/json': { schema } } } }) as Record<S, { description: string; content: { 'application/json': { schema: T } } }>;
