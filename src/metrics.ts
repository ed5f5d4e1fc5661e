import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The hub's Prometheus metrics, one registry per hub instance. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'hub_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'hub_webhooks_total',
      help: 'Webhook deliveries by channel kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    ingested: new Counter({
      name: 'hub_ingested_events_total',
      help: 'Normalized inbound events by type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    infraRetries: new Counter({
      name: 'hub_infra_retries_total',
      help: 'Jobs put back without using an attempt because Postgres or Redis was unreachable',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    infraWaiting: new Gauge({
      name: 'hub_infra_waiting',
      help: '1 while a queue\'s jobs wait for Postgres or Redis to come back',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    replicaReads: new Counter({
      name: 'hub_replica_reads_total',
      help: 'Reads a replica may answer (DATABASE_REPLICA_URLS), by who answered: replica, primary (must be fresh, or the replica paused) or fallback (the replica failed)',
      labelNames: ['answered_by'] as const,
      registers: [registry],
    }),
    unhandledRejections: new Counter({
      name: 'hub_unhandled_rejections_total',
      help: 'Rejected promises nothing awaited (logged with their stack; the process goes on)',
      registers: [registry],
    }),
    outbound: new Counter({
      name: 'hub_outbound_messages_total',
      help: 'Outbound sends by channel kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
