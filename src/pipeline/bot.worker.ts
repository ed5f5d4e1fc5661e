import type { Job } from 'bullmq';
import type { Deps } from '../context.js';
import { sqlOf, withSql } from '../db/sql.js';
import { botInput, recentTurns } from '../db/messages.js';
import { enabledPrompts } from '../db/bot-prompts.js';
import { handToHuman } from '../db/conversations.js';
import { createBotProvider, decideSafely, type BotTurn } from '../bot/index.js';
import { sendMessage } from '../domain/outbound.js';
import { errorMessage } from '../errors.js';
import { hubWorker } from './failure-policy.js';

type BotJob = { messageId: string };

export const enqueueBot = (deps: Pick<Deps, 'queues'>, messageIds: string[]) =>
  deps.queues.bot.addBulk(messageIds.map((messageId) => ({ name: 'reply', data: { messageId }, opts: { jobId: `bot-${messageId}` } })));

/**
 * Answers inbound messages of conversations whose bot is on, through the same outbound path
 * as agents (senderType 'bot'). A handoff turns the bot off and flags the conversation for a
 * human. A failing or slow provider means no bot reply, never a stuck conversation.
 */
export function startBotWorker(deps: Deps) {
  const provider = createBotProvider(deps.config.bot);
  return hubWorker<BotJob, unknown>(
    deps,
    'bot',
    async (job: Job<BotJob>) => {
      const ctx = await withSql(deps.orm, async (sql) => {
        const m = await botInput(sql, job.data.messageId);
        if (!m?.bot_enabled) return null;
        return { m, history: await recentTurns(sql, m.conversation_id, m.id), prompts: await enabledPrompts(sql, m.organization_id, m.channel_id) };
      });
      if (!ctx) return { skipped: true };
      const { m, history, prompts } = ctx;
      const decision = await decideSafely(
        provider,
        {
          message: m.content,
          history: history.map((h): BotTurn => ({ role: h.direction === 'in' ? 'user' : 'assistant', content: h.content })),
          prompts,
          isFirstMessage: !history.some((h) => h.direction === 'in'),
          prospectName: m.prospect_name ?? undefined,
          platform: m.platform,
        },
        deps.config.bot.timeoutMs,
        (err) => deps.log.warn({ err: errorMessage(err), provider: provider.name }, 'bot provider failed'),
      );
      if (decision.kind === 'none') return { decision: 'none' };
      const actor = { userId: 'bot', orgId: m.organization_id, role: 'agent' };
      const text = decision.text;
      if (text) {
        // The inbound message's id makes the bot's reply idempotent across job retries.
        await sendMessage(deps, actor, { conversationId: m.conversation_id, content: text, clientMessageId: `bot-${m.id}` }, 'bot').catch((err) =>
          deps.log.warn({ err: errorMessage(err), conversationId: m.conversation_id }, 'bot reply not sent'));
      }
      if (decision.kind === 'handoff') {
        await handToHuman(sqlOf(deps.orm), m.conversation_id);
        await deps.live.publish({ conversations: [m.conversation_id] });
      }
      return { decision: decision.kind };
    },
    { concurrency: 16 },
  );
}
