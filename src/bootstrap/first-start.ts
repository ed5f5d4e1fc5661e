import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../security/crypto.js';
import { hashPassword } from '../security/password.js';
import { Organization } from '../domain/organization.entity.js';
import { User } from '../domain/user.entity.js';
import { seedDemo } from './demo.js';

/**
 * On an empty database: the first organization and its admin, who is also the instance owner.
 * A generated password is printed once, outside the structured log.
 */
export async function firstStart(em: EntityManager, config: Config, box: SecretBox, log: Logger): Promise<void> {
  if ((await em.count(Organization, {})) > 0) return;
  const password = config.adminPassword ?? randomBytes(12).toString('base64url');
  const org = em.create(Organization, { name: 'My organization' } as any);
  em.create(User, { organization: org, email: config.adminEmail, name: 'Admin', role: 'owner', passwordHash: await hashPassword(password) } as any);
  await em.flush();
  log.info({ organizationId: org.id, email: config.adminEmail }, 'first start: created the organization and its owner');
  if (!config.adminPassword) {
    process.stdout.write(
      `\n  First start: sign in as ${config.adminEmail} with password ${password}\n  (printed once; set HUB_ADMIN_PASSWORD to choose it)\n\n`,
    );
  }
  if (config.demo) {
    await seedDemo(em, org.id, box);
    log.info('first start: demo conversations added (HUB_DEMO=0 to skip)');
  }
}
