import { decode as notepackDecode, encode as notepackEncode } from 'notepack.io';
import { describe, expect, it } from 'vitest';
import { socketMessagePack } from '../../src/realtime/socket-redis.js';

/** A broadcast as the emitter and the adapter pass it through Redis: [uid, packet, options]. */
const broadcast = [
  'emitter-uid',
  { type: 2, nsp: '/', data: ['new_message', { id: 'm1', content: 'é😀 20 €', timestamp: new Date('2026-12-04T19:00:00.000Z'), seq: 2 ** 40, unread: -3, quoted: null, gone: undefined }] },
  { rooms: ['conv:1', 'user:2'], except: [], flags: {} },
];
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('the Socket.IO Redis codec', () => {
  it('reads what a process of an older version (notepack.io) writes, numbers past 32 bits as numbers, and is read by it', () => {
    const fromOld = socketMessagePack.decode(notepackEncode(broadcast));
    // A BigInt here would make Socket.IO's JSON encoding throw for every agent.
    expect(typeof (fromOld as any)[1].data[1].seq).toBe('number');
    expect(asJson(fromOld)).toEqual(asJson(broadcast));
    expect(asJson(notepackDecode(socketMessagePack.encode(broadcast)))).toEqual(asJson(broadcast));
    expect(asJson(socketMessagePack.decode(socketMessagePack.encode(broadcast)))).toEqual(asJson(broadcast));
  });
});
