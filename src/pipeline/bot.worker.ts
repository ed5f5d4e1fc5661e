import type { Job } from 'bullmq';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
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
        const [m] = await sql.query(
          `select m.id, m.content, m.conversation_id, m.organization_id, c.bot_enabled, c.channel_id, c.platform, p.name as prospect_name
           from messages m join conversations c on c.id = m.conversation_id join prospects p on p.id = c.prospect_id
           where m.id = $1 and m.direction = 'in'`,
          [job.data.messageId],
        );
        if (!m?.bot_enabled) return null;
        const history = await sql.query(
          `select direction, content from messages where conversation_id = $1 and id <> $2 and message_type <> 'system'
           order by timestamp desc, seq desc limit 20`,
          [m.conversation_id, m.id],
        );
        const prompts = await sql.query(
          `select kind, keyword, response, enabled from bot_prompts where organization_id = $1 and (channel_id is null or channel_id = $2) and enabled`,
          [m.organization_id, m.channel_id],
        );
        return { m, history: history.reverse(), prompts };
      });
      if (!ctx) return { skipped: true };
      const { m, history, prompts } = ctx;
      const decision = await decideSafely(
        provider,
        {
          message: m.content,
          history: history.map((h: any): BotTurn => ({ role: h.direction === 'in' ? 'user' : 'assistant', content: h.content })),
          prompts,
          isFirstMessage: !history.some((h: any) => h.direction === 'in'),
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
        await withSql(deps.orm, (sql) =>
          sql.query('update conversations set bot_enabled = false, needs_human = true, updated_at = now() where id = $1', [m.conversation_id]));
        await deps.live.publish({ conversations: [m.conversation_id] });
      }
      return { decision: decision.kind };
    },
    { concurrency: 16 },
  );
}
