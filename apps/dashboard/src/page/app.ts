/**
 * The dashboard page: the browser client from `@proj/ws/browser` (same core as Node: it
 * reconnects by itself when the server restarts), asking for the feed on every connection.
 */
import { connect } from '@proj/core';
import { ws } from '@proj/ws/browser';
import { WATCH, type Feed, type RateSample, type SnapshotFeed } from '../feed.js';
import { drawChart } from './chart.js';
import { renderCards, renderEvents, renderPeers, renderStatus, type KeyedEvent } from './render.js';

const SLOTS = 120;
const MAX_EVENTS = 60;

const $ = <T extends Element>(id: string): T => document.getElementById(id) as unknown as T;
const status = $<HTMLElement>('status');
const chart = $<SVGSVGElement>('chart');

let you: string | undefined;
let boot: string | undefined;
let rates: RateSample[] = [];
let events: KeyedEvent[] = [];
let pageEvents = 0;
const shown = new Set<string>();

function addEvents(more: KeyedEvent[]): void {
  const known = new Set(events.map((e) => e.key));
  events = [...events, ...more.filter((e) => !known.has(e.key))].sort((a, b) => b.at - a.at).slice(0, MAX_EVENTS);
  renderEvents($('events'), events, shown);
}

/** What this page itself goes through (its own disconnects and retries) joins the list. */
function pageEvent(text: string): void {
  addEvents([{ key: `page:${++pageEvents}`, seq: pageEvents, at: Date.now(), kind: 'page', transport: 'ws', text: `this page: ${text}` }]);
}

function onSnapshot(snapshot: SnapshotFeed): void {
  delete document.body.dataset.stale;
  rates = [...rates, snapshot.rate].slice(-SLOTS);
  renderCards($('cards'), snapshot.peers, snapshot.total);
  renderPeers($('peers'), snapshot.peers, you);
  $<HTMLElement>('count').textContent = `${snapshot.peers.length} live`;
  $<HTMLElement>('rate').innerHTML = `${snapshot.rate.perSecond.toLocaleString('en')}<small>msg/s</small>`;
  document.body.dataset.peers = String(snapshot.peers.length);
  drawChart(chart, rates, SLOTS);
}

function onFeed(feed: Feed): void {
  if (feed.type === 'hello') {
    you = feed.you;
    $<HTMLElement>('addresses').textContent = feed.addresses.join('  ·  ');
    // The same server run again: its history fills the gap. A new run (a restart): keep ours,
    // with a zero marking the outage.
    if (feed.boot === boot) rates = feed.rates.slice(-SLOTS);
    else if (boot !== undefined) rates = [...rates, { at: Date.now(), perSecond: 0 }, ...feed.rates].slice(-SLOTS);
    else rates = feed.rates.slice(-SLOTS);
    boot = feed.boot;
    addEvents(feed.events.map((e) => ({ ...e, key: `${feed.boot}:${e.seq}` })));
  } else if (feed.type === 'event') {
    addEvents([{ ...feed.event, key: `${feed.boot}:${feed.event.seq}` }]);
  } else {
    onSnapshot(feed);
  }
}

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = connect(ws({ url }), { reconnect: { initialDelay: 100, maxDelay: 2000 } });
client.on('connect', ({ connections }) => {
  client.send(WATCH);
  renderStatus(status, 'open', connections === 1 ? 'live' : `live · reconnected (connection #${connections})`);
  document.body.dataset.connections = String(connections);
  if (connections > 1) pageEvent(`reconnected (connection #${connections})`);
});
client.on('disconnect', ({ reason }) => {
  renderStatus(status, 'waiting', `disconnected: ${reason}`);
  document.body.dataset.stale = 'true'; // what is shown is the last snapshot, until the next one
  pageEvent(`disconnected (${reason})`);
});
client.on('reconnecting', ({ attempt, delay }) => {
  renderStatus(status, 'waiting', `reconnecting · retry ${attempt} in ${delay} ms`);
  pageEvent(`retry ${attempt} in ${delay} ms`);
});
client.on('message', (value) => onFeed(value as Feed));
window.addEventListener('resize', () => drawChart(chart, rates, SLOTS));
