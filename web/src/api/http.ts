import type { UploadedFile } from '../../../contract/wire';
import { fileSize } from '../lib/format';

/** JSON calls to the hub's REST API with the session's bearer token. */
export class ApiError extends Error {
  /** `details`: the rest of the hub's error object (e.g. `organizations` with organization_required). */
  constructor(public status: number, public code: string, message: string, public details: Record<string, unknown> = {}) {
    super(message);
  }
}

const TOKEN_KEY = 'hub.token';
let onUnauthorized: () => void = () => undefined;

export const session = {
  get token(): string | null {
    try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
  },
  set token(value: string | null) {
    try {
      if (value) localStorage.setItem(TOKEN_KEY, value);
      else localStorage.removeItem(TOKEN_KEY);
    } catch { /* private mode: the session lasts as long as the tab */ }
  },
  onUnauthorized(fn: () => void) { onUnauthorized = fn; },
};

export async function api<T = unknown>(method: string, path: string, body?: unknown, opts: { auth?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = session.token;
  if (token && opts.auth !== false) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network_error', 'The hub cannot be reached. Check your connection.');
  }
  const text = await res.text();
  let data: any;
  try { data = text ? JSON.parse(text) : undefined; } catch { data = undefined; }
  if (!res.ok) {
    const code = data?.error?.code ?? `http_${res.status}`;
    const message = data?.error?.message ?? (res.status >= 500 ? 'The hub had a problem. Try again.' : res.statusText || 'Request failed');
    if (res.status === 401 && opts.auth !== false) onUnauthorized();
    throw new ApiError(res.status, code, message, data?.error ?? {});
  }
  return data as T;
}

export const errorMessage = (err: unknown): string =>
  err instanceof Error ? err.message : typeof err === 'string' ? err : 'Something went wrong';

export interface UploadHandle {
  promise: Promise<UploadedFile>;
  abort(): void;
}

/**
 * Uploads one file as multipart/form-data (field `file`), reporting progress (0..1).
 * XMLHttpRequest rather than fetch: fetch cannot report upload progress.
 */
export function uploadFile(file: File, onProgress?: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<UploadedFile>((resolve, reject) => {
    xhr.open('POST', '/api/uploads');
    xhr.setRequestHeader('accept', 'application/json');
    const token = session.token;
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress?.(Math.min(1, e.loaded / e.total));
    };
    xhr.onload = () => {
      let data: any;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined; } catch { data = undefined; }
      if (xhr.status >= 200 && xhr.status < 300 && data?.id) {
        onProgress?.(1);
        resolve(data as UploadedFile);
        return;
      }
      const code = data?.error?.code ?? `http_${xhr.status}`;
      let message = data?.error?.message ?? (xhr.status >= 500 ? 'The hub had a problem. Try again.' : xhr.statusText || 'Upload failed');
      if (xhr.status === 413 || code === 'payload_too_large') message = tooLarge(data?.error?.message);
      if (xhr.status === 401) onUnauthorized();
      reject(new ApiError(xhr.status, code, message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload failed. Check your connection and try again.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/** "Files are limited to 16777216 bytes" reads better as "File too large (max 16 MB)". */
function tooLarge(serverMessage?: string): string {
  const n = Number(/(\d+)\s*bytes/.exec(serverMessage ?? '')?.[1]);
  if (!Number.isFinite(n) || n <= 0) return serverMessage || 'File too large';
  return `File too large (max ${fileSize(n)})`;
}
