import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/** A URL the hub will not fetch: not http(s), or a host that is (or resolves to) a non-public address. */
export class UnsafeUrlError extends Error {
  readonly code = 'unsafe_url';
  /** `unresolvable`: the name has no address (now); `refused`: it is, or resolves to, a non-public one. */
  constructor(message: string, readonly reason: 'refused' | 'unresolvable' = 'refused') {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** The download was bigger than allowed. */
export class FetchTooLargeError extends Error {
  readonly code = 'too_large';
}

/** Addresses that are never "the internet": private, loopback, link-local, CGNAT, multicast, reserved. */
const NON_PUBLIC: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", unspecified
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // CGNAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'], // NAT64
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'], // discard
  ['2001::', 23, 'ipv6'], // IETF protocol assignments (Teredo, ...)
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'], // 6to4 embeds an IPv4 address
  ['fc00::', 7, 'ipv6'], // unique local (ULA)
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];
const nonPublic = new BlockList();
for (const [net, prefix, type] of NON_PUBLIC) nonPublic.addSubnet(net, prefix, type);

/** A comma-separated list of addresses or CIDRs (`127.0.0.1/32,::1,10.1.0.0/16`) as a BlockList; throws on a bad entry. */
export function parseNetworks(list: string): BlockList {
  const networks = new BlockList();
  for (const entry of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) throw new Error(`not an address or CIDR: ${entry}`);
    networks.addSubnet(address!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return networks;
}

export type LookupFn = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: LookupFn = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export type SafeFetchOptions = {
  /** Networks the instance owner allows although they are not public (proxies, local test doubles). */
  allow?: BlockList;
  /** Largest response body, in bytes. */
  maxBytes: number;
  /** Longest a whole request may take, in milliseconds. */
  timeoutMs: number;
  maxRedirects?: number;
  /** Name resolution (the system resolver unless told). */
  lookup?: LookupFn;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The one way the hub fetches a URL someone else chose (a channel's apiBaseUrl, a link attached
 * by an agent, a platform's media or avatar link). The host is resolved and every address checked
 * before anything is sent; the connection is then made to those checked addresses only (the
 * agent's lookup is the guard again, so a second DNS answer cannot rebind it). Redirects are
 * followed by hand, each hop checked the same way; bodies and time are bounded.
 */
export class SafeFetcher {
  private readonly allow: BlockList;
  private readonly resolver: LookupFn;
  private readonly agent: Agent;

  constructor(private readonly opts: SafeFetchOptions) {
    this.allow = opts.allow ?? new BlockList();
    this.resolver = opts.lookup ?? systemLookup;
    this.agent = new Agent({ connect: { lookup: this.lookup } });
  }

  /**
   * net.connect's `lookup` with the guard: connections made with it go only to checked addresses
   * (for SDKs with their own HTTP client). net.connect skips it for IP literals: check() those first.
   */
  readonly lookup = (hostname: string, options: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    this.resolve(hostname).then(
      (addresses) => (options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)),
      (err) => callback(err, ''),
    );
  };

  /** Whether the hub may connect to this address. */
  allowed(address: string): boolean {
    const family = isIP(address);
    if (!family) return false;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    // BlockList matches IPv4-mapped addresses against IPv4 rules, allowances included: refuse the form outright.
    if (family === 6 && /^::ffff:/i.test(new URL(`http://[${address}]`).hostname.slice(1, -1))) return false;
    return !nonPublic.check(address, type) || this.allow.check(address, type);
  }

  /** The host's addresses, all of them allowed, or an UnsafeUrlError. */
  async resolve(hostname: string): Promise<LookupAddress[]> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(host);
    const addresses = literal ? [{ address: host, family: literal }] : await this.resolver(host).catch((err) => {
      throw new UnsafeUrlError(`Cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`, 'unresolvable');
    });
    if (!addresses.length) throw new UnsafeUrlError(`Cannot resolve ${host}`, 'unresolvable');
    // Every answer must be public: the connection may use any of them.
    if (addresses.some((a) => !this.allowed(a.address))) {
      throw new UnsafeUrlError(`Refused to fetch ${host}: it is not a public address (allow it in HUB_FETCH_ALLOW if this is intended)`);
    }
    return addresses;
  }

  /** Throws an UnsafeUrlError unless the hub may fetch this URL. */
  async check(url: string | URL): Promise<URL> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UnsafeUrlError('Not a URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UnsafeUrlError(`Refused to fetch a ${parsed.protocol} URL`);
    await this.resolve(parsed.hostname);
    return parsed;
  }

  /** fetch() with the guard, the size and time limits, and checked redirects; the same interface connectors use. */
  fetch: typeof fetch = async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    let url = await this.check(request ? request.url : String(input));
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    let body = init.body ?? undefined;
    const headers = new Headers(init.headers ?? request?.headers);
    for (let hop = 0; ; hop++) {
      const res = await undiciFetch(url, { method, headers: [...headers], body: body as never, signal, redirect: 'manual', dispatcher: this.agent });
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location || init.redirect === 'manual') return limitBody(res as unknown as Response, this.opts.maxBytes);
      if (init.redirect === 'error') throw new TypeError('redirect refused');
      if (hop >= (this.opts.maxRedirects ?? 5)) throw new UnsafeUrlError('Too many redirects');
      await res.body?.cancel();
      const next = await this.check(new URL(location, url));
      // Credentials stay with the origin they were meant for.
      if (next.origin !== url.origin) for (const h of ['authorization', 'cookie', 'proxy-authorization']) headers.delete(h);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers.delete('content-type');
      }
      url = next;
    }
  };

  /** The whole body of a URL as bytes, with the type it was served as. */
  async download(url: string): Promise<{ data: Buffer; mimeType?: string }> {
    const res = await this.fetch(url);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} from ${new URL(url).host}`);
    }
    return { data: Buffer.from(await res.arrayBuffer()), mimeType: res.headers.get('content-type') ?? undefined };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** The response with its body cut off (an error) once it passes maxBytes. */
function limitBody(res: Response, maxBytes: number): Response {
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) {
    void res.body?.cancel();
    throw new FetchTooLargeError(`The response is larger than ${maxBytes} bytes`);
  }
  if (!res.body || [101, 204, 205, 304].includes(res.status)) return res;
  let seen = 0;
  const counted = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > maxBytes) controller.error(new FetchTooLargeError(`The response is larger than ${maxBytes} bytes`));
      else controller.enqueue(chunk);
    },
  }));
  return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
}
