/**
 * A failed connection to a platform, said so a person understands it ("network error: bad port"
 * tells an agent nothing). The code stays at the end, in brackets, for whoever debugs it.
 */
const SENTENCES: Record<string, string> = {
  ECONNREFUSED: 'nothing answered at its address (connection refused)',
  ECONNRESET: 'the connection was cut off',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'its address could not be found (DNS)',
  EAI_AGAIN: 'its address could not be looked up right now (DNS)',
  EHOSTUNREACH: 'its network cannot be reached',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection was closed while sending',
  UND_ERR_SOCKET: 'the connection was cut off',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: 'its security certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its security certificate is not trusted',
  'bad port': 'its address uses a port that cannot be used for web requests (check the API base URL)',
};

/** `Could not reach <platform>: <why> (<code>)`. */
export function networkFailureSentence(platform: string, e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e);
  const why = SENTENCES[code] ?? (code === 'fetch failed' ? 'the request did not go through' : code);
  return `Could not reach ${platform}: ${why}${why === code ? '' : ` (${code})`}`;
}
