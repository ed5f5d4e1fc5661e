/**
 * A share of the fan-out phase's agents (bench/ingest.bench.ts), in a thread of its own, as raw
 * Socket.IO connections (bench/raw-agent.ts): thousands of socket.io-client instances on the
 * hub's own cores would be the slowest part, and their queue would be counted as the hub's
 * latency. Arrival times are absolute (timeOrigin + now), comparable across threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connectRawAgents, markersIn } from './raw-agent.js';

type Job = { url: string; token: string; count: number; views: (string | null)[] };
const { url, token, count, views } = workerData as Job;
const now = () => performance.timeOrigin + performance.now();
/** [content, arrival] of each conversation_updated entry and new_message of the phase ("fan-…"). */
const list: [string, number][] = [];
const view: [string, number][] = [];
let packets = 0;

/**
 * A broadcast reaches this thread's agents one after the other as the same bytes: its markers
 * are read once and reused while the packets are equal (a byte comparison, far cheaper than
 * scanning the JSON again), as if each agent had read its own copy.
 */
let last: { raw: Buffer; markers: string[] } | undefined;
function markersOf(raw: Buffer): string[] {
  if (last?.raw.equals(raw)) return last.markers;
  last = { raw, markers: markersIn(raw.toString(), 'fan-') };
  return last.markers;
}

const agents = await connectRawAgents(url, token, count);
await Promise.all(agents.map((a, i) => views[i] && a.emitWithAck('load_messages', { conversationId: views[i], limit: 1 })));
for (const a of agents) {
  a.onEvent = (event, raw) => {
    const t = now();
    if (event === 'conversation_updated') {
      const markers = markersOf(raw);
      // Only the measured round's packets (the warm-up round's messages carry no marker).
      if (markers.length) packets++;
      for (const content of markers) list.push([content, t]);
    } else if (event === 'new_message') {
      const [content] = markersOf(raw);
      if (content) view.push([content, t]);
    }
  };
}
parentPort!.postMessage({ ready: true });
parentPort!.on('message', (m: string) => {
  if (m === 'report') parentPort!.postMessage({ list, view, packets });
  if (m === 'close') {
    agents.forEach((a) => a.close());
    process.exit(0);
  }
});
