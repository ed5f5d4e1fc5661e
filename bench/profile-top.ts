/**
 * `node --import tsx bench/profile-top.ts <dir> [n]`: where the time went in the V8 CPU profiles
 * a bench wrote (BENCH_CPU_PROF=<dir>): per profile, the functions with the most self time and
 * the same time summed by where the code lives (our source file, or the package).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const [dir = '.', top = '25'] = process.argv.slice(2);

/** Where a function lives: a package, one of our files, or node's own (GC, program, native). */
function placeOf(url: string, fn = ''): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const ours = /\/((?:src|connectors|contract|bench)\/.*)$/.exec(url);
  return ours ? ours[1]! : url;
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const n of p.nodes) {
    const ms = self.get(n.id) ?? 0;
    if (!ms) continue;
    const f = n.callFrame;
    const fn = `${f.functionName || '(anonymous)'} ${placeOf(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
    const place = placeOf(f.url, f.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(top)).map(([k, ms]) => `  ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log(`${file}: ${(total / 1000).toFixed(1)} s sampled`);
  console.log(' by place:');
  console.log(rows(byPlace).join('\n'));
  console.log(' by function (self time):');
  console.log(rows(byFn).join('\n'));
}
