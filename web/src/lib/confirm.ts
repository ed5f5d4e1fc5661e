/**
 * One confirm dialog for the whole app (ConfirmDialog.vue, mounted once in App.vue), asked
 * like `window.confirm` but styled, keyboard usable and not blocking the page:
 * `if (!(await confirmAction({ title: 'Delete this note?', confirmLabel: 'Delete', danger: true }))) return;`
 */
import { reactive } from 'vue';

export interface ConfirmRequest {
  title: string;
  message?: string;
  /** The confirming button's label (default "OK"). */
  confirmLabel?: string;
  /** A destructive action: the confirming button is red and Cancel has the focus. */
  danger?: boolean;
}

export const confirmState = reactive<{ request: ConfirmRequest | null }>({ request: null });
let settle: ((ok: boolean) => void) | undefined;

/** Resolves true when the person confirms, false when they cancel (Escape, Cancel, or a newer question). */
export function confirmAction(request: ConfirmRequest): Promise<boolean> {
  settle?.(false);
  confirmState.request = request;
  return new Promise((resolve) => (settle = resolve));
}

/** The dialog's answer. */
export function answerConfirm(ok: boolean): void {
  const done = settle;
  settle = undefined;
  confirmState.request = null;
  done?.(ok);
}
