const DAY = 86_400_000;

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();

/** "now", "5m", "3h", "Yesterday", "Mon", "12 Mar", "12 Mar 2023". */
export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const diff = now - t;
  if (diff < 60_000) return 'now';
  if (diff < 3_600_000) return `${Math.floor(diff / 60_000)}m`;
  const today = startOfDay(new Date(now));
  if (t >= today) return `${Math.floor(diff / 3_600_000)}h`;
  if (t >= today - DAY) return 'Yesterday';
  const d = new Date(t);
  if (t >= today - 6 * DAY) return d.toLocaleDateString(undefined, { weekday: 'short' });
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(undefined, sameYear ? { day: 'numeric', month: 'short' } : { day: 'numeric', month: 'short', year: 'numeric' });
}

export function dayLabel(iso: string, now = Date.now()): string {
  const t = new Date(iso).getTime();
  const today = startOfDay(new Date(now));
  if (t >= today) return 'Today';
  if (t >= today - DAY) return 'Yesterday';
  const d = new Date(t);
  return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', ...(d.getFullYear() !== new Date(now).getFullYear() ? { year: 'numeric' } : {}) });
}

export const dayKey = (iso: string) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
};

export const clockTime = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
export const fullTime = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '');

export function fileSize(bytes?: number): string {
  if (bytes === undefined || bytes === null || Number.isNaN(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function money(amount: number, currency = 'EUR'): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** Totals in several currencies side by side ("EUR 1,200.00 · USD 300.00"), never summed; "—" for none. */
export function moneyTotals(totals: { currency: string; value: number }[]): string {
  if (!totals.length) return '—';
  return totals.map((t) => {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: t.currency, currencyDisplay: 'code' }).format(t.value);
    } catch {
      return `${t.currency} ${t.value.toFixed(2)}`;
    }
  }).join(' · ');
}

export function initials(name: string): string {
  const parts = name.replace(/[^\p{L}\p{N}\s]/gu, ' ').trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '?';
  return ((parts[0][0] ?? '') + (parts.length > 1 ? parts[parts.length - 1][0] ?? '' : '')).toUpperCase();
}

/** A stable pastel hue per id for avatars. */
export function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}
