import { Hono } from 'hono';
import type { Context } from 'hono';
import type { ApiBackend } from '../backend.js';
import type { FederatedServicesBody, FederationBody, HubsBody } from '../bodies.js';
import { answerError, rejectMethod } from '../errors.js';

const disabledMessage =
  'federation is not enabled on this hale; to hear other hubs, give its config a nats: section and federation.enabled: true';

const answerDisabled = (c: Context): Response => answerError(c, 404, 'federation_disabled', disabledMessage);

/**
 * GET /federation — whether federation is on, always 200, so a page can
 * ask first instead of meeting a 404 — GET /federation/hubs — every hub
 * heard over NATS with its last summary, its age and whether it went
 * stale — and GET /federation/services, every service of every hub.
 * The last two answer 404 `federation_disabled` when federation is off.
 *
 * @example
 * app.route('/federation', createFederationRoutes(backend));
 * // GET /federation → { enabled: false, hub_id: null, stale_after_seconds: null }
 */
export const createFederationRoutes = (backend: ApiBackend): Hono => {
  const routes = new Hono();
  routes.get('/', (c) => {
    const federation = backend.federation;
    if (federation === undefined) return c.json({ enabled: false, hub_id: null, stale_after_seconds: null } satisfies FederationBody);
    return c.json({
      enabled: true,
      hub_id: federation.hubId,
      stale_after_seconds: federation.staleAfterMs / 1_000,
    } satisfies FederationBody);
  });
  routes.get('/hubs', (c) => {
    const federation = backend.federation;
    if (federation === undefined) return answerDisabled(c);
    return c.json({
      hub_id: federation.hubId,
      stale_after_seconds: federation.staleAfterMs / 1_000,
      hubs: federation.hubs(),
    } satisfies HubsBody);
  });
  routes.get('/services', (c) => {
    const federation = backend.federation;
    if (federation === undefined) return answerDisabled(c);
    return c.json({ services: federation.services() } satisfies FederatedServicesBody);
  });
  routes.all('/', rejectMethod('GET, HEAD'));
  routes.all('/hubs', rejectMethod('GET, HEAD'));
  routes.all('/services', rejectMethod('GET, HEAD'));
  return routes;
};
