import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBotProvider, decideSafely } from '../../src/bot/index.js';
import { DEFAULT_SYSTEM_PROMPT, OpenAiBotProvider } from '../../src/bot/openai.provider.js';
import { RulesBotProvider } from '../../src/bot/rules.provider.js';
import type { BotInput, BotProvider } from '../../src/bot/types.js';

const API_KEY = 'sk-test-SECRET-0123456789abcdef';

type Handler = (req: IncomingMessage, body: any, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let baseUrl: string;
const requests: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: any }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  requests.length = 0;
  server.closeAllConnections(); // drop hanging requests
});

const json = (res: ServerResponse, status: number, payload: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(payload));
};
const completion = (content: string | null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
});
const input = (extra: Partial<BotInput> = {}): BotInput => ({
  message: 'Do you ship to Lisbon?',
  history: [],
  prompts: [],
  isFirstMessage: false,
  platform: 'whatsapp',
  ...extra,
});
const provider = (extra: Partial<ConstructorParameters<typeof OpenAiBotProvider>[0]> = {}) =>
  new OpenAiBotProvider({ baseUrl, apiKey: API_KEY, model: 'gpt-test', ...extra });
const signal = () => new AbortController().signal;

describe('OpenAiBotProvider', () => {
  it('sends the auth header, model, system prompt and history in order, and replies', async () => {
    handler = (_req, _body, res) => json(res, 200, completion('  Yes, we ship to Lisbon in 3 days.  \n'));
    const decision = await provider({ maxHistory: 2 }).decide(
      input({
        prompts: [
          { kind: 'system', response: 'You work for Acme Shoes.', enabled: true },
          { kind: 'system', response: 'Old rules', enabled: false },
          { kind: 'system', response: 'Prices are in EUR. Say [HANDOFF] when unsure.', enabled: true },
          { kind: 'keyword', keyword: 'ship', response: 'ignored by the model provider', enabled: true },
        ],
        history: [
          { role: 'user', content: 'too old' },
          { role: 'assistant', content: 'Hi! How can we help?' },
          { role: 'user', content: 'I like the red ones' },
        ],
      }),
      signal(),
    );
    expect(decision).toEqual({ kind: 'reply', text: 'Yes, we ship to Lisbon in 3 days.' });

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/chat/completions');
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.headers['content-type']).toContain('application/json');
    expect(request!.body).toEqual({
      model: 'gpt-test',
      temperature: 0.3,
      messages: [
        { role: 'system', content: 'You work for Acme Shoes.\n\nPrices are in EUR. Say [HANDOFF] when unsure.' },
        { role: 'assistant', content: 'Hi! How can we help?' },
        { role: 'user', content: 'I like the red ones' },
        { role: 'user', content: 'Do you ship to Lisbon?' },
      ],
    });
  });

  it('uses the default system prompt, which documents the [HANDOFF] marker', async () => {
    handler = (_req, _body, res) => json(res, 200, completion('Sure.'));
    await provider().decide(input(), signal());
    expect(requests[0]!.body.messages[0]).toEqual({ role: 'system', content: DEFAULT_SYSTEM_PROMPT });
    expect(DEFAULT_SYSTEM_PROMPT).toContain('[HANDOFF]');
  });

  it('appends the marker instruction to admin system prompts that lack it', async () => {
    handler = (_req, _body, res) => json(res, 200, completion('Sure.'));
    await provider().decide(input({ prompts: [{ kind: 'system', response: 'Be nice.', enabled: true }] }), signal());
    const system: string = requests[0]!.body.messages[0].content;
    expect(system.startsWith('Be nice.\n\n')).toBe(true);
    expect(system).toContain('[HANDOFF]');
  });

  it('turns the [HANDOFF] marker into a handoff', async () => {
    handler = (_req, _body, res) => json(res, 200, completion("I'm not sure, a colleague will help you. [HANDOFF]"));
    expect(await provider().decide(input(), signal())).toEqual({
      kind: 'handoff',
      text: "I'm not sure, a colleague will help you.",
    });
    handler = (_req, _body, res) => json(res, 200, completion('[handoff]'));
    expect(await provider().decide(input(), signal())).toEqual({ kind: 'handoff' });
  });

  it('returns none for an empty reply', async () => {
    handler = (_req, _body, res) => json(res, 200, completion('   '));
    expect(await provider().decide(input(), signal())).toEqual({ kind: 'none' });
    handler = (_req, _body, res) => json(res, 200, completion(null));
    expect(await provider().decide(input(), signal())).toEqual({ kind: 'none' });
  });

  it('hands off on the handoff word without calling the model', async () => {
    handler = () => {
      throw new Error('must not be called');
    };
    expect(await provider().decide(input({ message: 'a HUMAN please' }), signal())).toEqual({
      kind: 'handoff',
      text: 'Okay, a team member will take it from here.',
    });
    expect(requests).toHaveLength(0);
  });

  it('throws on a 401 with the API message and without the key', async () => {
    handler = (_req, _body, res) =>
      json(res, 401, {
        error: { message: `Incorrect API key provided: ${API_KEY}. Also sk-abc1***********wxyz.`, type: 'invalid_request_error' },
      });
    const error = await provider().decide(input(), signal()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/HTTP 401: Incorrect API key provided/);
    expect((error as Error).message).not.toContain(API_KEY);
    expect((error as Error).message).not.toContain('SECRET');
    expect((error as Error).message).not.toContain('sk-abc1');
  });

  it('throws on a non-JSON error body', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(502, { 'content-type': 'text/html', connection: 'close' });
      res.end('<html>Bad gateway</html>');
    };
    await expect(provider().decide(input(), signal())).rejects.toThrow(/HTTP 502: <html>Bad gateway<\/html>/);
  });

  it('gives up after its own timeout', async () => {
    handler = () => {}; // never answers
    const started = Date.now();
    await expect(provider({ timeoutMs: 150 }).decide(input(), signal())).rejects.toThrow(/no answer within 150ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("respects the caller's AbortSignal", async () => {
    handler = () => {};
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(provider().decide(input(), controller.signal)).rejects.toThrow(/aborted/);
  });

  it('reports an unreachable server without the key', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await provider({ baseUrl: `http://127.0.0.1:${port}` }).decide(input(), signal()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/request failed/);
    expect((error as Error).message).not.toContain(API_KEY);
  });
});

