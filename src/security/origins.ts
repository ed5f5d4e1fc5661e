import type { Deps } from '../context.js';

/**
 * Which browser origins may call the API and open sockets: the hub's own (PUBLIC_URL's, or the
 * page's when it came from the host it asked), and CORS_ORIGINS. No Origin header: not a browser.
 */
export function originAllowed(deps: Pick<Deps, 'publicUrl' | 'config'>, origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  if (origin === new URL(deps.publicUrl).origin || deps.config.corsOrigins.includes(origin)) return true;
  // Same origin as the request itself (a browser cannot forge Host).
  return URL.canParse(origin) && !!host && new URL(origin).host === host.toLowerCase();
}
