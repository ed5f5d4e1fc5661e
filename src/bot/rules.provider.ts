/**
 * The built-in rules bot, in priority order:
 * 1. handoff word (enabled 'handoff' prompts' keywords, or "agent"/"human" when there is none);
 * 2. keyword prompts, longest keyword first;
 * 3. the greeting, on the prospect's first message only;
 * 4. the fallback: an enabled 'fallback' prompt's text, or DEFAULT_FALLBACK_TEXT when there is
 *    none, so a bot switched on always answers (an enabled fallback prompt left empty keeps it silent).
 * Matching is whole word/phrase, case- and accent-insensitive (see `containsPhrase`);
 * disabled prompts are ignored as if they did not exist.
 */
import { containsPhrase, fillName, foldText, splitKeywords } from './text.js';
import type { BotDecision, BotInput, BotPrompt, BotProvider } from './types.js';

export const DEFAULT_HANDOFF_WORDS = ['agent', 'human'] as const;
export const DEFAULT_HANDOFF_TEXT = 'Okay, a team member will take it from here.';
export const DEFAULT_FALLBACK_TEXT = 'Thanks for your message! I did not quite get that: write "agent" to talk to a person.';

/**
 * The handoff decision when the message asks for a human, else undefined. Shared by every
 * provider so a handoff request never depends on a model.
 * With no enabled handoff prompt the default words still apply: a prospect can always reach a
 * human. A handoff prompt without a keyword keeps the default words and supplies the text.
 */
export function detectHandoff(input: Pick<BotInput, 'message' | 'prompts' | 'prospectName'>): BotDecision | undefined {
  const prompts = input.prompts.filter((p) => p.enabled && p.kind === 'handoff');
  const candidates: Array<{ words: readonly string[]; response?: string }> = prompts.map((p) => {
    const words = splitKeywords(p.keyword);
    return { words: words.length > 0 ? words : DEFAULT_HANDOFF_WORDS, response: p.response };
  });
  if (candidates.length === 0) candidates.push({ words: DEFAULT_HANDOFF_WORDS });

  const hit = candidates.find((c) => c.words.some((w) => containsPhrase(input.message, w)));
  if (!hit) return undefined;
  const text = fillName(hit.response?.trim() || DEFAULT_HANDOFF_TEXT, input.prospectName);
  return { kind: 'handoff', text };
}

function enabledWithResponse(prompts: BotPrompt[], kind: BotPrompt['kind']): BotPrompt[] {
  return prompts.filter((p) => p.enabled && p.kind === kind && p.response.trim() !== '');
}

/** The first keyword prompt matching the message: longest keyword first, then prompt order. */
export function matchKeyword(message: string, prompts: BotPrompt[]): BotPrompt | undefined {
  const candidates = enabledWithResponse(prompts, 'keyword')
    .flatMap((prompt, order) =>
      splitKeywords(prompt.keyword).map((keyword) => ({ prompt, keyword, order, length: foldText(keyword).length })),
    )
    .sort((a, b) => b.length - a.length || a.order - b.order);
  return candidates.find((c) => containsPhrase(message, c.keyword))?.prompt;
}

export class RulesBotProvider implements BotProvider {
  readonly name = 'rules';

  async decide(input: BotInput, _signal?: AbortSignal): Promise<BotDecision> {
    const handoff = detectHandoff(input);
    if (handoff) return handoff;

    const keyword = matchKeyword(input.message, input.prompts);
    if (keyword) return reply(keyword.response, input.prospectName);

    if (input.isFirstMessage) {
      const greeting = enabledWithResponse(input.prompts, 'greeting')[0];
      if (greeting) return reply(greeting.response, input.prospectName);
    }
    return fallback(input);
  }
}

function fallback(input: BotInput): BotDecision {
  const configured = input.prompts.filter((p) => p.enabled && p.kind === 'fallback');
  if (!configured.length) return reply(DEFAULT_FALLBACK_TEXT, input.prospectName);
  return reply(configured[0]!.response, input.prospectName);
}

function reply(response: string, name?: string): BotDecision {
  const text = fillName(response.trim(), name);
  return text ? { kind: 'reply', text } : { kind: 'none' };
}
