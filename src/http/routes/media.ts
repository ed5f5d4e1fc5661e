import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { bodyLimit } from 'hono/body-limit';
import { kindOfMime } from '../../domain/outbound.js';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../context.js';
import { enqueueMedia } from '../../pipeline/media.worker.js';
import { requireAuth } from '../auth.js';
import { AppError, notFound } from '../errors.js';
import type { AppEnv } from '../env.js';

/** Types a browser may show inline; anything else (HTML, SVG, ...) is only ever downloaded. */
const INLINE = /^(image\/(png|jpe?g|gif|webp)|audio\/|video\/|application\/pdf$)/;

export function mediaRoutes(deps: Deps) {
  const { media: store, signer } = deps;
  const app = new Hono<AppEnv>();
  const conn = () => deps.orm.em.getConnection();

  // Signed, expiring URLs handed only to agents of the attachment's organization.
  app.get('/media/:id', async (c) => {
    const id = c.req.param('id');
    if (!z.uuid().safeParse(id).success || !signer.verify(id, c.req.query('exp'), c.req.query('sig'))) throw notFound('File');
    const [att] = await conn().execute("select storage_path, mime_type, file_name from attachments where id = ? and status = 'ready'", [id]);
    const file = att && (await store.open(att.storage_path));
    if (!file) throw notFound('File');
    const type = att.mime_type ?? 'application/octet-stream';
    const name = (att.file_name ?? 'file').replace(/["\r\n]/g, '');
    return c.body(Readable.toWeb(file.stream as Readable) as ReadableStream, 200, {
      'content-type': type,
      'content-length': String(file.size),
      'content-disposition': `${INLINE.test(type) ? 'inline' : 'attachment'}; filename="${encodeURIComponent(name)}"`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=3600',
    });
  });

  // An agent's file, stored before the message that will carry it (send it with attachmentIds).
  app.post('/api/uploads', requireAuth(deps), bodyLimit({ maxSize: deps.config.uploadLimitBytes, onError: () => {
    throw new AppError(413, 'payload_too_large', `Files are limited to ${deps.config.uploadLimitBytes} bytes`);
  } }), async (c) => {
    const form = await c.req.parseBody().catch(() => {
      throw new AppError(400, 'malformed_body', 'Send the file as multipart/form-data in a field named "file"');
    });
    const file = form.file;
    if (!(file instanceof File) || file.size === 0) throw new AppError(400, 'validation_error', 'Send the file as multipart/form-data in a field named "file"');
    const id = randomUUID();
    const mimeType = file.type || 'application/octet-stream';
    const storagePath = await store.put(c.var.auth.orgId, id, Buffer.from(await file.arrayBuffer()));
    await conn().execute(
      `insert into attachments (id, created_at, updated_at, organization_id, message_id, kind, file_name, file_size, mime_type, source, storage_path, status)
       values (?, now(), now(), ?, null, ?, ?, ?, ?, 'upload', ?, 'ready')`,
      [id, c.var.auth.orgId, kindOfMime(mimeType), file.name.slice(0, 255), file.size, mimeType, storagePath],
    );
    return c.json({ id, kind: kindOfMime(mimeType), fileName: file.name, fileSize: file.size, fileType: mimeType, url: signer.url(id) }, 201);
  });

  app.post('/api/attachments/:id/retry', requireAuth(deps), async (c) => {
    const id = c.req.param('id');
    const rows = z.uuid().safeParse(id).success
      ? await conn().execute(
          "update attachments set status = 'pending', error = null, updated_at = now() where id = ? and organization_id = ? and status = 'failed' returning id, attempts",
          [id, c.var.auth.orgId],
        )
      : [];
    if (!rows[0]) {
      const exists = z.uuid().safeParse(id).success && (await conn().execute('select 1 from attachments where id = ? and organization_id = ?', [id, c.var.auth.orgId]))[0];
      if (!exists) throw notFound('Attachment');
      throw new AppError(409, 'not_failed', 'Only a failed attachment can be retried');
    }
    await enqueueMedia(deps, id, undefined, rows[0].attempts);
    return c.json({ ok: true }, 202);
  });
  return app;
}
