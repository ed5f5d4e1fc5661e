// Minimal typings for hoodiecrow-imap 2.1 (a scriptable IMAP server for tests; ships none).
declare module 'hoodiecrow-imap' {
  import type { Server } from 'node:net';

  export interface HoodiecrowOptions {
    plugins?: string[];
    users?: Record<string, { password: string }>;
    storage?: Record<string, unknown>;
    debug?: boolean;
  }
  export interface HoodiecrowServer {
    server: Server;
    listen(port: number, host: string, callback?: () => void): void;
    close(callback?: () => void): void;
  }
  export default function hoodiecrow(options?: HoodiecrowOptions): HoodiecrowServer;
}
