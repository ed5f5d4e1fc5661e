import { UnrecoverableError, type Job } from 'bullmq';
import type { Connector } from '../../connectors/types.js';
import type { Deps } from '../context.js';
import { setChannelState } from '../domain/channel-state.js';
import { errorMessage } from '../errors.js';
import { categorize } from './errors.js';

/**
 * A platform call failed: rethrown for a retry while attempts remain and the error is
 * temporary; otherwise `fail` records it (and a refused credential flags the channel).
 */
export async function failOrRetry(
  deps: Deps, job: Job, channel: { id: string; orgId: string; kind: string; connector: Connector }, err: unknown, fail: (reason: string) => Promise<void>,
  retrying?: (reason: string, retry: { attempt: number; of: number }) => Promise<void>,
): Promise<never> {
  const category = categorize(channel.connector, err);
  const lastTry = category === 'permanent' || category === 'auth' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  deps.metrics.outbound.inc({ kind: channel.kind, outcome: lastTry ? 'failed' : category });
  if (!lastTry) {
    await retrying?.(errorMessage(err), { attempt: job.attemptsMade + 1, of: (job.opts.attempts ?? 1) - 1 });
    throw err;
  }
  await fail(errorMessage(err));
  if (category === 'auth') await flagNeedsAuth(deps, channel.id, channel.orgId, errorMessage(err));
  throw new UnrecoverableError(errorMessage(err));
}

async function flagNeedsAuth(deps: Deps, channelId: string, orgId: string, reason: string) {
  await setChannelState(deps, channelId, orgId, 'needs_auth', `The platform refused the credentials: ${reason}`);
}
