import { ref, type Ref } from 'vue';
import { errorMessage } from '../api/http';

/**
 * The state of an admin tab's save or delete: `busy` while it runs, `error` in words when it
 * fails (a tab's list error by default, or a form's own). `run` answers whether it went through.
 */
export function useAction(error: Ref<string | null> = ref(null)) {
  const busy = ref(false);
  async function run(fn: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      await fn();
      return true;
    } catch (err) {
      error.value = errorMessage(err);
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
