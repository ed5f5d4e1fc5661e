import { computed, ref, type Ref } from 'vue';
import { api } from '../api/http';
import type { CannedResponse } from '../../../contract/wire';

/** The organization's canned responses, loaded once per page and refreshed on demand (the admin tab). */
const all = ref<CannedResponse[]>([]);
let loading: Promise<void> | null = null;

export function loadCannedResponses(force = false): Promise<void> {
  if (!loading || force) {
    loading = api<CannedResponse[]>('GET', '/api/canned-responses').then(
      (list) => void (all.value = list),
      () => void (loading = null),
    );
  }
  return loading;
}

/** `{{contact.name}}`, `{{agent.name}}`…: known variables filled in, unknown ones dropped. */
export function fillVariables(content: string, vars: Record<string, string | undefined>): string {
  return content.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, key: string) => vars[key] ?? '').replace(/[ \t]{2,}/g, ' ').trim();
}

/** The `/query` being typed just before the cursor (at the start or after a space), or null. */
export function slashQuery(text: string, cursor: number): { start: number; query: string } | null {
  const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(text.slice(0, cursor));
  return m ? { start: m.index + m[1]!.length, query: m[2]! } : null;
}

/** Suggestions for the composer: short codes starting with the query first, then any containing it. */
export function useCannedSuggestions(query: Ref<string | null>) {
  void loadCannedResponses();
  return computed(() => {
    if (query.value === null) return [];
    const q = query.value.toLowerCase();
    const starts = all.value.filter((r) => r.shortCode.toLowerCase().startsWith(q));
    const contains = all.value.filter((r) => !starts.includes(r) && (r.shortCode.toLowerCase().includes(q) || r.content.toLowerCase().includes(q)));
    return [...starts, ...contains].slice(0, 8);
  });
}
