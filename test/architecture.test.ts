/**
 * The direction of dependencies (ARCHITECTURE.md): http and realtime -> domain -> db,
 * pipeline -> domain -> db; connectors know nothing of the hub. Reads the import statements
 * of every source file and fails on one that points the wrong way.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

type Rule = { from: RegExp; to: RegExp; why: string };

const RULES: Rule[] = [
  { from: /^src\/db\//, to: /^src\/(domain|http|realtime|pipeline)\//, why: 'db is the bottom layer' },
  { from: /^src\/domain\//, to: /^src\/(http|realtime|pipeline)\//, why: 'the domain is used by http, realtime and pipeline, never the reverse' },
  { from: /^src\/domain\//, to: /^(hono|@hono\/|socket\.io|bullmq)/, why: 'the domain is framework-free' },
  { from: /^src\/errors\.ts$/, to: /^(hono|@hono\/)|^src\/(http|realtime|pipeline)\//, why: 'errors are framework-free and below every layer' },
  { from: /^src\/realtime\//, to: /^src\/(http|pipeline)\//, why: 'sockets and HTTP are siblings over the domain' },
  { from: /^src\/pipeline\//, to: /^src\/(http|realtime)\//, why: 'workers reach agents through deps.live, not the socket layer' },
  { from: /^src\/queue\//, to: /^src\/(domain|http|realtime|pipeline)\//, why: 'queues and keys sit below every layer that uses them' },
  { from: /^src\/(security|media)\//, to: /^src\/(http|pipeline)\//, why: 'security and media serve the layers, not the reverse' },
  { from: /^src\/(http|realtime)\//, to: /\.worker\.(ts|js)$/, why: 'routes and sockets queue jobs through src/queue, never a worker file' },
  { from: /^contract\//, to: /^src\//, why: 'the wire contract is shared with the web app, which has no server code' },
  // Their tests may use the hub's parts (the guarded fetcher, say); the connectors themselves may not.
  { from: /^connectors\/(?!.*\.test\.ts$)/, to: /^src\//, why: 'connectors are free of database, queue and env' },
];

/** Known exceptions, each with its reason (none today); keep this short. */
const ALLOWED: { file: string; imports: string; why: string }[] = [];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module a file imports (static, re-exported, dynamic): repo-relative for our files, bare for packages. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)]
    .map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((s) => (s.startsWith('.') ? relative(ROOT, normalize(join(ROOT, dirname(file), s))).split('\\').join('/').replace(/\.js$/, '.ts') : s));
}

const files = [...sources('src'), ...sources('connectors'), ...sources('contract')];
const edges = files.flatMap((file) => importsOf(file).map((imports) => ({ file, imports })));

/** Where SQL is written: the query modules of src/db/ and the batched ingest's steps. */
const SQL_HOMES = /^src\/db\/|^src\/pipeline\/persist\.ts$/;

/** A statement handed to the database: Knex/MikroORM `.execute(` or `.raw(`, or SQL text given to `.query(`. */
const RAW_CALL = /\.(?:execute|raw)\(/;
const SQL_TEXT = /\.query(?:<[^>]*>)?\(\s*[`'"]\s*(?:select|insert|update|delete|with)\b/i;

describe('where SQL lives', () => {
  it('finds raw SQL by its call', () => {
    expect(RAW_CALL.test("conn.execute('select 1')")).toBe(true);
    expect(RAW_CALL.test("trx.raw('select 1')")).toBe(true);
    expect(SQL_TEXT.test('sql.query<{ id: string }>(`select id from users`)')).toBe(true);
    expect(SQL_TEXT.test("c.req.query('exp')")).toBe(false);
  });

  it('has raw SQL only in src/db/ and the batched ingest', () => {
    const outside = files
      .filter((f) => f.startsWith('src/') && !SQL_HOMES.test(f))
      .flatMap((f) => {
        const text = readFileSync(join(ROOT, f), 'utf8');
        const raw = RAW_CALL.test(text) ? [`${f}: .execute(/.raw( outside src/db/`] : [];
        const sql = SQL_TEXT.test(text) ? [`${f}: SQL text outside src/db/`] : [];
        return [...raw, ...sql];
      });
    expect(outside).toEqual([]);
  });
});

describe('dependency direction', () => {
  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(80);
    // The parser sees a static import, a type import and a relative path as they are written.
    expect(edges).toContainEqual({ file: 'src/http/app.ts', imports: 'src/http/errors.ts' });
    expect(edges).toContainEqual({ file: 'src/realtime/live.ts', imports: 'src/domain/read-models.ts' });
    expect(edges).toContainEqual({ file: 'src/pipeline/pull-runner.ts', imports: 'connectors/types.ts' });
  });

  it('has no import against the layering', () => {
    const violations = edges.flatMap(({ file, imports }) =>
      RULES.filter((r) => r.from.test(file) && r.to.test(imports))
        .filter(() => !ALLOWED.some((a) => a.file === file && a.imports === imports))
        .map((r) => `${file} imports ${imports}: ${r.why}`),
    );
    expect(violations).toEqual([]);
  });
});

describe('where Redis connections are made', () => {
  it('only in src/queue/redis-connection.ts, which gives one Redis or a cluster as configured', () => {
    const home = 'src/queue/redis-connection.ts';
    expect(/new (?:Redis|Cluster)\(/.test(readFileSync(join(ROOT, home), 'utf8'))).toBe(true);
    const outside = files.filter((f) => f !== home && /new (?:Redis|Cluster)\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(outside).toEqual([]);
  });
});
