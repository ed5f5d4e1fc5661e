import { describe, expect, it } from 'vitest';
import { RulesBotProvider, detectHandoff, DEFAULT_FALLBACK_TEXT, DEFAULT_HANDOFF_TEXT } from '../../src/bot/rules.provider.js';
import { containsPhrase, fillName } from '../../src/bot/text.js';
import type { BotInput, BotPrompt } from '../../src/bot/types.js';

const bot = new RulesBotProvider();
const signal = new AbortController().signal;
const input = (message: string, prompts: BotPrompt[] = [], extra: Partial<BotInput> = {}): BotInput => ({
  message,
  history: [],
  prompts,
  isFirstMessage: false,
  platform: 'whatsapp',
  ...extra,
});
const prompt = (kind: BotPrompt['kind'], response: string, keyword?: string, enabled = true): BotPrompt => ({
  kind,
  response,
  keyword: keyword ?? null,
  enabled,
});

describe('whole-word matching', () => {
  // Decision: whole words only, so plurals and compounds do not match ("agents", "subagent").
  it.each([
    ['I want an agent!', true],
    ['AGENT please', true],
    ['agent', true],
    ['(agent)', true],
    ['talk to an agênt', true], // accent-insensitive: "agênt" ~ "agent"
    ['Agent\u0301', true], // decomposed accent
    ['agents are busy?', false],
    ['subagent', false],
    ['agent_x', false],
    ['agência de viagens', false], // "agencia" is another word
    ['agent2', false],
  ])('"agent" in %j -> %s', (text, expected) => {
    expect(containsPhrase(text, 'agent')).toBe(expected);
  });

  it('matches accented keywords and multi-word phrases, Unicode aware', () => {
    expect(containsPhrase('Quero falar com um ATENDENTE humano', 'atendente humano')).toBe(true);
    expect(containsPhrase('quero um atendente   humano', 'atendente humano')).toBe(true);
    expect(containsPhrase('Qual é o preço?', 'preco')).toBe(true);
    expect(containsPhrase('Qual é o preco?', 'preço')).toBe(true);
    expect(containsPhrase('préçoś', 'preco')).toBe(false);
    expect(containsPhrase('Привет, ОПЕРАТОР!', 'оператор')).toBe(true);
    expect(containsPhrase('операторы', 'оператор')).toBe(false);
    expect(containsPhrase('price (usd)?', 'price (usd)')).toBe(true); // regex characters are literal
  });
});

describe('handoff', () => {
  it('uses "agent" and "human" with the default text when no handoff prompt exists', async () => {
    expect(await bot.decide(input('I want an agent!'), signal)).toEqual({ kind: 'handoff', text: DEFAULT_HANDOFF_TEXT });
    expect(await bot.decide(input('HUMAN pls'), signal)).toEqual({ kind: 'handoff', text: DEFAULT_HANDOFF_TEXT });
    expect(await bot.decide(input('agents?'), signal)).toEqual({ kind: 'reply', text: DEFAULT_FALLBACK_TEXT });
  });

  it("uses an enabled handoff prompt's keywords and response", async () => {
    const prompts = [prompt('handoff', 'Passing you to {name} team… one sec', 'atendente, falar com alguém')];
    expect(await bot.decide(input('quero FALAR com alguem', prompts), signal)).toEqual({
      kind: 'handoff',
      text: 'Passing you to team… one sec',
    });
    expect((await bot.decide(input('an agent please', prompts), signal)).kind).toBe('reply');
  });

  it('keeps the default words when the handoff prompt has no keyword', () => {
    expect(detectHandoff(input('human', [prompt('handoff', 'Right away!')]))).toEqual({ kind: 'handoff', text: 'Right away!' });
  });

  it('ignores disabled handoff prompts (defaults apply so a human stays reachable)', () => {
    const prompts = [prompt('handoff', 'Custom', 'operator', false)];
    expect(detectHandoff(input('operator', prompts))).toBeUndefined();
    expect(detectHandoff(input('agent', prompts))).toEqual({ kind: 'handoff', text: DEFAULT_HANDOFF_TEXT });
  });

  it('wins over keywords and the greeting', async () => {
    const prompts = [prompt('keyword', 'Prices: ...', 'price'), prompt('greeting', 'Hello!')];
    const decision = await bot.decide(input('price? or an agent', prompts, { isFirstMessage: true }), signal);
    expect(decision.kind).toBe('handoff');
  });
});

