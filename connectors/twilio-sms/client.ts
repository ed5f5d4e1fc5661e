// Twilio REST client setup: https://www.twilio.com/docs/libraries/reference/twilio-node
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioSmsCredentials } from './credentials.js';

const TIMEOUT_MS = 30_000;
const MAX_CACHED = 100;

/**
 * Sends every request of the client to `base` instead of *.twilio.com, keeping path and query.
 * Rewriting here, after the client has applied region and edge, works for every Twilio domain.
 */
class RebasingRequestClient extends twilio.RequestClient {
  constructor(private readonly base: URL) {
    super({ timeout: TIMEOUT_MS });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return super.request({ ...opts, uri: `${this.base.origin}${prefix}${uri.pathname}${uri.search}` });
  }
}

/** Clients are kept per credentials so their keep-alive connections are reused, not leaked per send. */
const clients = new Map<string, twilio.Twilio>();

export function clientFor(c: TwilioSmsCredentials): twilio.Twilio {
  const key = [c.accountSid, c.authToken, c.apiBaseUrl ?? ''].join('\n');
  let client = clients.get(key);
  if (!client) {
    if (clients.size >= MAX_CACHED) clients.delete(clients.keys().next().value!);
    client = twilio(c.accountSid, c.authToken, {
      timeout: TIMEOUT_MS,
      ...(c.apiBaseUrl ? { httpClient: new RebasingRequestClient(new URL(c.apiBaseUrl)) } : {}),
    });
    clients.set(key, client);
  }
  return client;
}
