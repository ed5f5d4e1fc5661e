import type { Logger } from './logger.js';

/** How long a process that hit an uncaught exception may take to stop gracefully before it is ended. */
const STOP_DEADLINE_MS = 10_000;

/**
 * What the process does with an error nothing caught (Node's default ends it for either).
 * - A rejected promise nobody awaited (a library's fire-and-forget command during a Redis
 *   failover, say) concerns that one call: it is logged with its stack and counted, and the
 *   process goes on. Ending it would drop every agent's socket and every request in flight.
 * - An exception thrown past every handler leaves the process in an unknown state: it is logged
 *   and the process stops, gracefully if it can within 10 s, with code 1 for its supervisor.
 */
export function installProcessGuards(log: Logger, stop: (code: number) => Promise<void>, onRejection: () => void = () => undefined): void {
  process.on('unhandledRejection', (reason) => {
    onRejection();
    log.error({ err: reason }, 'unhandled promise rejection (the process goes on)');
  });
  process.on('uncaughtException', (err, origin) => {
    log.fatal({ err, origin }, 'uncaught exception: stopping');
    // Code 1 however it ends: by the stop, the deadline, or an event loop the stop left empty.
    process.exitCode = 1;
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
    void stop(1).catch(() => process.exit(1));
  });
}
