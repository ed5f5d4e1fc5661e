import { ref } from 'vue';

/** The time relative labels ("5m", "today") are computed against, ticking every 15 s. */
export const now = ref(Date.now());
if (typeof window !== 'undefined') setInterval(() => (now.value = Date.now()), 15_000);
