import { UnrecoverableError, type Job } from 'bullmq';
import type { Deps } from '../context.js';
import { sqlOf, withSql } from '../db/sql.js';
import { fillProfile, prospectIdentity, unnamedProspects } from '../db/prospects.js';
import { connectorContext } from './connector-context.js';
import { categorize } from './errors.js';
import { errorMessage, platformCall } from '../errors.js';
import { hubWorker } from './failure-policy.js';

type ProfileJob = { prospectId: string };

/** New prospects known only by an id, on channels that can say who they are. */
export async function enqueueProfiles(deps: Deps, prospectIds: string[]) {
  if (!prospectIds.length) return;
  const wanted = [];
  for (const r of await unnamedProspects(sqlOf(deps.orm), prospectIds)) if ((await deps.channels.get(r.channel_id))?.connector.profile) wanted.push(r.id);
  if (wanted.length) await deps.queues.profile.addBulk(wanted.map((prospectId) => ({ name: 'fetch', data: { prospectId }, opts: { jobId: `profile-${prospectId}` } })));
}

/** Fills in a prospect's name and picture from the platform, then tells the agents. */
export function startProfileWorker(deps: Deps) {
  return hubWorker<ProfileJob, void>(
    deps,
    'profile',
    async (job: Job<ProfileJob>) => {
      const p = await prospectIdentity(sqlOf(deps.orm), job.data.prospectId);
      if (!p || p.name) return;
      const channel = await deps.channels.get(p.channel_id);
      if (!channel?.connector.profile) return;
      let profile: { name?: string; avatar?: string };
      try {
        profile = await platformCall(channel.connector.profile.fetch(
          { externalId: p.external_id, identifier: p.identifier, identifierType: p.identifier_type },
          channel.credentials,
          connectorContext(deps, channel.id),
        ));
      } catch (err) {
        // Not allowed to see the profile (permissions, privacy): the id stays the name.
        if (['permanent', 'auth'].includes(categorize(channel.connector, err))) throw new UnrecoverableError(errorMessage(err));
        throw err;
      }
      if (!profile.name && !profile.avatar) return;
      const conversations = await withSql(deps.orm, (sql) => fillProfile(sql, p.id, profile));
      await deps.live.publish({ newProspects: [p.id], conversations });
    },
    { concurrency: 8 },
  );
}
