import { byId, el, setAttr, setText } from './dom.js';
import { formatClock, formatDuration } from './format.js';
import { request } from './http.js';
import type { FederationBody, HubEntry, HubsBody } from './types.js';

const pollMs = 5_000;

const drawRow = (hub: HubEntry, ownHubId: string): HTMLTableRowElement => {
  const services = [...hub.summary.services, ...(hub.summary.checks ?? [])];
  const up = services.filter((s) => s.status === 'up').length;
  const receivedAt = Date.parse(hub.received_at);
  return el(
    'tr',
    { class: 'hub', 'data-hub': hub.hub_id, 'data-stale': String(hub.stale) },
    el('th', { scope: 'row', class: 'hub-name' }, hub.hub_id, hub.hub_id === ownHubId && el('span', { class: 'badge' }, 'this hale')),
    el('td', { class: 'hub-status', 'data-status': hub.overall_status }, hub.overall_status),
    el(
      'td',
      {
        class: 'num hub-services',
        title: services
          .filter((s) => s.status !== 'up')
          .map((s) => `${s.name}: ${s.status}`)
          .join('\n'),
      },
      `${up}/${services.length}`,
    ),
    el('td', { class: 'num hub-age' }, formatDuration(hub.age_seconds * 1_000)),
    el(
      'td',
      { class: 'hub-fresh' },
      hub.stale && el('span', { class: 'badge stale-badge', title: 'no summary for longer than the stale limit' }, 'stale'),
    ),
    el(
      'td',
      { class: 'hub-time', title: `sent ${hub.summary.timestamp} by the hub's clock` },
      Number.isNaN(receivedAt) ? '–' : formatClock(receivedAt),
    ),
  );
};

/**
 * The hubs view: every hub this hale hears over NATS, from GET
 * /federation/hubs every 5 s. When GET /federation says federation is off it
 * stays hidden and the hubs are never asked for (a 404 would be a console
 * error on every load); when a read fails, the last hubs stay, marked stale.
 *
 * @example
 * startHubsView();
 */
export const startHubsView = (): void => {
  const section = byId('hubs');
  const rows = byId<HTMLTableSectionElement>('hub-rows');
  const note = byId('hubs-note');
  let lastGood: HubsBody | null = null;

  const draw = (body: HubsBody) => {
    rows.replaceChildren(...body.hubs.map((hub) => drawRow(hub, body.hub_id)));
    const stale = body.hubs.filter((h) => h.stale).length;
    setText(byId('hubs-empty'), body.hubs.length === 0 ? 'No hub has sent a summary yet.' : '');
    setText(
      note,
      `${body.hubs.length} ${body.hubs.length === 1 ? 'hub' : 'hubs'}${stale > 0 ? `, ${stale} stale` : ''} · stale after ${formatDuration(body.stale_after_seconds * 1_000)} of silence`,
    );
  };

  const poll = async (): Promise<void> => {
    const answer = await request<HubsBody>('/federation/hubs', { usable: [200] });
    if (answer.ok) {
      lastGood = answer.body;
      section.hidden = false;
      setAttr(section, 'data-stale', 'false');
      draw(answer.body);
    } else if (answer.status === 404) {
      // Federation is off on this hale: nothing to show until the page is loaded again.
      section.hidden = true;
      return;
    } else if (lastGood !== null) {
      setAttr(section, 'data-stale', 'true');
      setText(note, `showing what was last heard; reading /federation/hubs failed (${answer.message})`);
    }
    setTimeout(() => void poll(), pollMs);
  };
  const askFederation = async (): Promise<void> => {
    const federation = await request<FederationBody>('/federation', { usable: [200] });
    if (federation.ok) {
      if (federation.body.enabled) void poll();
      return;
    }
    // No answer yet (the supervisor restarting, a token still to give): ask again later, never the hubs blind.
    if (federation.status !== 404) setTimeout(() => void askFederation(), pollMs);
  };
  void askFederation();
};
