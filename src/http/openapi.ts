import { z } from '@hono/zod-openapi';

/** Small builders that keep route declarations short. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
export const IdParam = z.object({ id: z.string() });
export const bearer = [{ bearer: [] }];
export const described = (status: number, description: string) => ({ [status]: { description } });
