/**
 * A share of the fan-out phase's agents (bench/ingest.bench.ts), in a thread of its own: with
 * thousands of sockets a single load generator thread is the slowest part, and its queue would
 * be counted as the hub's latency. Arrival times are absolute (timeOrigin + now), comparable
 * across threads. The agents decode only the bench's markers in the broadcasts they measure
 * (bench/marker-parser.ts), as each browser decodes only its own copy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Socket } from 'socket.io-client';
import { connectAgents } from './lib.js';
import { markerParser, markersIn } from './marker-parser.js';

type Job = { url: string; token: string; count: number; views: (string | null)[] };
const { url, token, count, views } = workerData as Job;
const now = () => performance.timeOrigin + performance.now();
/** [content, arrival] of each conversation_updated entry and new_message of the phase ("fan-…"). */
const list: [string, number][] = [];
const view: [string, number][] = [];
let packets = 0;

const agents: Socket[] = await connectAgents(url, token, count, { parser: markerParser(['conversation_updated', 'new_message']) });
await Promise.all(agents.map((a, i) => views[i] && a.timeout(30_000).emitWithAck('load_messages', { conversationId: views[i], limit: 1 })));
for (const a of agents) {
  a.on('conversation_updated', (json: string) => {
    packets++;
    const t = now();
    for (const content of markersIn(json, 'fan-')) list.push([content, t]);
  });
  a.on('new_message', (json: string) => {
    const [content] = markersIn(json, 'fan-');
    if (content) view.push([content, now()]);
  });
}
parentPort!.postMessage({ ready: true });
parentPort!.on('message', (m: string) => {
  if (m === 'report') parentPort!.postMessage({ list, view, packets });
  if (m === 'close') {
    agents.forEach((a) => a.close());
    process.exit(0);
  }
});
