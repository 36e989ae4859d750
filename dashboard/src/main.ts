// The dashboard: a table of contents. Everything it shows comes from hale's own API on this origin.
import { drawStream, drawSummary } from './summary-bar.js';
import { openEventFeed } from './event-feed.js';
import { byId } from './dom.js';
import { startHubsView } from './hubs-view.js';
import { startGraphView } from './graph-view.js';
import { startResourcePoll } from './resource-poll.js';
import { request } from './http.js';
import { createPluginTable } from './plugin-table.js';
import { viewFromBody, type PluginView } from './plugin-view.js';
import { createTimeline } from './timeline.js';
import { askForToken } from './token-dialog.js';
import { saveToken } from './token-store.js';
import { clearNotice, showNotice } from './notice.js';
import { noteOperation } from './operation-notice.js';
import type { FeedEvent, HealthBody } from './types.js';

// The supervisor's clock minus ours, from its last answer: uptimes and ages are its time.
let clockOffset = 0;
const serverNow = () => Date.now() + clockOffset;

const table = createPluginTable({ now: serverNow });
const graph = startGraphView();
const timeline = createTimeline(byId<HTMLOListElement>('timeline'), { limit: 200, withPlugin: true });

/** Reads asked for the token (protectReads): ask once, then go on. */
const askForReadToken = async (why: string): Promise<boolean> => {
  const token = await askForToken(why);
  if (token === null) {
    showNotice('error', `${why}: without the token this page cannot show anything.`);
    return false;
  }
  saveToken(token);
  return true;
};

const readHealth = async (withChecks: boolean): Promise<HealthBody | null> => {
  // /plugins/health carries the recent checks (sparklines); /health the overall verdict and the supervisor.
  const [health, detail] = await Promise.all([
    request<HealthBody>('/health', { usable: [200, 503] }),
    withChecks ? request<HealthBody>('/plugins/health') : Promise.resolve(null),
  ]);
  if (!health.ok) {
    if (health.status === 401 && (await askForReadToken('reading the health of the plugins needs the API token (401)')))
      return readHealth(withChecks);
    return null;
  }
  if (detail?.ok === true) health.body.plugins = { ...health.body.plugins, ...detail.body.plugins };
  return health.body;
};

const refresh = async (withChecks: boolean): Promise<void> => {
  const health = await readHealth(withChecks);
  if (health === null) return;
  const now = Date.parse(health.timestamp);
  clockOffset = now - Date.now();
  const views = new Map<string, PluginView>();
  for (const [name, body] of Object.entries(health.plugins)) views.set(name, viewFromBody(name, body, now, table.view(name)));
  table.replaceAll(views);
  drawSummary(health);
};

// Transitions change the overall verdict and what /health says of a plugin: read it again, at most about once a second.
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
const refreshSoon = () => {
  refreshTimer ??= setTimeout(() => {
    refreshTimer = null;
    void refresh(false);
  }, 400);
};

let liveAfterId = Number.POSITIVE_INFINITY;
const onEvent = (name: string, data: string): void => {
  if (name === 'hello') {
    // Events up to lastId are the replay (older than the answer read next): only the timeline takes them.
    liveAfterId = (JSON.parse(data) as { lastId: number | null }).lastId ?? 0;
    clearNotice('stream');
    void refresh(true);
    return;
  }
  // The gap of lastEventId=0 only says the replay is not from the very first event.
  if (name === 'gap' && (JSON.parse(data) as { lastEventId: number }).lastEventId === 0) return;
  if (name === 'gap' || name === 'overflow') return void refresh(true);
  // A held start says what it waits for; the row and the map read it again.
  if (name === 'waiting') return void (refreshSoon(), graph.refresh());
  const event = { type: name, ...(JSON.parse(data) as object) } as FeedEvent;
  if (event.type === 'transition') timeline.add(event);
  if (event.id <= liveAfterId) return;
  table.apply(event);
  if (event.type === 'transition' || event.type === 'reloaded') graph.refresh();
  if (event.type === 'reloaded') return void refresh(true);
  if (event.type === 'operation') return noteOperation(event.operation);
  if (event.type === 'supervisor' && event.phase === 'stopping')
    showNotice('info', `the supervisor is stopping (${event.reason}); this page reconnects when it is back`, 'stream');
  if (event.type === 'transition' || event.type === 'dependencyTransition' || event.type === 'exited' || event.type === 'ready')
    refreshSoon();
};

openEventFeed({
  // lastEventId=0 replays what the supervisor still holds, for the timeline.
  url: '/events?checks=all&lastEventId=0',
  onState: drawStream,
  onMessage: (message) => {
    if (message.comment !== null) return;
    try {
      onEvent(message.event, message.data);
    } catch (error) {
      console.warn('hale dashboard: an event it could not read', message.event, error);
    }
  },
  onUnauthorized: async (why) => {
    await askForReadToken(why);
  },
});

startHubsView();
startResourcePoll();
setInterval(() => table.tick(), 1_000);
// Components, messages and ages that no event carries: a full look now and then.
setInterval(() => void refresh(false), 10_000);
document.addEventListener('keydown', (event) => {
  if (event.key === '/' && document.activeElement?.tagName !== 'INPUT') {
    event.preventDefault();
    byId('filter').focus();
  }
});
