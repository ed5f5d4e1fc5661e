import { UnrecoverableError, type Job } from 'bullmq';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { connectorContext } from './connector-context.js';
import { categorize } from './errors.js';
import { errorMessage, platformCall } from '../errors.js';
import { hubWorker } from './failure-policy.js';

type ProfileJob = { prospectId: string };

/** New prospects known only by an id, on channels that can say who they are. */
export async function enqueueProfiles(deps: Deps, prospectIds: string[]) {
  if (!prospectIds.length) return;
  const rows = await withSql(deps.orm, (sql) =>
    sql.query('select id, channel_id from prospects where id = any($1::uuid[]) and name is null', [prospectIds]));
  const wanted = [];
  for (const r of rows) if ((await deps.channels.get(r.channel_id))?.connector.profile) wanted.push(r.id as string);
  if (wanted.length) await deps.queues.profile.addBulk(wanted.map((prospectId) => ({ name: 'fetch', data: { prospectId }, opts: { jobId: `profile-${prospectId}` } })));
}

/** Fills in a prospect's name and picture from the platform, then tells the agents. */
export function startProfileWorker(deps: Deps) {
  return hubWorker<ProfileJob, void>(
    deps,
    'profile',
    async (job: Job<ProfileJob>) => {
      const [p] = await withSql(deps.orm, (sql) =>
        sql.query('select id, channel_id, external_id, identifier, identifier_type, name from prospects where id = $1', [job.data.prospectId]));
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
      const conversations = await withSql(deps.orm, async (sql) => {
        await sql.query('update prospects set name = coalesce(name, $2), avatar = coalesce(avatar, $3), updated_at = now() where id = $1',
          [p.id, profile.name ?? null, profile.avatar ?? null]);
        return (await sql.query('select id from conversations where prospect_id = $1', [p.id])).map((r) => r.id as string);
      });
      await deps.live.publish({ newProspects: [p.id], conversations });
    },
    { concurrency: 8 },
  );
}
