/**
 * The origin the browser opens. When the hub serves the web app itself (dist/web mounted at
 * `/`), that is the hub. Until then, a small front server serves dist/web through
 * web/serve.ts and forwards /api, /media, /webhooks and /socket.io (WebSocket included) to
 * the hub, so the UI can be driven against a real hub either way.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { webRoutes } from '../../../web/serve.js';

export const DIST_WEB = fileURLToPath(new URL('../../../dist/web', import.meta.url));
const FORWARDED = /^\/(api|media|webhooks|socket\.io|healthz|readyz)(\/|$|\?)/;

export async function appOrigin(hubUrl: string): Promise<{ url: string; proxied: boolean; close(): Promise<void> }> {
  const probe = await fetch(`${hubUrl}/login`).catch(() => undefined);
  const type = probe?.headers.get('content-type') ?? '';
  if (probe?.ok && type.includes('text/html')) return { url: hubUrl, proxied: false, close: async () => undefined };

  const hub = new URL(hubUrl);
  const web = getRequestListener(webRoutes(DIST_WEB).fetch);
  const server: Server = createServer((req, res) => {
    if (!FORWARDED.test(req.url ?? '')) return void web(req, res);
    const upstream = httpRequest(
      { host: hub.hostname, port: hub.port, method: req.method, path: req.url, headers: { ...req.headers, host: hub.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    const up = connect(Number(hub.port), hub.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const [k, v] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
        lines.push(`${k}: ${k.toLowerCase() === 'host' ? hub.host : v}`);
      }
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const end = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', end);
    socket.on('error', end);
    up.on('close', end);
    socket.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    proxied: true,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
