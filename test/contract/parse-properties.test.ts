/**
 * Property: whatever a platform sends, a connector's `parse` answers with well-formed events
 * (`unsupported` ones for what it cannot read) and never throws. The inputs are the recorded
 * payloads beside each connector, mutated: values replaced by other JSON, by parts of other
 * payloads, by the wrong type; keys removed; form fields dropped or garbled; emails cut short,
 * their headers and lines altered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.js';
import type { ChannelKind, NormalizedEvent } from '../../connectors/types.js';
import { CASES, Event } from './cases.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Strings that name what every object inherits: a lookup table indexed by untrusted text must not find them. */
const INHERITED = fc.constantFrom('toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'constructor/x');
type Path = (string | number)[];

function pathsOf(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}
const getAt = (v: Json, p: Path): Json => p.reduce<any>((node, k) => node?.[k], v);

const JsonMutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'delete', 'graft', 'wrap', 'stringify', 'nullify', 'emptyObject', 'emptyArray', 'bigNumber', 'inherited'),
  value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  name: INHERITED,
  from: fc.nat(),
});
type JsonMutation = typeof JsonMutation extends fc.Arbitrary<infer T> ? T : never;

/** Applies one mutation at one of the tree's nodes (chosen by `at`); `donors` are other payloads to graft from. */
function mutateJson(tree: Json, m: JsonMutation, donors: Json[]): Json {
  const paths = pathsOf(tree);
  const path = paths[m.at % paths.length]!;
  const node = getAt(tree, path);
  const donor = donors[m.from % donors.length]!;
  const donorPaths = pathsOf(donor);
  const replacement: Json | undefined = {
    replace: m.value,
    delete: undefined,
    graft: structuredClone(getAt(donor, donorPaths[m.from % donorPaths.length]!)),
    wrap: [node],
    stringify: JSON.stringify(node) ?? 'null',
    nullify: null,
    emptyObject: {},
    emptyArray: [],
    bigNumber: 1e308,
    inherited: m.name,
  }[m.op];
  if (!path.length) return replacement === undefined ? {} : replacement;
  const parent = getAt(tree, path.slice(0, -1)) as any;
  const key = path.at(-1)!;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else parent[key] = replacement;
  return tree;
}

const FormMutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'duplicate', 'add', 'empty'),
  value: fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), INHERITED),
  key: fc.oneof(fc.string({ maxLength: 12 }), INHERITED),
});
type FormMutation = typeof FormMutation extends fc.Arbitrary<infer T> ? T : never;

function mutateForm(body: string, ms: FormMutation[]): string {
  const entries = [...new URLSearchParams(body).entries()];
  for (const m of ms) {
    const i = entries.length ? m.at % entries.length : 0;
    if (m.op === 'add' || !entries.length) entries.push([m.key, m.value]);
    else if (m.op === 'delete') entries.splice(i, 1);
    else if (m.op === 'replace') entries[i] = [entries[i]![0], m.value];
    else if (m.op === 'duplicate') entries.push([entries[i]![0], m.value]);
    else entries[i] = [entries[i]![0], ''];
  }
  return new URLSearchParams(entries).toString();
}

const TextMutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('truncate', 'insert', 'deleteLine', 'replaceHeader', 'duplicateLine', 'crlf'),
  value: fc.string({ unit: 'binary', maxLength: 60 }),
});
type TextMutation = typeof TextMutation extends fc.Arbitrary<infer T> ? T : never;

/** Raw email text: cut, spliced, lines dropped or doubled, a header's value replaced. */
function mutateText(text: string, ms: TextMutation[]): string {
  for (const m of ms) {
    const lines = text.split('\n');
    const line = m.at % Math.max(1, lines.length);
    const pos = m.at % Math.max(1, text.length);
    if (m.op === 'truncate') text = text.slice(0, pos);
    else if (m.op === 'insert') text = text.slice(0, pos) + m.value + text.slice(pos);
    else if (m.op === 'deleteLine') text = [...lines.slice(0, line), ...lines.slice(line + 1)].join('\n');
    else if (m.op === 'duplicateLine') text = [...lines.slice(0, line + 1), lines[line] ?? '', ...lines.slice(line + 1)].join('\n');
    else if (m.op === 'crlf') text = text.replace(/\r?\n/g, m.at % 2 ? '\r\n' : '\n');
    else {
      const headers = lines.map((l, i) => [l, i] as const).filter(([l]) => /^[A-Za-z-]+:/.test(l));
      const h = headers[m.at % Math.max(1, headers.length)];
      if (h) lines[h[1]] = `${h[0].split(':')[0]}: ${m.value}`;
      text = lines.join('\n');
    }
  }
  return text;
}

/** A mutated recorded payload, as text, for one connector's input format. */
function mutatedPayloads(kind: ChannelKind): fc.Arbitrary<string> {
  const c = CASES[kind];
  const texts = c.fixtures.map((f) => f.text);
  if (c.contentType === 'application/json') {
    const trees = texts.map((t) => JSON.parse(t) as Json);
    return fc.tuple(fc.nat(), fc.array(JsonMutation, { minLength: 1, maxLength: 4 }))
      .map(([i, ms]) => JSON.stringify(ms.reduce<Json>((tree, m) => mutateJson(tree, m, trees), structuredClone(trees[i % trees.length]!))));
  }
  if (c.contentType === 'application/x-www-form-urlencoded') {
    return fc.tuple(fc.nat(), fc.array(FormMutation, { minLength: 1, maxLength: 4 })).map(([i, ms]) => mutateForm(texts[i % texts.length]!, ms));
  }
  return fc.tuple(fc.nat(), fc.array(TextMutation, { minLength: 1, maxLength: 3 })).map(([i, ms]) => mutateText(texts[i % texts.length]!, ms));
}

const RUNS: Partial<Record<ChannelKind, number>> = { email: 150 };

for (const [kind, connector] of Object.entries(connectors) as [ChannelKind, (typeof connectors)[ChannelKind]][]) {
  const c = CASES[kind];
  const creds = connector.credentials.parse(c.credentials) as never;
  describe(`connector ${kind}: parse on mutated recorded payloads`, () => {
    it('returns well-formed events (or unsupported), never throws', async () => {
      // A connector without recorded payloads is fed arbitrary JSON.
      const bodies = c.fixtures.length ? mutatedPayloads(kind) : fc.jsonValue().map((v) => JSON.stringify(v));
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const events: NormalizedEvent[] = await connector.parse({ body, contentType: c.contentType, receivedAt: 1731710000000 }, creds);
          expect(Array.isArray(events)).toBe(true);
          for (const e of events) {
            const r = Event.safeParse(e);
            expect(r.success, `${JSON.stringify(e)}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
          }
        }),
        { numRuns: RUNS[kind] ?? 400 },
      );
    }, 60_000);
  });
}
