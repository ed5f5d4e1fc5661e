/**
 * The bot contract: a provider reads the prospect's message, the conversation so far and the
 * admin-editable prompts, and decides whether to reply, hand over to a human, or stay silent.
 * Providers never touch the database or the queues; the pipeline loads prompts (already
 * filtered to the conversation's channel) and applies the decision.
 */

/** History, oldest first; 'user' = the prospect, 'assistant' = an agent or the bot. */
export type BotTurn = { role: 'user' | 'assistant'; content: string };

export type BotPrompt = {
  kind: 'greeting' | 'keyword' | 'handoff' | 'system' | 'fallback';
  keyword?: string | null;
  response: string;
  enabled: boolean;
};

export type BotInput = {
  message: string;
  history: BotTurn[];
  prompts: BotPrompt[];
  isFirstMessage: boolean;
  prospectName?: string;
  platform: string;
};

export type BotDecision =
  | { kind: 'reply'; text: string }
  /** Stop the bot and route the conversation to a human; `text` is said to the prospect first. */
  | { kind: 'handoff'; text?: string }
  | { kind: 'none' };

export interface BotProvider {
  readonly name: string;
  /** May throw; callers go through `decideSafely`, which turns a throw into `none`. */
  decide(input: BotInput, signal: AbortSignal): Promise<BotDecision>;
}