describe('keywords', () => {
  const prompts = [
    prompt('keyword', 'Our hours are 9-5.', 'hours, open'),
    prompt('keyword', 'Delivery costs $5.', 'delivery'),
    prompt('keyword', 'Express delivery costs $15.', 'express delivery'),
    prompt('keyword', 'Disabled answer', 'open today', false),
    prompt('keyword', '', 'delivery time'),
  ];

  it('replies with a matching prompt, comma-separated alternatives included', async () => {
    expect(await bot.decide(input('When are you OPEN?', prompts), signal)).toEqual({ kind: 'reply', text: 'Our hours are 9-5.' });
    expect(await bot.decide(input('how much is delivery', prompts), signal)).toEqual({ kind: 'reply', text: 'Delivery costs $5.' });
  });

  it('prefers the longest keyword, whatever the prompt order', async () => {
    expect(await bot.decide(input('how much is express delivery?', prompts), signal)).toEqual({
      kind: 'reply',
      text: 'Express delivery costs $15.',
    });
  });

  it('breaks length ties by prompt order', async () => {
    const tied = [prompt('keyword', 'first', 'aaaa'), prompt('keyword', 'second', 'bbbb')];
    expect(await bot.decide(input('bbbb aaaa', tied), signal)).toEqual({ kind: 'reply', text: 'first' });
  });

  it('ignores disabled and empty prompts', async () => {
    // "open today" is disabled and "delivery time" has no response: the shorter matches answer.
    expect(await bot.decide(input('open today?', prompts), signal)).toEqual({ kind: 'reply', text: 'Our hours are 9-5.' });
    expect(await bot.decide(input('delivery time?', prompts), signal)).toEqual({ kind: 'reply', text: 'Delivery costs $5.' });
    expect(await bot.decide(input('hello', prompts), signal)).toEqual({ kind: 'reply', text: DEFAULT_FALLBACK_TEXT });
  });

  it('wins over the greeting', async () => {
    const decision = await bot.decide(input('hours?', [...prompts, prompt('greeting', 'Hi!')], { isFirstMessage: true }), signal);
    expect(decision).toEqual({ kind: 'reply', text: 'Our hours are 9-5.' });
  });
});

describe('greeting', () => {
  const prompts = [prompt('greeting', 'Old hello', undefined, false), prompt('greeting', 'Hi {name}! How can we help?')];

  it('greets on the first message only', async () => {
    expect(await bot.decide(input('hello', prompts, { isFirstMessage: true, prospectName: 'Ana' }), signal)).toEqual({
      kind: 'reply',
      text: 'Hi Ana! How can we help?',
    });
    expect(await bot.decide(input('hello', prompts, { isFirstMessage: false, prospectName: 'Ana' }), signal)).toEqual({
      kind: 'reply', text: DEFAULT_FALLBACK_TEXT,
    });
  });

  it('removes {name} cleanly without a name', async () => {
    expect(await bot.decide(input('hello', prompts, { isFirstMessage: true }), signal)).toEqual({
      kind: 'reply',
      text: 'Hi! How can we help?',
    });
  });

  it('falls back when only disabled greetings exist', async () => {
    expect(await bot.decide(input('hello', [prompts[0]!], { isFirstMessage: true }), signal)).toEqual({ kind: 'reply', text: DEFAULT_FALLBACK_TEXT });
  });
});

describe('fallback', () => {
  it('answers "hello?" with the default text when no fallback prompt exists', async () => {
    expect(await bot.decide(input('hello?'), signal)).toEqual({ kind: 'reply', text: DEFAULT_FALLBACK_TEXT });
  });

  it("uses an enabled fallback prompt's text, with the name filled in, and never a disabled one", async () => {
    const prompts = [prompt('fallback', 'Old', undefined, false), prompt('fallback', 'Sorry {name}, we will get back to you.')];
    expect(await bot.decide(input('hello?', prompts, { prospectName: 'Ana' }), signal)).toEqual({ kind: 'reply', text: 'Sorry Ana, we will get back to you.' });
    expect(await bot.decide(input('hello?', [prompts[0]!]), signal)).toEqual({ kind: 'reply', text: DEFAULT_FALLBACK_TEXT });
  });

  it('keeps silent with an enabled fallback prompt left empty', async () => {
    expect(await bot.decide(input('hello?', [prompt('fallback', '')]), signal)).toEqual({ kind: 'none' });
  });

  it('never replaces a keyword answer, the greeting or a handoff', async () => {
    const prompts = [prompt('fallback', 'Fallback'), prompt('keyword', 'Hours: 9-5', 'hours'), prompt('greeting', 'Welcome!')];
    expect(await bot.decide(input('hours?', prompts), signal)).toEqual({ kind: 'reply', text: 'Hours: 9-5' });
    expect(await bot.decide(input('hi', prompts, { isFirstMessage: true }), signal)).toEqual({ kind: 'reply', text: 'Welcome!' });
    expect(await bot.decide(input('hi', prompts), signal)).toEqual({ kind: 'reply', text: 'Fallback' });
    expect(await bot.decide(input('a human please', prompts), signal)).toEqual({ kind: 'handoff', text: DEFAULT_HANDOFF_TEXT });
  });
});

describe('fillName', () => {
  it.each([
    ['Hi {name}!', undefined, 'Hi!'],
    ['Hi {name}!', '  ', 'Hi!'],
    ['Hello {name}, welcome', undefined, 'Hello, welcome'],
    ['{name}, welcome!', undefined, 'welcome!'],
    ['Hi { NAME }!', 'Zoë', 'Hi Zoë!'],
    ['{name} {name}', 'Bo', 'Bo Bo'],
    ['Hi {name}!\n{name}: line two', undefined, 'Hi!\nline two'],
    ['No placeholder', 'Bo', 'No placeholder'],
  ])('%j with %j -> %j', (text, name, expected) => {
    expect(fillName(text, name)).toBe(expected);
  });
});
