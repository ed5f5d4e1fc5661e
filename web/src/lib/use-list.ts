import { onMounted, ref, type Ref } from 'vue';
import { api, errorMessage } from '../api/http';

/** A list an admin tab loads on mount: its items, whether it is loading, and what went wrong. */
export function useList<T>(path: string): { items: Ref<T[]>; loading: Ref<boolean>; error: Ref<string | null>; load: () => Promise<void> } {
  const items = ref<T[]>([]) as Ref<T[]>;
  const loading = ref(true);
  const error = ref<string | null>(null);
  async function load() {
    loading.value = true;
    try {
      items.value = await api<T[]>('GET', path);
      error.value = null;
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      loading.value = false;
    }
  }
  onMounted(load);
  return { items, loading, error, load };
}
