import { join } from 'node:path';
import { configureWhatsAppWeb } from '../../connectors/whatsapp-web/index.js';
import { PINNED_WEB_VERSION } from '../../connectors/whatsapp-web/runtime.js';
import type { Config } from '../config.js';
import { findBrowser } from '../infra/browser.js';

/** WhatsApp Web sessions of this worker: its Chromium, the pinned WhatsApp Web build, its limits (WA_WEB_*). */
export function configureWhatsAppWebSessions(config: Config): void {
  const wa = config.whatsappWeb;
  const root = join(config.dataDir, 'whatsapp-web');
  const webVersionCache = wa.webVersionCache === 'remote' ? { type: 'remote' as const, remotePath: wa.webVersionUrl!, strict: true }
    : wa.webVersionCache === 'none' ? { type: 'none' as const }
    : { type: 'local' as const, path: join(root, 'web-cache') };
  configureWhatsAppWeb({
    browser: () => findBrowser(join(root, 'chromium')),
    chromiumArgs: wa.chromiumArgs,
    webVersion: wa.webVersion ?? PINNED_WEB_VERSION,
    webVersionCache,
    dataDir: join(root, 'sessions'),
    maxSessions: wa.maxSessions,
  });
}
