/**
 * GET /widget.js: the one script a site adds. It asks the hub whether this page may have the chat
 * (a page of another origin gets nothing), then adds a launcher bubble and the chat frame, served
 * by the hub and isolated from the page. Page and frame talk only through postMessage, each
 * checking the other's origin and window.
 *
 * A site may set `window.hubChatSettings = { identifier, identifierHash, name, email }` before the
 * script for a signed-in customer, and call `window.HubChat.open()` / `.close()`.
 */
type Settings = { identifier?: string; identifierHash?: string; name?: string; email?: string };
type Config = { title: string; color: string };

declare global {
  interface Window {
    hubChatSettings?: Settings;
    HubChat?: { open(): void; close(): void };
  }
}

const BUBBLE = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
const CROSS = '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path fill="currentColor" d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z"/></svg>';

(function load() {
  const script = document.currentScript as HTMLScriptElement | null;
  const token = script?.dataset.websiteToken;
  if (!script || !token || window.HubChat) return;
  const hub = new URL(script.src).origin;
  window.HubChat = { open: () => undefined, close: () => undefined };
  fetch(`${hub}/widget/v1/config?websiteToken=${encodeURIComponent(token)}`)
    .then((r) => (r.ok ? (r.json() as Promise<Config>) : undefined))
    .then((config) => config && mount(hub, token, config))
    .catch(() => undefined);
})();

function mount(hub: string, token: string, config: Config) {
  const host = document.createElement('div');
  host.id = 'hub-chat';
  // Open shadow root: the page's CSS cannot reach in, ours cannot leak out.
  const root = host.attachShadow({ mode: 'open' });
  const rtl = getComputedStyle(document.documentElement).direction === 'rtl';
  const side = rtl ? 'left' : 'right';
  root.innerHTML = `<style>
    :host { all: initial; }
    button { position: fixed; bottom: 20px; ${side}: 20px; width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer;
      background: ${config.color}; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); z-index: 2147483646; display: grid; place-items: center; }
    button:focus-visible { outline: 3px solid #111; outline-offset: 3px; }
    .badge { position: absolute; top: -4px; ${rtl ? 'right' : 'left'}: -4px; min-width: 20px; height: 20px; border-radius: 10px; background: #dc2626;
      color: #fff; font: 600 12px/20px system-ui, sans-serif; text-align: center; padding: 0 5px; box-sizing: border-box; }
    .badge[hidden] { display: none; }
    iframe { position: fixed; bottom: 92px; ${side}: 20px; width: 380px; height: min(640px, calc(100vh - 112px)); border: 0; border-radius: 14px;
      box-shadow: 0 8px 30px rgba(0,0,0,.25); z-index: 2147483647; background: #fff; color-scheme: normal; }
    iframe[hidden] { display: none; }
    @media (max-width: 640px) { iframe { inset: 0; width: 100%; height: 100%; border-radius: 0; } }
  </style>
  <button type="button" aria-label="Open chat: ${escapeAttr(config.title)}" aria-expanded="false" aria-controls="hub-chat-frame">${BUBBLE}<span class="badge" hidden></span></button>
  <iframe id="hub-chat-frame" title="Chat: ${escapeAttr(config.title)}" hidden></iframe>`;
  const button = root.querySelector('button')!;
  const frame = root.querySelector('iframe')!;
  frame.src = `${hub}/widget/frame?websiteToken=${encodeURIComponent(token)}`;
  let open = false;
  let ready = false;
  // Keyboard users land in the composer: a hub-origin frame cannot take the page's focus by
  // itself. Only once it has loaded: focusing a frame still loading cost it its first messages.
  const focusFrame = () => {
    if (open && ready) frame.focus();
  };

  const post = (message: Record<string, unknown>) => frame.contentWindow?.postMessage({ source: 'hub-chat', ...message }, hub);
  const tokenKey = `hub-chat:${token}`;
  const kept = () => { try { return localStorage.getItem(tokenKey) ?? undefined; } catch { return undefined; } };
  const context = () => ({
    type: 'context',
    visitorToken: kept(),
    settings: { ...window.hubChatSettings },
    page: { url: location.href, referrer: document.referrer || undefined, browser: navigator.userAgent },
    dir: rtl ? 'rtl' : 'ltr',
    lang: document.documentElement.lang || navigator.language,
    open,
  });
  const setOpen = (value: boolean) => {
    open = value;
    frame.hidden = !value;
    button.setAttribute('aria-expanded', String(value));
    button.setAttribute('aria-label', value ? 'Close chat' : `Open chat: ${config.title}`);
    button.innerHTML = (value ? CROSS : BUBBLE) + root.querySelector('.badge')!.outerHTML;
    focusFrame();
    post({ type: value ? 'open' : 'close' });
    if (!value) button.focus();
  };
  button.addEventListener('click', () => setOpen(!open));
  window.addEventListener('message', (e) => {
    // Only the hub's frame of this page speaks to us.
    if (e.origin !== hub || e.source !== frame.contentWindow || e.data?.source !== 'hub-chat') return;
    if (e.data.type === 'ready') {
      ready = true;
      post(context());
      focusFrame();
    }
    if (e.data.type === 'close') setOpen(false);
    if (e.data.type === 'visitor' && typeof e.data.visitorToken === 'string') {
      try { localStorage.setItem(tokenKey, e.data.visitorToken); } catch { /* the frame keeps it for this visit */ }
    }
    if (e.data.type === 'unread') {
      const b = root.querySelector<HTMLElement>('.badge')!;
      const n = Number(e.data.count) || 0;
      b.hidden = n === 0;
      b.textContent = n > 9 ? '9+' : String(n);
    }
  });
  window.HubChat = { open: () => setOpen(true), close: () => setOpen(false) };
  document.body.appendChild(host);
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export {};
