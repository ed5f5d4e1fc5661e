/**
 * Message delivery status: the one list, its order and its transition table, shared by the
 * server and the web app. The database has the same order in `message_status_rank()`
 * (migration 20261121000100) and the ingest pipeline ranks by this list's index: a status only
 * ever moves forward, and `failed` outranks every other one; only a retry moves `failed` back
 * to `pending`.
 */
export const MESSAGE_STATUSES = ['pending', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Position in MESSAGE_STATUSES (-1 for a value that is not a status). */
export const messageStatusRank = (status: string): number => (MESSAGE_STATUSES as readonly string[]).indexOf(status);

/** The transition table: forward in rank (a platform may skip steps), and a retry from `failed`. */
const MOVES: { readonly [S in MessageStatus]: readonly MessageStatus[] } = {
  pending: ['sent', 'delivered', 'read', 'failed'],
  sent: ['delivered', 'read', 'failed'],
  delivered: ['read', 'failed'],
  read: ['failed'],
  failed: ['pending'],
};

/** Whether one status change may take a message from `from` to `to`. */
export const canMoveTo = (from: MessageStatus, to: MessageStatus): boolean => MOVES[from].includes(to);

/**
 * For a client merging snapshots: the incoming status is an older view of delivery progress
 * than the current one (the current one could have come from it), so the current one stays.
 * `failed` is never held back, and never holds back what follows it: a retry the client has
 * not heard of yet may have sent the message since.
 */
export const isStaleStatus = (current: MessageStatus, incoming: MessageStatus): boolean =>
  current !== 'failed' && incoming !== 'failed' && canMoveTo(incoming, current);
