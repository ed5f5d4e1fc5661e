// Bot API transport and error mapping: https://core.telegram.org/bots/api#making-requests
import { ConnectorError, type ErrorCategory } from '../types.js';
import { networkFailureSentence } from '../network-errors.js';
import type { TelegramCredentials } from './credentials.js';

export const DEFAULT_API_ROOT = 'https://api.telegram.org';

/** The update kinds the hub asks for (setWebhook and getUpdates). */
export const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'callback_query',
  'message_reaction',
] as const;

interface BotApiReply<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

type Creds = Pick<TelegramCredentials, 'botToken' | 'apiBaseUrl'>;

export const apiRoot = (c: Creds) => (c.apiBaseUrl ?? DEFAULT_API_ROOT).replace(/\/+$/, '');

/** The numeric prefix of the token is the bot's own user id. */
export const botIdOf = (c: Pick<TelegramCredentials, 'botToken'>) => Number(c.botToken.split(':')[0]);

/** 404 from the Bot API means the token in the path is not a bot's: treat like 401. */
const CATEGORY_BY_CODE: Record<number, ErrorCategory> = {
  401: 'auth',
  404: 'auth',
  408: 'temporary',
  409: 'temporary',
  429: 'rate_limited',
};

export function botApiError(method: string, httpStatus: number, reply?: BotApiReply<unknown>): ConnectorError {
  const code = reply?.error_code ?? httpStatus;
  const description = reply?.description ?? `HTTP ${httpStatus}`;
  const category = CATEGORY_BY_CODE[code] ?? (code >= 500 ? 'temporary' : 'permanent');
  return new ConnectorError(category, `telegram ${method}: ${description}`, String(code), reply?.parameters?.retry_after);
}

export interface CallOptions {
  /** Cancels the call (polling stop); the AbortError is rethrown as is. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** POSTs a Bot API method as JSON and returns `result`, or throws a classified ConnectorError. */
export async function callBotApi<T>(
  fetchFn: typeof fetch,
  credentials: Creds,
  method: string,
  payload: Record<string, unknown>,
  opts: CallOptions = {},
): Promise<T> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  let reply: BotApiReply<T> | undefined;
  try {
    res = await fetchFn(`${apiRoot(credentials)}/bot${credentials.botToken}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal,
    });
    reply = (await res.json().catch(() => undefined)) as BotApiReply<T> | undefined;
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    // Never echo the request URL: it holds the bot token.
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (cause?.message === 'bad port' ? 'bad port' : (e as Error).name);
    throw new ConnectorError('temporary', networkFailureSentence(`Telegram (${method})`, { cause: { code } }));
  }
  if (res.ok && reply?.ok) return reply.result as T;
  throw botApiError(method, res.status, reply);
}
