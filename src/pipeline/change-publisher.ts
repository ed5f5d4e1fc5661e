import type { Changes } from './persist.js';

/**
 * Runs the after-commit work (live updates, media and bot jobs) off the path that completes
 * queue jobs, in commit order. When it falls behind, the waiting changes are merged into one
 * run, so its cost follows the distinct conversations touched, not the number of batches.
 */
export class ChangePublisher {
  private waiting?: Changes;
  private running?: Promise<void>;

  constructor(
    private readonly publish: (changes: Changes) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  push(changes: Changes): void {
    this.waiting = this.waiting ? mergeChanges(this.waiting, changes) : changes;
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    while (this.waiting) {
      const next = this.waiting;
      this.waiting = undefined;
      await this.publish(next).catch(this.onError);
    }
    this.running = undefined;
  }

  async idle(): Promise<void> {
    await this.running;
  }
}

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];

/** Two commits' changes as one (later rows after earlier ones; ids once). */
export function mergeChanges(a: Changes, b: Changes): Changes {
  const newMessageRows = [...a.newMessageRows, ...b.newMessageRows];
  const created = new Set(newMessageRows.map((r) => r.id as string));
  return {
    newMessageRows,
    updatedMessages: union(a.updatedMessages, b.updatedMessages).filter((id) => !created.has(id)),
    conversations: union(a.conversations, b.conversations),
    newProspects: union(a.newProspects, b.newProspects),
    attachments: [...a.attachments, ...b.attachments],
    botTurns: [...a.botTurns, ...b.botTurns],
    newConversations: union(a.newConversations, b.newConversations),
  };
}
