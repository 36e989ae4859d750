import type { LinkStatus } from '../model/status.js';
import type { LinkBody } from './bodies.js';
import { isoOrNull } from './plugin-body.js';

/**
 * One of hale's own connections as /health shows it, under `components`.
 *
 * @example
 * toLinkBody(natsStatus); // { status: 'degraded', healthy: false, critical: false, kind: 'nats', … }
 */
export const toLinkBody = (link: LinkStatus): LinkBody => ({
  status: link.state,
  healthy: link.state === 'healthy',
  critical: link.critical,
  kind: link.kind,
  target: link.target,
  reason: link.reason,
  since: isoOrNull(link.since),
  ...link.stats,
});
