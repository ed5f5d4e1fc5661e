import type { Deps } from '../context.js';

/**
 * Which browser origins may call the API and open sockets: the hub's own (PUBLIC_URL's, or the
 * page's when it came from the host it asked), and CORS_ORIGINS. No Origin header: not a browser.
 */
export function originAllowed(deps: Pick<Deps, 'publicUrl' | 'config'>, origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  return deps.config.corsOrigins.includes(origin) || isOwnOrigin(deps, origin, host);
}

/** The hub's own pages: PUBLIC_URL's origin, or the same host as the request itself (a browser cannot forge Host). */
export function isOwnOrigin(deps: Pick<Deps, 'publicUrl'>, origin: string, host: string | undefined): boolean {
  if (origin === new URL(deps.publicUrl).origin) return true;
  return URL.canParse(origin) && !!host && new URL(origin).host === host.toLowerCase();
}
