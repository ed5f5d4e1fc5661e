/** The message-status transition table (contract/message-status.ts) against the database's order. */
import { describe, expect, it } from 'vitest';
import { MESSAGE_STATUSES, canMoveTo, isStaleStatus, messageStatusRank, type MessageStatus } from '../../contract/message-status.js';

const pairs = MESSAGE_STATUSES.flatMap((from) => MESSAGE_STATUSES.map((to) => [from, to] as [MessageStatus, MessageStatus]));

describe('message status', () => {
  it('moves forward in the order SQL ranks (failed highest), and from failed only back to pending', () => {
    for (const [from, to] of pairs) {
      const forward = messageStatusRank(to) > messageStatusRank(from);
      const retry = from === 'failed' && to === 'pending';
      expect(canMoveTo(from, to), `${from} -> ${to}`).toBe(forward || retry);
    }
    expect(canMoveTo('read', 'failed')).toBe(true);
    expect(canMoveTo('failed', 'read')).toBe(false);
    expect(canMoveTo('delivered', 'sent')).toBe(false);
    expect(canMoveTo('sent', 'sent')).toBe(false);
  });

  it('holds back an older snapshot in the web app, never a failure nor what follows one', () => {
    expect(isStaleStatus('delivered', 'sent')).toBe(true);
    expect(isStaleStatus('read', 'pending')).toBe(true);
    expect(isStaleStatus('sent', 'delivered')).toBe(false);
    expect(isStaleStatus('sent', 'sent')).toBe(false);
    // A failure always shows; after a retry the client has not heard of, any step may follow it.
    for (const s of MESSAGE_STATUSES) {
      expect(isStaleStatus(s, 'failed'), `${s} <- failed`).toBe(false);
      expect(isStaleStatus('failed', s), `failed <- ${s}`).toBe(false);
    }
  });
});
