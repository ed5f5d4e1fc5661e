import { nextTick, watch, type Ref } from 'vue';

/**
 * Brings one message of a thread into view (a search hit): pages back through history until it
 * is loaded (at most `maxPages` pages), then scrolls to it and marks it for a moment.
 */
export function useScrollToMessage(opts: {
  scroller: Ref<HTMLElement | null>;
  target: Ref<string | null>;
  loaded: Ref<boolean>;
  has: (id: string) => boolean;
  hasMore: () => boolean;
  loadOlder: () => Promise<void>;
  onFound?: () => void;
  maxPages?: number;
}) {
  let running = false;
  async function go() {
    const id = opts.target.value;
    if (!id || running || !opts.loaded.value) return;
    running = true;
    try {
      for (let page = 0; !opts.has(id) && opts.hasMore() && page < (opts.maxPages ?? 40); page++) await opts.loadOlder();
      await nextTick();
      // After the thread's own scroll to the bottom, which runs on the same tick.
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      const el = opts.scroller.value?.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`);
      if (!el) return;
      opts.onFound?.();
      el.scrollIntoView({ block: 'center' });
      el.dataset.searchTarget = 'true';
      el.style.outline = '2px solid #f59e0b';
      setTimeout(() => (el.style.outline = ''), 2500);
    } finally {
      running = false;
    }
  }
  watch([opts.target, opts.loaded], () => void go(), { flush: 'post', immediate: true });
}
