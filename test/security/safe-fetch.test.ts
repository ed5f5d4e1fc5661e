import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import diagnostics from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FetchTooLargeError, SafeFetcher, UnsafeUrlError, parseNetworks, type LookupFn } from '../../src/security/safe-fetch.js';

/** A local "internal service": every request it gets is recorded. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1') {
  const hits: { path: string; host?: string; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ path: req.url!, host: req.headers.host, authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  return { port, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// Every socket the process opens (net.connect) and every connection undici begins: a refused URL must cause none.
const attempts: string[] = [];
const onSocket = (m: any) => attempts.push(`net:${m?.socket?.remoteAddress ?? '?'}`);
const onUndici = (m: any) => attempts.push(`undici:${m?.connectParams?.hostname}`);
beforeAll(() => {
  diagnostics.subscribe('net.client.socket', onSocket);
  diagnostics.subscribe('undici:client:beforeConnect', onUndici);
});
afterAll(() => {
  diagnostics.unsubscribe('net.client.socket', onSocket);
  diagnostics.unsubscribe('undici:client:beforeConnect', onUndici);
});

let internal: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  internal = await listen((req, res) => {
    if (req.url === '/big') return res.end(Buffer.alloc(4096, 7));
    if (req.url === '/stream-big') {
      res.writeHead(200); // no content-length: the limit must cut the stream
      res.write(Buffer.alloc(800, 1));
      setTimeout(() => res.end(Buffer.alloc(800, 2)), 20);
      return;
    }
    if (req.url === '/hang') return; // never answers
    if (req.url?.startsWith('/to?')) {
      res.writeHead(302, { location: new URL(req.url, 'http://x').searchParams.get('u')! });
      return res.end();
    }
    res.end('internal secret');
  });
});
afterAll(() => internal.close());
afterEach(() => {
  attempts.length = 0;
});

const fetcher = (allow = '', lookup?: LookupFn) => new SafeFetcher({ allow: parseNetworks(allow), maxBytes: 1024, timeoutMs: 2000, lookup });

describe('the guarded fetcher', () => {
  it('refuses loopback by default, by literal and by name, without sending a packet', async () => {
    const f = fetcher();
    for (const url of [`http://127.0.0.1:${internal.port}/internal`, `http://localhost:${internal.port}/internal`, `http://[::1]:${internal.port}/`, `http://127.1:${internal.port}/`, `http://0x7f000001:${internal.port}/`]) {
      await expect(f.fetch(url), url).rejects.toBeInstanceOf(UnsafeUrlError);
    }
    expect(internal.hits).toEqual([]);
    expect(attempts).toEqual([]);
    await f.close();
  });

  it('refuses private, link-local, CGNAT, multicast, unspecified, ULA and mapped literals before connecting', async () => {
    const f = fetcher('127.0.0.0/8'); // even with loopback allowed, the other ranges stay closed
    const literals = [
      'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00::1]/', 'http://100.64.0.1/',
      'http://172.16.5.4/', 'http://192.168.1.1/', 'http://0.0.0.0/', 'http://224.0.0.1/', 'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a00:1]/', 'http://[::]/', 'http://[64:ff9b::a00:1]/',
    ];
    for (const url of literals) {
      await expect(f.fetch(url), url).rejects.toThrow(/not a public address/);
    }
    await expect(f.fetch('file:///etc/passwd')).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(f.fetch('ftp://example.com/x')).rejects.toBeInstanceOf(UnsafeUrlError);
    expect(attempts).toEqual([]);
    await f.close();
  });

  it('decides from the resolved addresses: a public-looking name that resolves inside is refused', async () => {
    const asked: string[] = [];
    const lookup: LookupFn = async (host) => {
      asked.push(host);
      if (host === 'metadata.attacker.test') return [{ address: '169.254.169.254', family: 4 }];
      if (host === 'mixed.attacker.test') return [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.1', family: 4 }];
      if (host === 'ula.attacker.test') return [{ address: 'fd12:3456::1', family: 6 }];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const f = fetcher('', lookup);
    for (const host of ['metadata.attacker.test', 'mixed.attacker.test', 'ula.attacker.test']) {
      await expect(f.fetch(`http://${host}/`)).rejects.toThrow(/not a public address/);
    }
    await expect(f.fetch('http://nowhere.attacker.test/')).rejects.toThrow(/Cannot resolve/);
    expect(asked).toEqual(['metadata.attacker.test', 'mixed.attacker.test', 'ula.attacker.test', 'nowhere.attacker.test']);
    expect(attempts).toEqual([]);
    await f.close();
  });

  it('reaches networks the owner allowed, connected to the address it checked', async () => {
    const f = fetcher('127.0.0.1/32', async () => [{ address: '127.0.0.1', family: 4 }]);
    const direct = await f.fetch(`http://127.0.0.1:${internal.port}/ok`);
    expect(await direct.text()).toBe('internal secret');
    const named = await f.fetch(`http://double.test:${internal.port}/named`);
    expect(await named.text()).toBe('internal secret');
    expect(internal.hits.slice(-1)[0]).toMatchObject({ path: '/named', host: `double.test:${internal.port}` });
    await f.close();
  });

  it('cannot be rebound: the connection uses the guard’s own answer, checked again', async () => {
    let calls = 0;
    // First answer allowed, the next one (at connect time) not: nothing is sent.
    const lookup: LookupFn = async () => [{ address: ++calls === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    const f = fetcher('127.0.0.1/32', lookup);
    const before = internal.hits.length;
    await expect(f.fetch(`http://rebind.test:${internal.port}/`)).rejects.toThrow();
    expect(calls).toBe(2);
    expect(internal.hits.length).toBe(before);
    await f.close();
  });

  it('checks every redirect hop and drops credentials on a new origin', async () => {
    const f = fetcher('127.0.0.1/32');
    const before = internal.hits.length;
    for (const target of ['http://169.254.169.254/latest/meta-data/', `http://[::1]:${internal.port}/`, 'http://10.0.0.1/']) {
      await expect(f.fetch(`http://127.0.0.1:${internal.port}/to?u=${encodeURIComponent(target)}`)).rejects.toThrow(/not a public address/);
    }
    // Only the three redirecting requests reached the server; no hop went further.
    expect(internal.hits.length).toBe(before + 3);
    const other = await listen((_req, res) => res.end('other'));
    const res = await f.fetch(`http://127.0.0.1:${internal.port}/to?u=${encodeURIComponent(`http://127.0.0.1:${other.port}/landing`)}`, { headers: { authorization: 'Bearer secret' } });
    expect(await res.text()).toBe('other');
    expect(internal.hits.at(-1)!.authorization).toBe('Bearer secret');
    expect(other.hits).toEqual([expect.objectContaining({ path: '/landing', authorization: undefined })]);
    await other.close();
    await f.close();
  });

  it('bounds size and time', async () => {
    const f = new SafeFetcher({ allow: parseNetworks('127.0.0.1'), maxBytes: 1024, timeoutMs: 300 });
    await expect(f.fetch(`http://127.0.0.1:${internal.port}/big`)).rejects.toBeInstanceOf(FetchTooLargeError);
    await expect(f.download(`http://127.0.0.1:${internal.port}/stream-big`)).rejects.toBeInstanceOf(FetchTooLargeError);
    await expect(f.fetch(`http://127.0.0.1:${internal.port}/hang`)).rejects.toThrow(/timeout|aborted/i);
    await f.close();
  });
});
