// Twilio REST client setup: https://www.twilio.com/docs/libraries/reference/twilio-node
import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import type { ConnectorContext } from '../types.js';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioSmsCredentials } from './credentials.js';

const TIMEOUT_MS = 30_000;
const MAX_CACHED = 100;

/**
 * Sends every request of the client to `base` instead of *.twilio.com, keeping path and query.
 * Rewriting here, after the client has applied region and edge, works for every Twilio domain.
 */
class RebasingRequestClient extends twilio.RequestClient {
  constructor(private readonly base: URL, lookup?: Guard['lookup']) {
    super({ timeout: TIMEOUT_MS });
    // The base is the channel's choice: connections to it resolve through the hub's guard.
    if (lookup) {
      const axios = (this as unknown as { axios: { defaults: { httpAgent?: unknown; httpsAgent?: unknown } } }).axios;
      axios.defaults.httpAgent = new http.Agent({ keepAlive: true, lookup });
      axios.defaults.httpsAgent = new https.Agent({ keepAlive: true, lookup });
    }
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return super.request({ ...opts, uri: `${this.base.origin}${prefix}${uri.pathname}${uri.search}` });
  }
}

/** Clients are kept per credentials so their keep-alive connections are reused, not leaked per send. */
const clients = new Map<string, twilio.Twilio>();

type Guard = NonNullable<ConnectorContext['guard']>;

/** `guard`: the hub's; without it (unit tests) the base is used as it is. */
export function clientFor(c: TwilioSmsCredentials, guard?: Guard): twilio.Twilio {
  const key = [c.accountSid, c.authToken, c.apiBaseUrl ?? ''].join('\n');
  let client = clients.get(key);
  if (!client) {
    if (clients.size >= MAX_CACHED) clients.delete(clients.keys().next().value!);
    client = twilio(c.accountSid, c.authToken, {
      timeout: TIMEOUT_MS,
      ...(c.apiBaseUrl ? { httpClient: new RebasingRequestClient(new URL(c.apiBaseUrl), guard?.lookup) } : {}),
    });
    clients.set(key, client);
  }
  return client;
}
