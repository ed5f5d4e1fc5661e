import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { bodyLimit } from 'hono/body-limit';
import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { AppError, unauthorized } from '../../errors.js';
import {
  SessionInput, VisitorPageInput, VisitorSendInput, authenticateVisitor, checkOrigin, markVisitorRead, startSession, submitVisitorMessage,
  uploadSourceOf, visitorThread, widgetChannel, widgetConfig, type EnqueueInbound, type Visitor,
} from '../../domain/widget.js';
import { kindOfMime } from '../../domain/outbound.js';
import { sqlOf } from '../../db/sql.js';
import { insertAttachments } from '../../db/attachments.js';
import { enqueueInbound } from '../../pipeline/ingest.queue.js';
import { WidgetThrottle } from '../../security/widget-throttle.js';
import { UploadLimiter } from '../../media/upload-limiter.js';
import { decideType } from '../../media/types.js';
import { redisKeys } from '../../queue/redis-keys.js';
import { clientAddress } from '../client-address.js';
import { ENVELOPE_BYTES, receiveFile, tooLarge, FORM_HINT } from './media.js';
import { router } from '../env.js';
import { bearer, jsonBody, optionalJsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';
import { VisitorMessagePage, VisitorRead, VisitorReadInput, WidgetConfig, WidgetSession } from '../../../contract/widget.js';
import { CompressedFiles } from '../../../web/compress.js';

const DIST = fileURLToPath(new URL('../../../dist/widget/', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };

type WidgetEnv = { Variables: { address: string; visitor: Visitor } };

/**
 * The website live chat's public side: the loader script, the chat frame and its assets, and the
 * visitor API under /widget/v1 (CONTRACT.md "Website live chat"). Every request counts against
 * its address; every answer is checked against the channel's allowedOrigins.
 */
export function widgetRoutes(deps: Deps, enqueue: EnqueueInbound = (id, delivery, raw) => enqueueInbound(deps.queues, id, delivery, raw)) {
  const app = router<WidgetEnv>();
  const tags = ['widget'];
  const throttle = new WidgetThrottle(deps.redis, redisKeys(deps.config.queuePrefix), deps.config.widgetLimits);
  const uploads = new UploadLimiter(deps.redis, redisKeys(deps.config.queuePrefix), deps.config.uploadsPerUser);
  const files = new Map<string, Buffer>();
  const built = async (relative: string): Promise<Buffer | undefined> => {
    const full = normalize(join(DIST, relative));
    if (!full.startsWith(DIST) || full.includes(`${sep}..`)) return undefined;
    if (!files.has(full)) {
      const data = await readFile(full).catch(() => undefined);
      if (!data) return undefined;
      files.set(full, data);
    }
    return files.get(full);
  };
  const compressed = new CompressedFiles();
  /** A built file as the browser accepts it (compressed when it can decode it), with its own headers. */
  const send = async (c: Context, name: string, body: Buffer, headers: Record<string, string>) => {
    const encoded = await compressed.encode(name, body, headers['content-type']!, c.req.header('accept-encoding'));
    return c.body(new Uint8Array(encoded.body), 200, { ...encoded.headers, ...headers });
  };
  const missing = (c: Context) => c.json({ error: { code: 'not_found', message: 'The widget is not built: run `npm run build:web`' } }, 404);

  // The loader: one script tag on the business's site.
  app.get('/widget.js', async (c) => {
    const body = await built('loader.js');
    if (!body) return missing(c);
    return send(c, 'loader.js', body, { 'content-type': TYPES['.js']!, 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' });
  });

  // The chat itself, in a frame only the channel's sites may embed.
  app.get('/widget/frame', async (c) => {
    const channel = await widgetChannel(deps, c.req.query('websiteToken'));
    const body = await built('index.html');
    if (!body) return missing(c);
    return send(c, 'index.html', body, {
      'content-type': TYPES['.html']!,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': [
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "connect-src 'self'",
        "object-src 'none'", "base-uri 'none'", "form-action 'none'", // 'self': the admin console's live preview.
        `frame-ancestors 'self' ${channel.credentials.allowedOrigins.join(' ')}`,
      ].join('; '),
    });
  });

  app.get('/widget/assets/*', async (c) => {
    const name = c.req.path.slice('/widget/'.length);
    const body = /^assets\/[\w.-]+$/.test(name) ? await built(name) : undefined;
    if (!body) return c.json({ error: { code: 'not_found', message: 'No such file' } }, 404);
    return send(c, name, body, {
      'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
  });

  // Sites may call the API themselves; each answer checks the Origin against its channel.
  app.use('/widget/v1/*', cors({ origin: (origin) => origin, allowHeaders: ['authorization', 'content-type'], allowMethods: ['GET', 'POST'], maxAge: 600 }));
  app.use('/widget/v1/*', async (c, next) => {
    c.set('address', clientAddress(c, deps.config.trustProxy));
    await throttle.take('address', c.var.address);
    await next();
  });
  const limit = bodyLimit({
    maxSize: deps.config.bodyLimitBytes,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `Body larger than ${deps.config.bodyLimitBytes} bytes`);
    },
  });
  app.use('/widget/v1/*', (c, next) => (c.req.path === '/widget/v1/uploads' ? next() : limit(c, next)));

  // The visitor of the bearer token, from a page their channel allows.
  const visitorOnly = async (c: Context<WidgetEnv>, next: () => Promise<void>) => {
    const token = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) throw unauthorized('A visitor token is required');
    const visitor = await authenticateVisitor(deps, token);
    const origin = c.req.header('origin');
    if (origin) checkOrigin(deps, visitor.channel, origin, c.req.header('host'));
    c.set('visitor', visitor);
    await next();
  };
  for (const path of ['/widget/v1/messages', '/widget/v1/read', '/widget/v1/uploads']) app.use(path, visitorOnly);

  app.openapi(
    createRoute({ method: 'get', path: '/widget/v1/config', tags, request: { query: z.object({ websiteToken: z.string().max(200) }) }, responses: returns(200, 'What the widget shows before anyone writes', WidgetConfig) }),
    async (c) => {
      const channel = await widgetChannel(deps, c.req.valid('query').websiteToken);
      // The loader asks from the site's page (cross-origin: Origin sent); the frame from the hub's own.
      const origin = c.req.header('origin');
      if (origin) checkOrigin(deps, channel, origin, c.req.header('host'));
      return c.json(await widgetConfig(deps, channel), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/widget/v1/sessions', tags, request: jsonBody(SessionInput), responses: returns(200, 'The visitor, their token and conversation', WidgetSession) }),
    async (c) => {
      const input = c.req.valid('json');
      const channel = await widgetChannel(deps, input.websiteToken);
      checkOrigin(deps, channel, c.req.header('origin'), c.req.header('host'));
      await throttle.take('session', c.var.address);
      return c.json(await startSession(deps, channel, input), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/widget/v1/messages', tags, security: bearer, request: { query: VisitorPageInput }, responses: returns(200, "The visitor's own thread, oldest first", VisitorMessagePage) }),
    async (c) => c.json(await visitorThread(deps, c.var.visitor, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({ method: 'post', path: '/widget/v1/messages', tags, security: bearer, request: jsonBody(VisitorSendInput), responses: returns(201, 'The message, stored (the same clientMessageId again: the same message)', wire.ChatMessage) }),
    async (c) => {
      const input = c.req.valid('json');
      await throttle.take('visitor', c.var.visitor.id);
      return c.json(await submitVisitorMessage(deps, enqueue, c.var.visitor, input), 201);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/widget/v1/read', tags, security: bearer, request: optionalJsonBody(VisitorReadInput), responses: returns(200, 'Replies to the visitor marked read', VisitorRead) }),
    async (c) => c.json(await markVisitorRead(deps, c.var.visitor, c.req.valid('json') ?? {}), 200),
  );

  // A visitor's file, stored before the message that carries it (attachmentIds), with the hub's upload limits.
  app.post('/widget/v1/uploads', async (c) => {
    const v = c.var.visitor;
    const max = deps.config.uploadLimitBytes;
    if (Number(c.req.header('content-length')) > max + ENVELOPE_BYTES) throw tooLarge(max);
    if (!c.req.header('content-type')?.startsWith('multipart/form-data') || !c.req.raw.body) throw new AppError(400, 'malformed_body', FORM_HINT);
    const slot = await uploads.acquire(`visitor:${v.id}`);
    if ('code' in slot) return c.json({ error: { code: slot.code, message: slot.message } }, 429, { 'retry-after': String(slot.retryAfterSeconds) });
    try {
      const id = randomUUID();
      const orgId = v.channel.orgId;
      const file = await receiveFile(c.req.raw, max, max + ENVELOPE_BYTES, (stream) => deps.media.put(orgId, id, stream));
      const mimeType = decideType(file.claimedType, file.head);
      const kind = kindOfMime(mimeType);
      try {
        await insertAttachments(sqlOf(deps.orm), [{
          id, orgId, messageId: null, kind, fileName: file.name, fileSize: file.size, mimeType, source: uploadSourceOf(v), storagePath: file.storagePath, status: 'ready',
        }]);
      } catch (err) {
        await deps.media.remove(file.storagePath);
        throw err;
      }
      return c.json({ id, kind, fileName: file.name, fileSize: file.size, fileType: mimeType }, 201);
    } finally {
      await slot.release();
    }
  });
  return app;
}
