/**
 * A provider for any OpenAI-compatible chat-completions API (OpenAI, Azure-style proxies,
 * Ollama, vLLM, LM Studio...). The handoff word is checked locally first, so asking for a human
 * never depends on the model. The model asks for a handoff by including HANDOFF_MARKER.
 */
import { detectHandoff } from './rules.provider.js';
import type { BotDecision, BotInput, BotPrompt, BotProvider } from './types.js';

export const HANDOFF_MARKER = '[HANDOFF]';
const MARKER = /\[\s*handoff\s*\]/iu;
const ALL_MARKERS = /\[\s*handoff\s*\]/giu;

const HANDOFF_INSTRUCTION =
  `If you cannot answer reliably, or the customer asks for a person, reply with a short note that ` +
  `a team member will take over and include the exact marker ${HANDOFF_MARKER} in your reply.`;

export const DEFAULT_SYSTEM_PROMPT =
  'You are a friendly customer support assistant for a business, chatting with a customer on a ' +
  'messaging channel. Answer briefly (one to three sentences) in the language of the customer. ' +
  'Never invent prices, policies, order details or promises. ' +
  HANDOFF_INSTRUCTION;

export interface OpenAiProviderOptions {
  /** E.g. "https://api.openai.com/v1"; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs?: number;
  /** How many history turns to send, the most recent ones. */
  maxHistory?: number;
  fetch?: typeof fetch;
}

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/**
 * Enabled 'system' prompts joined, or the default. Admin prompts get the handoff instruction
 * appended unless they already mention the marker, so the marker keeps working.
 */
export function buildSystemPrompt(prompts: BotPrompt[]): string {
  const custom = prompts
    .filter((p) => p.enabled && p.kind === 'system' && p.response.trim() !== '')
    .map((p) => p.response.trim())
    .join('\n\n');
  if (!custom) return DEFAULT_SYSTEM_PROMPT;
  return MARKER.test(custom) ? custom : `${custom}\n\n${HANDOFF_INSTRUCTION}`;
}

export class OpenAiBotProvider implements BotProvider {
  readonly name = 'openai';
  private readonly url: string;
  private readonly apiKey: string;
  private readonly model: string;
  private readonly timeoutMs: number;
  private readonly maxHistory: number;
  private readonly fetch: typeof fetch;

  constructor(options: OpenAiProviderOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/u, '')}/chat/completions`;
    this.apiKey = options.apiKey;
    this.model = options.model;
    this.timeoutMs = options.timeoutMs ?? 8000;
    this.maxHistory = Math.max(0, Math.floor(options.maxHistory ?? 20));
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async decide(input: BotInput, signal: AbortSignal): Promise<BotDecision> {
    const handoff = detectHandoff(input);
    if (handoff) return handoff;

    const history = this.maxHistory > 0 ? input.history.slice(-this.maxHistory) : [];
    const messages: ChatMessage[] = [
      { role: 'system', content: buildSystemPrompt(input.prompts) },
      ...history.map((t) => ({ role: t.role, content: t.content })),
      { role: 'user', content: input.message },
    ];

    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let body: string;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
        body: JSON.stringify({ model: this.model, messages, temperature: 0.3 }),
        signal: AbortSignal.any([signal, timeout]),
      });
      body = await response.text();
    } catch (error) {
      if (timeout.aborted) throw new Error(`openai bot: no answer within ${this.timeoutMs}ms`);
      if (signal.aborted) throw new Error('openai bot: request aborted');
      throw new Error(`openai bot: request failed: ${this.redact(errorMessage(error))}`);
    }

    if (!response.ok) {
      throw new Error(`openai bot: HTTP ${response.status}: ${this.redact(apiErrorMessage(body))}`);
    }
    return toDecision(parseContent(body));
  }

  /** API error messages may echo the key (OpenAI's 401 does, masked); never pass it on. */
  private redact(text: string): string {
    let out = this.apiKey ? text.split(this.apiKey).join('[redacted]') : text;
    out = out.replace(/\bsk-[\w*-]{4,}/gu, '[redacted]');
    return out.length > 300 ? `${out.slice(0, 300)}…` : out;
  }
}

function errorMessage(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error instanceof Error ? `${error.message}${cause}` : String(error);
}

function apiErrorMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof json.error === 'string') return json.error;
    if (typeof json.error?.message === 'string') return json.error.message;
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: a proxy's HTML page, say
  }
  return body.trim().replace(/\s+/gu, ' ') || '(empty body)';
}

/** choices[0].message.content: a string, or (some compatible servers) an array of text parts. */
function parseContent(body: string): string {
  let json: { choices?: Array<{ message?: { content?: unknown } }> };
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('openai bot: the response is not JSON');
  }
  const content = json.choices?.[0]?.message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join('');
  }
  return '';
}

function toDecision(content: string): BotDecision {
  const text = content.trim();
  if (!text) return { kind: 'none' };
  if (MARKER.test(text)) {
    const rest = text.replace(ALL_MARKERS, '').replace(/[ \t]{2,}/gu, ' ').trim();
    return rest ? { kind: 'handoff', text: rest } : { kind: 'handoff' };
  }
  return { kind: 'reply', text };
}
