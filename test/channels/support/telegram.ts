import { readFileSync } from 'node:fs';
import { ok, type Handler } from '../../../connectors/telegram/bot-api-double.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../connectors/telegram/fixtures/${name}.json`, import.meta.url), 'utf8'));

export interface Chat { id: number; first_name: string; last_name?: string; username?: string; type: 'private' }
export const MARIA: Chat = { id: 5132457788, first_name: 'Maria', last_name: 'Souza', username: 'maria_souza', type: 'private' };

const fromOf = (chat: Chat) => ({ id: chat.id, is_bot: false, first_name: chat.first_name, last_name: chat.last_name, username: chat.username });

/** A text message update, built on the recorded fixture with our own ids. */
export function textUpdate(updateId: number, messageId: number, text: string, chat: Chat = MARIA) {
  const u = fixture('text');
  u.update_id = updateId;
  Object.assign(u.message, { message_id: messageId, from: fromOf(chat), chat, date: Math.floor(Date.now() / 1000), text });
  return u;
}

/** An edited_message update for a message the chat sent before. */
export function editUpdate(updateId: number, messageId: number, text: string, chat: Chat = MARIA) {
  const u = fixture('edited-message');
  u.update_id = updateId;
  const now = Math.floor(Date.now() / 1000);
  Object.assign(u.edited_message, { message_id: messageId, from: fromOf(chat), chat, date: now - 60, edit_date: now, text });
  return u;
}

/**
 * getUpdates as Telegram answers it: updates from `offset` (or from the first unconfirmed one),
 * a call with an offset confirms everything before it; with nothing to give, the request is held
 * (shorter than Telegram's timeout, which the double decides) until an update comes or the
 * client goes away.
 */
export class UpdateFeed {
  private readonly updates: { update_id: number }[] = [];
  private confirmed = 0;
  private wakers: (() => void)[] = [];
  /** The `offset` of every getUpdates call, in order (undefined: none given). */
  readonly offsets: (number | undefined)[] = [];

  constructor(private readonly holdMs = 1_000) {}

  push(...updates: { update_id: number }[]) {
    this.updates.push(...updates);
    const w = this.wakers;
    this.wakers = [];
    for (const wake of w) wake();
  }

  readonly getUpdates: Handler = async (body, { closed }) => {
    const offset = typeof body.offset === 'number' ? body.offset : undefined;
    this.offsets.push(offset);
    if (offset !== undefined) this.confirmed = Math.max(this.confirmed, offset);
    const pending = () => this.updates.filter((u) => u.update_id >= this.confirmed);
    if (!pending().length) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.wakers.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.holdMs))),
        closed,
      ]);
      clearTimeout(timer);
    }
    return ok(pending());
  };
}
