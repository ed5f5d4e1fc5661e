import type { Connector, ErrorCategory } from '../../connectors/types.js';
import { ConnectorError } from '../../connectors/types.js';

/** The one place a connector's failure becomes a category: anything unclassified is temporary. */
export function categorize(connector: Connector, err: unknown): ErrorCategory {
  if (err instanceof ConnectorError) return err.category;
  return connector.classifyError?.(err) ?? 'temporary';
}
