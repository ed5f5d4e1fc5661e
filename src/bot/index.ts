/**
 * Bot entry point: `createBotProvider` picks a provider from configuration, `decideSafely`
 * runs it so that a failing or slow provider never blocks the conversation.
 */
import { OpenAiBotProvider, type OpenAiProviderOptions } from './openai.provider.js';
import { RulesBotProvider } from './rules.provider.js';
import type { BotDecision, BotInput, BotProvider } from './types.js';

export type * from './types.js';
export { RulesBotProvider, detectHandoff, matchKeyword, DEFAULT_HANDOFF_TEXT, DEFAULT_HANDOFF_WORDS } from './rules.provider.js';
export { OpenAiBotProvider, buildSystemPrompt, DEFAULT_SYSTEM_PROMPT, HANDOFF_MARKER } from './openai.provider.js';
export type { OpenAiProviderOptions } from './openai.provider.js';
export { containsPhrase, fillName, foldText } from './text.js';

export type BotProviderName = 'rules' | 'openai';

export interface BotConfig {
  provider: BotProviderName;
  openai?: Pick<OpenAiProviderOptions, 'baseUrl' | 'apiKey' | 'model'> &
    Partial<Pick<OpenAiProviderOptions, 'timeoutMs' | 'maxHistory'>>;
}

const providers: Record<BotProviderName, (config: BotConfig) => BotProvider> = {
  rules: () => new RulesBotProvider(),
  openai: (config) => {
    const o = config.openai;
    if (!o?.baseUrl || !o.apiKey || !o.model) {
      throw new Error('bot provider "openai" needs openai.baseUrl, openai.apiKey and openai.model');
    }
    return new OpenAiBotProvider(o);
  },
};

export function createBotProvider(config: BotConfig): BotProvider {
  const factory = Object.hasOwn(providers, config.provider) ? providers[config.provider] : undefined;
  if (!factory) {
    throw new Error(`unknown bot provider "${config.provider}" (known: ${Object.keys(providers).join(', ')})`);
  }
  return factory(config);
}

const NONE: BotDecision = { kind: 'none' };

/**
 * The provider's decision, or `none` when it throws, answers malformed, or takes longer than
 * `timeoutMs` (the provider's signal is then aborted). Never rejects; `onError` hears why.
 */
export async function decideSafely(
  provider: BotProvider,
  input: BotInput,
  timeoutMs: number,
  onError?: (error: Error) => void,
): Promise<BotDecision> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const report = (error: unknown) => {
    try {
      onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // a broken reporter must not break the conversation either
    }
  };

  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const decided = Promise.resolve().then(() => provider.decide(input, controller.signal));
    const result = await Promise.race([decided, timedOut]);
    if (result === 'timeout') {
      controller.abort(new Error('bot decision timed out'));
      decided.catch(() => {}); // its late rejection is expected now
      report(new Error(`bot provider "${provider.name}" gave no decision within ${timeoutMs}ms`));
      return NONE;
    }
    const decision = normalize(result);
    if (!decision) report(new Error(`bot provider "${provider.name}" returned an invalid decision`));
    return decision ?? NONE;
  } catch (error) {
    report(error);
    return NONE;
  } finally {
    clearTimeout(timer);
  }
}

function normalize(decision: unknown): BotDecision | undefined {
  if (!decision || typeof decision !== 'object') return undefined;
  const d = decision as { kind?: unknown; text?: unknown };
  if (d.kind === 'none') return NONE;
  if (d.kind === 'reply') {
    return typeof d.text === 'string' && d.text.trim() ? { kind: 'reply', text: d.text.trim() } : NONE;
  }
  if (d.kind === 'handoff') {
    return typeof d.text === 'string' && d.text.trim() ? { kind: 'handoff', text: d.text.trim() } : { kind: 'handoff' };
  }
  return undefined;
}
