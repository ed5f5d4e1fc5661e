import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from './queue/redis-connection.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { SecretBox } from './security/crypto.js';
import type { TokenService } from './security/tokens.js';
import type { Queues } from './queue/queues.js';
import type { Metrics } from './metrics.js';
import type { Publisher } from './realtime/publisher.js';
import type { ChannelCache } from './pipeline/channel-cache.js';
import type { LiveUpdates } from './realtime/live.js';
import type { MediaStore } from './media/store.js';
import type { MediaSigner } from './media/signer.js';
import type { Presence } from './realtime/presence.js';
import type { SafeFetcher } from './security/safe-fetch.js';
import type { Sessions } from './security/sessions.js';
import type { LoginThrottle } from './security/login-throttle.js';

/** What the hub's parts are built from; passed explicitly, never read from globals. */
export interface Deps {
  config: Config;
  /** The origin webhook addresses are built on. */
  publicUrl: string;
  log: Logger;
  orm: MikroORM;
  redis: RedisClient;
  box: SecretBox;
  tokens: TokenService;
  queues: Queues;
  metrics: Metrics;
  publisher: Publisher;
  channels: ChannelCache;
  live: LiveUpdates;
  media: MediaStore;
  signer: MediaSigner;
  presence: Presence;
  /** The guarded fetch for every URL a channel or a user chose. */
  fetcher: SafeFetcher;
  /** Whether a user's session is still good (sockets), and ending them everywhere. */
  sessions: Sessions;
  loginThrottle: LoginThrottle;
}
