/**
 * Message delivery status: the one list and its order, shared by the server and the web app.
 * The database has the same order in `message_status_rank()` (migration 20261121000100) and
 * the ingest pipeline ranks by this list's index: a status only ever moves forward, and
 * `failed` outranks every other one.
 */
export const MESSAGE_STATUSES = ['pending', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Position in MESSAGE_STATUSES (-1 for a value that is not a status). */
export const messageStatusRank = (status: string): number => (MESSAGE_STATUSES as readonly string[]).indexOf(status);

/**
 * For a client merging snapshots: the incoming status is an older view of delivery progress
 * (pending -> sent -> delivered -> read) than the current one, so the current one stays.
 * `failed` is never held back, and never holds back what follows it (a retry sets pending again).
 */
export const isStaleStatus = (current: MessageStatus, incoming: MessageStatus): boolean =>
  current !== 'failed' && incoming !== 'failed' && messageStatusRank(current) > messageStatusRank(incoming);
