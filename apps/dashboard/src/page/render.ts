/** Rendering of the page's panels from the feed: status, cards, the registry table, events. */
import type { FeedEvent, PeerRow } from '../feed.js';

const TRANSPORTS = ['tcp', 'unix', 'ws'] as const;

/** `&`, `<`, `>`, `"` escaped: every text from the wire goes through this. */
export function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);
}

/** `850 ms`, `12 s`, `3 min 05 s`, `2 h 10 min`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The connection pill: what this page's own client is doing. */
export function renderStatus(el: HTMLElement, state: string, text: string): void {
  el.dataset.state = state;
  el.textContent = text;
}

/** One card per transport (client connections, dashboards aside) and the message total. */
export function renderCards(el: HTMLElement, peers: readonly PeerRow[], total: number): void {
  const cards = TRANSPORTS.map((t) => {
    const rows = peers.filter((p) => p.transport === t);
    const clients = rows.filter((p) => p.role === 'client').length;
    const pages = rows.length - clients;
    const sub = `${clients === 1 ? '1 client' : `${clients} clients`}${pages > 0 ? ` · ${pages} page${pages === 1 ? '' : 's'}` : ''}`;
    return `<div class="card ${t}" data-transport="${t}" data-count="${rows.length}"><div class="label">${t}</div><div class="value">${rows.length}</div><div class="sub">${sub}</div></div>`;
  });
  cards.push(`<div class="card"><div class="label">messages handled</div><div class="value">${total.toLocaleString('en')}</div><div class="sub">echoed, in + out, since the server started</div></div>`);
  el.innerHTML = cards.join('');
}

/** The registry: one row per live connection, by transport then age. */
export function renderPeers(el: HTMLElement, peers: readonly PeerRow[], you: string | undefined): void {
  if (peers.length === 0) {
    el.innerHTML = '<tr><td class="empty" colspan="7">no connections</td></tr>';
    return;
  }
  const order = (p: PeerRow): number => TRANSPORTS.indexOf(p.transport as (typeof TRANSPORTS)[number]);
  const sorted = [...peers].sort((a, b) => order(a) - order(b) || b.age - a.age);
  el.innerHTML = sorted.map((p) => {
    const who = p.role === 'dashboard' ? `dashboard${p.id === you ? '<span class="you">this page</span>' : ''}` : escape(p.name ?? '—');
    return `<tr class="${p.role}" data-id="${escape(p.id)}" data-transport="${escape(p.transport)}" data-role="${p.role}" data-name="${escape(p.name ?? '')}">`
      + `<td class="mono">${escape(p.id)}</td><td>${who}</td><td><span class="badge ${escape(p.transport)}">${escape(p.transport)}</span></td>`
      + `<td class="mono" title="${escape(p.remote)}">${escape(p.remote)}</td><td class="num">${formatAge(p.age)}</td>`
      + `<td class="num">${p.messagesIn.toLocaleString('en')}</td><td class="num">${p.messagesOut.toLocaleString('en')}</td></tr>`;
  }).join('');
}

/** An event with the key that makes it unique across server restarts. */
export interface KeyedEvent extends FeedEvent {
  key: string;
}

/** The event list, newest first; events not shown before flash briefly. */
export function renderEvents(el: HTMLElement, events: readonly KeyedEvent[], shown: Set<string>): void {
  el.innerHTML = events.map((e) => {
    const time = new Date(e.at).toLocaleTimeString('en-GB', { hour12: false });
    const fresh = shown.size > 0 && !shown.has(e.key) ? ' class="new"' : '';
    return `<li${fresh} data-kind="${e.kind}"><time>${time}</time><span class="kind ${e.kind}">${e.kind}</span><span><span class="badge ${escape(e.transport)}">${escape(e.transport)}</span> ${escape(e.text)}</span></li>`;
  }).join('');
  shown.clear();
  for (const e of events) shown.add(e.key);
}
