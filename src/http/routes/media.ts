import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { kindOfMime } from '../../domain/outbound.js';
import { MEDIA_CSP, SNIFF_BYTES, decideType, servedAs } from '../../media/types.js';
import { UploadLimiter } from '../../media/upload-limiter.js';
import { redisKeys } from '../../queue/redis-keys.js';
import { sqlOf } from '../../db/sql.js';
import { existsInOrg, insertAttachments, readyFile, resetFailed } from '../../db/attachments.js';
import { Hono } from 'hono';
import { isId, owned } from '../../domain/owned.js';
import type { Deps } from '../../context.js';
import { enqueueMedia } from '../../queue/media.jobs.js';
import { AppError, notFound } from '../../errors.js';
import type { AppEnv } from '../env.js';

/** The part of a multipart body that is not the file (boundaries, headers). */
export const ENVELOPE_BYTES = 64 * 1024;

/** Files by their signed URL (outside /api: a browser loads them without a token). */
export function mediaRoutes(deps: Deps) {
  const { media: store, signer } = deps;
  const app = new Hono<AppEnv>();
  const sql = sqlOf(deps.orm);

  // Every /media answer, a 404 included: never sniffed, and sandboxed should a browser open it as a page.
  app.use('/media/*', async (c, next) => {
    await next();
    c.res.headers.set('content-security-policy', MEDIA_CSP);
    c.res.headers.set('x-content-type-options', 'nosniff');
  });

  // Signed, expiring URLs handed only to agents of the attachment's organization.
  app.get('/media/:id', async (c) => {
    const id = c.req.param('id');
    if (!isId(id) || !signer.verify(id, c.req.query('exp'), c.req.query('sig'))) throw notFound('File');
    const att = await readyFile(sql, id);
    const file = att?.storage_path ? await store.open(att.storage_path) : null;
    if (!att || !file) throw notFound('File');
    const { contentType, inline } = servedAs(att.mime_type);
    const name = (att.file_name ?? 'file').replace(/["\r\n]/g, '');
    return c.body(Readable.toWeb(file.stream as Readable) as ReadableStream, 200, {
      'content-type': contentType,
      'content-length': String(file.size),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${encodeURIComponent(name)}"`,
      'cache-control': 'private, max-age=3600',
    });
  });

  return app;
}

/** Agents' uploads and attachment retries (mounted on /api). */
export function uploadRoutes(deps: Deps) {
  const { media: store, signer } = deps;
  const app = new Hono<AppEnv>();
  const sql = sqlOf(deps.orm);
  const limit = deps.config.uploadLimitBytes;
  const limiter = new UploadLimiter(deps.redis, redisKeys(deps.config.queuePrefix), deps.config.uploadsPerUser);

  // An agent's file, stored before the message that will carry it (send it with attachmentIds).
  // Streamed to disk as it arrives; limited per file, and per user in count and concurrency.
  // (Not Hono's bodyLimit: without a content-length it buffers the whole body. receiveFile counts as it streams.)
  app.post('/uploads', async (c) => {
    const { orgId, userId } = c.var.actor;
    if (Number(c.req.header('content-length')) > limit + ENVELOPE_BYTES) throw tooLarge(limit);
    if (!c.req.header('content-type')?.startsWith('multipart/form-data') || !c.req.raw.body) throw new AppError(400, 'malformed_body', FORM_HINT);
    const slot = await limiter.acquire(userId);
    if ('code' in slot) {
      return c.json({ error: { code: slot.code, message: slot.message } }, 429, { 'retry-after': String(slot.retryAfterSeconds) });
    }
    try {
      const id = randomUUID();
      const file = await receiveFile(c.req.raw, limit, limit + ENVELOPE_BYTES, (stream) => store.put(orgId, id, stream));
      const mimeType = decideType(file.claimedType, file.head);
      const kind = kindOfMime(mimeType);
      try {
        await insertAttachments(sql, [{
          id, orgId, messageId: null, kind, fileName: file.name, fileSize: file.size, mimeType, source: 'upload', storagePath: file.storagePath, status: 'ready',
        }]);
      } catch (err) {
        await store.remove(file.storagePath);
        throw err;
      }
      return c.json({ id, kind, fileName: file.name, fileSize: file.size, fileType: mimeType, url: signer.url(id) }, 201);
    } finally {
      await slot.release();
    }
  });

  app.post('/attachments/:id/retry', async (c) => {
    const id = c.req.param('id');
    const retried = await owned('Attachment', id, async (id) => {
      const reset = await resetFailed(sql, id, c.var.actor.orgId);
      if (reset) return reset;
      if (await existsInOrg(sql, id, c.var.actor.orgId)) throw new AppError(409, 'not_failed', 'Only a failed attachment can be retried');
    });
    await enqueueMedia(deps, id, undefined, retried.attempts);
    return c.json({ ok: true }, 202);
  });
  return app;
}

export const tooLarge = (limit: number) => new AppError(413, 'payload_too_large', `Files are limited to ${limit} bytes`);
export const FORM_HINT = 'Send the file as multipart/form-data in a field named "file"';

type Received = { name: string; claimedType?: string; size: number; head: Buffer; storagePath: string };

/**
 * The multipart field "file" written by `write` as it streams in (busboy), with its first bytes for
 * type sniffing. Too big: 413 and nothing kept; missing, empty or malformed: 400.
 */
export function receiveFile(request: Request, limit: number, maxBody: number, write: (stream: AsyncIterable<Uint8Array>) => Promise<string>): Promise<Received> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: Object.fromEntries(request.headers), limits: { files: 1, fileSize: limit, fields: 10, fieldSize: 1024, parts: 12 } });
    } catch {
      return reject(new AppError(400, 'malformed_body', FORM_HINT));
    }
    let pending: Promise<Received> | undefined;
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || pending) return void stream.resume();
      const head: Buffer[] = [];
      let size = 0;
      async function* counted() {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (size < SNIFF_BYTES) head.push(chunk.subarray(0, SNIFF_BYTES - size));
          size += chunk.length;
          yield chunk;
        }
        if ((stream as { truncated?: boolean }).truncated) throw tooLarge(limit);
        if (size === 0) throw new AppError(400, 'validation_error', FORM_HINT);
      }
      pending = write(counted()).then((storagePath) => ({
        name: (info.filename || 'file').slice(0, 255), claimedType: info.mimeType, size, head: Buffer.concat(head), storagePath,
      }));
      // Settled (and its error reported) once the whole body is read.
      pending.catch(() => undefined);
    });
    parser.on('error', () => reject(new AppError(400, 'malformed_body', FORM_HINT)));
    parser.on('close', () => (pending ? pending.then(resolve, reject) : reject(new AppError(400, 'validation_error', FORM_HINT))));
    const body = Readable.fromWeb(request.body as NodeReadableStream);
    let received = 0;
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBody) body.destroy(tooLarge(limit));
    });
    body.on('error', (err) => {
      parser.destroy();
      reject(err instanceof AppError ? err : new AppError(400, 'malformed_body', FORM_HINT));
    });
    body.pipe(parser);
  });
}