describe('decideSafely', () => {
  it('returns none within the timeout when the server hangs', async () => {
    handler = () => {};
    const errors: Error[] = [];
    const started = Date.now();
    const decision = await decideSafely(provider({ timeoutMs: 10_000 }), input(), 200, (e) => errors.push(e));
    expect(decision).toEqual({ kind: 'none' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/openai.*within 200ms/);
  });

  it('aborts the provider signal on timeout', async () => {
    let aborted = false;
    const slow: BotProvider = {
      name: 'slow',
      decide: (_input, s) =>
        new Promise((_resolve, reject) => s.addEventListener('abort', () => ((aborted = true), reject(s.reason)))),
    };
    expect(await decideSafely(slow, input(), 50)).toEqual({ kind: 'none' });
    expect(aborted).toBe(true);
  });

  it('returns none and reports when the provider throws', async () => {
    handler = (_req, _body, res) => json(res, 401, { error: { message: 'bad key' } });
    const errors: Error[] = [];
    expect(await decideSafely(provider(), input(), 2000, (e) => errors.push(e))).toEqual({ kind: 'none' });
    expect(errors[0]!.message).toMatch(/401: bad key/);

    const syncThrow: BotProvider = {
      name: 'sync',
      decide: () => {
        throw new Error('boom');
      },
    };
    expect(await decideSafely(syncThrow, input(), 100, () => {
      throw new Error('reporter broke too');
    })).toEqual({ kind: 'none' });
  });

  it('passes a good decision through and rejects malformed ones', async () => {
    expect(await decideSafely(new RulesBotProvider(), input({ message: 'agent' }), 100)).toEqual({
      kind: 'handoff',
      text: 'Okay, a team member will take it from here.',
    });
    const weird: BotProvider = { name: 'weird', decide: async () => ({ kind: 'maybe' }) as never };
    const errors: Error[] = [];
    expect(await decideSafely(weird, input(), 100, (e) => errors.push(e))).toEqual({ kind: 'none' });
    expect(errors[0]!.message).toMatch(/invalid decision/);
    const blank: BotProvider = { name: 'blank', decide: async () => ({ kind: 'reply', text: '  ' }) };
    expect(await decideSafely(blank, input(), 100)).toEqual({ kind: 'none' });
  });
});

describe('createBotProvider', () => {
  it('builds the rules and openai providers', async () => {
    expect(createBotProvider({ provider: 'rules' }).name).toBe('rules');
    handler = (_req, _body, res) => json(res, 200, completion('Hello from the model'));
    const openai = createBotProvider({ provider: 'openai', openai: { baseUrl, apiKey: API_KEY, model: 'm' } });
    expect(openai.name).toBe('openai');
    expect(await openai.decide(input(), signal())).toEqual({ kind: 'reply', text: 'Hello from the model' });
  });

  it('refuses an incomplete openai config and unknown providers, without leaking the key', () => {
    expect(() => createBotProvider({ provider: 'openai' })).toThrow(/openai.baseUrl/);
    expect(() => createBotProvider({ provider: 'openai', openai: { baseUrl, apiKey: API_KEY, model: '' } })).toThrow(
      /openai.model/,
    );
    expect(() => createBotProvider({ provider: 'toString' as never })).toThrow(/unknown bot provider "toString"/);
  });
});
