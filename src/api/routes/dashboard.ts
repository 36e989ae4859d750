import { Hono, type Context } from 'hono';
import type { DashboardAssets } from '../dashboard-assets.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';

/**
 * The dashboard's own policy: its scripts, styles and API calls come from
 * this origin only, nothing is framed, no form posts anywhere. The page
 * loads nothing from the internet.
 */
export const dashboardPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const serve = (c: Context, assets: DashboardAssets, name: string): Response => {
  if (!assets.ok) return answerError(c, 503, 'dashboard_unavailable', assets.message);
  const asset = assets.files.get(name);
  if (asset === undefined) return answerError(c, 404, 'not_found', `the dashboard has no file ${quoteName(name)}`);
  return c.body(asset.body, 200, { 'Content-Type': asset.contentType, 'Content-Security-Policy': dashboardPolicy });
};

/**
 * GET / (the dashboard page) and GET /dashboard/:file (its scripts and
 * styles), from files read once at start.
 *
 * @example
 * app.route('/', createDashboardRoutes(loadDashboardAssets()));
 * // open http://127.0.0.1:8080/ in a browser
 */
export const createDashboardRoutes = (assets: DashboardAssets): Hono => {
  const routes = new Hono();
  routes.get('/', (c) => serve(c, assets, 'index.html'));
  routes.get('/dashboard/:file', (c) => serve(c, assets, c.req.param('file')));
  routes.all('/', rejectMethod('GET, HEAD'));
  routes.all('/dashboard/:file', rejectMethod('GET, HEAD'));
  return routes;
};
