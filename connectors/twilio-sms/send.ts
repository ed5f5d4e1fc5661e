// Sending: https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
import twilio from 'twilio';
import { ConnectorError, type ConnectorContext, type ErrorCategory, type OutboundMessage, type SendCapability } from '../types.js';
import { clientFor } from './client.js';
import type { TwilioSmsCredentials } from './credentials.js';
import { ERROR_TEXT } from './error-codes.js';
import { splitAddress } from './parse.js';

const CATEGORY_BY_CODE: Record<number, ErrorCategory> = { 20003: 'auth', 20429: 'rate_limited' };
const CATEGORY_BY_STATUS: Record<number, ErrorCategory> = { 401: 'auth', 429: 'rate_limited', 408: 'temporary' };

interface RestError { status: number; code?: number; message: string; moreInfo?: string }
const isRestError = (e: unknown): e is RestError =>
  e instanceof twilio.RestException || (typeof e === 'object' && e !== null && typeof (e as RestError).status === 'number');

/** A Twilio refusal as a ConnectorError; anything without an HTTP status (network, timeout) is temporary. */
export function toConnectorError(e: unknown): ConnectorError {
  if (e instanceof ConnectorError) return e;
  // The hub's guard refused the apiBaseUrl: no retry will change that.
  if ((e as { code?: unknown }).code === 'unsafe_url') return new ConnectorError('permanent', `twilio: ${(e as Error).message}`, 'unsafe_url');
  if (!isRestError(e)) {
    const code = (e as { code?: string }).code;
    return new ConnectorError('temporary', `twilio: ${code ?? (e as Error).message ?? 'network error'}`);
  }
  const category =
    (e.code !== undefined ? CATEGORY_BY_CODE[e.code] : undefined) ??
    CATEGORY_BY_STATUS[e.status] ??
    (e.status >= 500 ? 'temporary' : 'permanent');
  const hint = e.code !== undefined && ERROR_TEXT[String(e.code)] ? ` (${ERROR_TEXT[String(e.code)]})` : '';
  return new ConnectorError(category, `twilio ${e.status}: ${e.message}${hint}`, e.code !== undefined ? String(e.code) : String(e.status));
}

export const send: SendCapability<TwilioSmsCredentials> = {
  async send(message: OutboundMessage, credentials, ctx: ConnectorContext) {
    // A contact that wrote through 'whatsapp:' (or another Twilio channel) gets the reply the same way.
    const { prefix, number } = splitAddress(message.to.externalId);
    const address = (n: string) => (prefix ? `${prefix}:${n}` : n);
    const urls = (message.attachments ?? []).map((a) => a.url);
    try {
      // An IP literal never reaches the guarded lookup: checked here.
      if (credentials.apiBaseUrl) await ctx.guard?.check(credentials.apiBaseUrl);
      const sent = await clientFor(credentials, ctx.guard).messages.create({
        to: address(splitAddress(message.to.identifier || number).number),
        from: address(credentials.fromNumber),
        ...(message.content ? { body: message.content } : {}),
        ...(urls.length ? { mediaUrl: urls } : {}),
        statusCallback: ctx.webhookUrl,
      });
      return { externalId: sent.sid };
    } catch (e) {
      throw toConnectorError(e);
    }
  },
};
