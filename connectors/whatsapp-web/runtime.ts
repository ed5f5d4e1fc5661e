import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realClient, type ClientFactory, type WaClientOptions } from './client.js';

/** The WhatsApp Web build whatsapp-web.js 1.34.7 was released against; upgrade through WA_WEB_VERSION. */
export const PINNED_WEB_VERSION = '2.3000.1017054665';

/**
 * How sessions run in this process. The hub sets it once from its config (configureWhatsAppWeb);
 * tests swap the client for a stand-in and shorten the timings.
 */
export interface WhatsAppWebRuntime {
  createClient: ClientFactory;
  /** A Chromium to drive (src/infra/browser.ts finds the machine's or the npm-shipped one). */
  browser(): Promise<{ executablePath: string; env: Record<string, string> }>;
  /** Added to the small-footprint flags below. */
  chromiumArgs: string[];
  webVersion: string;
  webVersionCache: NonNullable<WaClientOptions['webVersionCache']>;
  /** Browser profiles while a session runs (the lasting copy is the sealed zip in Postgres). */
  dataDir: string;
  maxSessions: number;
  backoff: { initialMs: number; maxMs: number };
  watchdog: { intervalMs: number; probeTimeoutMs: number; badPollsBeforeRestart: number; silentMs: number };
  /** WhatsApp Web must show a QR, a code or the saved login within this (its page load has no timeout of its own). */
  startupTimeoutMs: number;
  /** How long a QR is shown before WhatsApp rotates it, and a pairing code's lifetime. */
  qrTtlMs: number;
  codeTtlMs: number;
  qrMaxRetries: number;
  /** RemoteAuth's backups of a linked session (at least 60 s). */
  backupSyncIntervalMs: number;
  /** Media larger than this is not carried in the payload; the media job fetches it from the session. */
  inlineMediaMaxBytes: number;
  /** Messages per chat read back after a restart. */
  backfillLimit: number;
}

/** A headless Chromium that does only WhatsApp Web: no GPU, extensions, sync, background traffic or crash reports. */
export const SMALL_FOOTPRINT_ARGS = [
  '--no-sandbox', '--disable-setuid-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
  '--disable-extensions', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--no-first-run', '--no-default-browser-check', '--mute-audio', '--disable-breakpad',
  '--disable-features=Translate,MediaRouter,OptimizationHints', '--renderer-process-limit=2', '--js-flags=--max-old-space-size=256',
];

let runtime: WhatsAppWebRuntime = {
  createClient: realClient,
  browser: async () => {
    throw new Error('no Chromium configured for WhatsApp Web sessions');
  },
  chromiumArgs: [],
  webVersion: PINNED_WEB_VERSION,
  webVersionCache: { type: 'local', path: join(tmpdir(), 'hub-wwebjs-cache') },
  dataDir: join(tmpdir(), 'hub-wwebjs'),
  maxSessions: 10,
  backoff: { initialMs: 2_000, maxMs: 5 * 60_000 },
  watchdog: { intervalMs: 30_000, probeTimeoutMs: 15_000, badPollsBeforeRestart: 3, silentMs: 15 * 60_000 },
  startupTimeoutMs: 120_000,
  qrTtlMs: 20_000,
  codeTtlMs: 180_000,
  qrMaxRetries: 10,
  backupSyncIntervalMs: 5 * 60_000,
  inlineMediaMaxBytes: 5 * 1024 * 1024,
  backfillLimit: 50,
};

export function configureWhatsAppWeb(changes: Partial<WhatsAppWebRuntime>): void {
  runtime = { ...runtime, ...changes };
}

export const currentRuntime = (): WhatsAppWebRuntime => runtime;
