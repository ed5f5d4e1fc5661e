import { ref, watch, type Ref } from 'vue';
import { api, errorMessage } from '../api/http';
import type { SearchResults, SearchSnippet } from '../../../contract/wire';

export type SearchHit = SearchResults['items'][number];

/** Searches the whole message history as the agent types (debounced; a newer query wins). */
export function useMessageSearch(query: Ref<string>, delayMs = 300) {
  const hits = ref<SearchHit[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  watch(query, (q) => {
    if (timer) clearTimeout(timer);
    const term = q.trim();
    const mine = ++seq;
    if (term.length < 2) {
      hits.value = [];
      loading.value = false;
      return;
    }
    timer = setTimeout(async () => {
      loading.value = true;
      error.value = null;
      try {
        const res = await api<SearchResults>('GET', `/api/search/messages?q=${encodeURIComponent(term)}`);
        if (mine === seq) hits.value = res.items;
      } catch (e) {
        if (mine === seq) error.value = errorMessage(e);
      } finally {
        if (mine === seq) loading.value = false;
      }
    }, delayMs);
  }, { immediate: true });
  return { hits, loading, error };
}

/** A snippet as text pieces, the highlighted ones marked: rendered as text, never as HTML. */
export function snippetParts(s: SearchSnippet): { text: string; hit: boolean }[] {
  const parts: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (const h of [...s.highlights].sort((a, b) => a.start - b.start)) {
    if (h.start < at) continue;
    if (h.start > at) parts.push({ text: s.text.slice(at, h.start), hit: false });
    parts.push({ text: s.text.slice(h.start, h.start + h.length), hit: true });
    at = h.start + h.length;
  }
  if (at < s.text.length) parts.push({ text: s.text.slice(at), hit: false });
  return parts;
}
