'use strict';
// The operator console: a live board of a region's pools (days x slots), and one pool's numbers, history, past
// states and controls. Everything it shows comes from this node's admin routes and its console socket.

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem('tally.token') || '', pools: new Map(), socket: null, selected: null,
  history: [], request: null, clusterTimer: null };
const CLUSTER_EVERY_MS = 2000;

function setStatus(text) { $('status').textContent = text; }

async function call(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (state.token) headers['Authorization'] = 'Bearer ' + state.token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { error: 'not_json', message: text }; }
  return { status: response.status, body: json };
}

function taken(pool) { return pool.reserved + pool.held; }

/** How full pools are, as one of the legend's classes: closed when every pool is, else by units taken. */
function fill(pools) {
  if (pools.every((p) => p.status === 'closed')) return 'closed';
  const capacity = pools.reduce((n, p) => n + p.capacity, 0);
  const used = pools.reduce((n, p) => n + taken(p), 0);
  if (capacity === 0 || used >= capacity) return 'full';
  const ratio = used / capacity;
  return ratio >= 0.8 ? 'high' : ratio >= 0.5 ? 'mid' : 'low';
}

function dayOf(iso) { return iso.slice(0, 10); }
function timeOf(pool) { return pool.start.slice(11, 16) + '–' + pool.end.slice(11, 16); }

function days() {
  const list = [];
  const from = new Date(state.request.from + 'T00:00:00Z');
  for (let i = 0; i < state.request.days; i++) {
    list.push(new Date(from.getTime() + i * 86400000).toISOString().slice(0, 10));
  }
  return list;
}

function dayLabel(day) {
  return new Date(day + 'T00:00:00Z').toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric',
    month: 'short', timeZone: 'UTC' });
}

function render() {
  const table = $('board');
  table.replaceChildren();
  const pools = [...state.pools.values()];
  const times = [...new Set(pools.map(timeOf))].sort();
  const caption = document.createElement('caption');
  caption.textContent = 'Region ' + state.request.region + ', slots in UTC';
  table.append(caption);
  const head = table.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.textContent = 'Day';
  head.append(corner);
  for (const time of times) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = time;
    head.append(th);
  }
  const body = table.createTBody();
  for (const day of days()) {
    const row = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = dayLabel(day);
    row.append(th);
    for (const time of times) {
      const cell = row.insertCell();
      cell.id = 'cell-' + day + '-' + time.replace('–', '-');
      renderCell(cell, day, time);
    }
  }
  setStatus(pools.length + ' pools, live');
}

function renderCell(cell, day, time) {
  const pools = [...state.pools.values()].filter((p) => dayOf(p.start) === day && timeOf(p) === time)
    .sort((a, b) => a.poolId.localeCompare(b.poolId));
  cell.replaceChildren();
  if (pools.length === 0) {
    delete cell.dataset.fill;
    cell.setAttribute('aria-label', dayLabel(day) + ' ' + time + ': no pool');
    return;
  }
  cell.dataset.fill = fill(pools);
  const used = pools.reduce((n, p) => n + taken(p), 0);
  const capacity = pools.reduce((n, p) => n + p.capacity, 0);
  cell.setAttribute('aria-label', dayLabel(day) + ' ' + time + ': ' + used + ' of ' + capacity + ' taken, '
    + cell.dataset.fill);
  for (const pool of pools) {
    const chip = document.createElement('button');
    chip.type = 'button';
    chip.className = 'chip';
    chip.dataset.pool = pool.poolId;
    chip.dataset.fill = fill([pool]);
    const marks = (pool.status === 'closed' ? ' · closed' : '') + (pool.pastCutoff ? ' · past cut-off' : '');
    chip.classList.toggle('past-cutoff', pool.pastCutoff === true);
    chip.textContent = pool.poolId + marks;
    const numbers = document.createElement('small');
    numbers.textContent = taken(pool) + ' / ' + pool.capacity + ' taken';
    chip.append(numbers);
    chip.setAttribute('aria-label', pool.poolId + ': ' + pool.reserved + ' reserved, ' + pool.held + ' held of '
      + pool.capacity + (pool.status === 'closed' ? ', closed' : '') + (pool.pastCutoff ? ', past its cut-off' : '')
      + '. Show details');
    chip.addEventListener('click', () => select(pool.poolId));
    cell.append(chip);
  }
}

function changed(pool) {
  state.pools.set(pool.poolId, pool);
  const time = timeOf(pool);
  const cell = $('cell-' + dayOf(pool.start) + '-' + time.replace('–', '-'));
  if (cell) renderCell(cell, dayOf(pool.start), time); else render();
  if (state.selected === pool.poolId) showNumbers($('pool-numbers'), pool);
}

function connect() {
  if (state.socket) state.socket.close();
  const r = state.request;
  const to = new Date(new Date(r.from + 'T00:00:00Z').getTime() + r.days * 86400000).toISOString().slice(0, 10);
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/console?region='
    + encodeURIComponent(r.region) + '&from=' + r.from + '&to=' + to;
  const socket = new WebSocket(url);
  state.socket = socket;
  setStatus('Connecting…');
  socket.onopen = () => socket.send(JSON.stringify({ token: state.token }));
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.type === 'board') {
      state.pools = new Map(data.slots.map((slot) => [slot.poolId, slot]));
      render();
    } else if (data.type === 'pool') {
      changed(data);
    }
  };
  socket.onclose = (closed) => {
    if (state.socket !== socket) return;
    setStatus(closed.code === 4401 ? 'The admin token was refused: enter the node\'s admin token.'
      : 'The live connection closed (' + closed.code + (closed.reason ? ': ' + closed.reason : '') + ').');
  };
}

function showNumbers(list, pool) {
  list.replaceChildren();
  const rows = [['Capacity', pool.capacity], ['Reserved', pool.reserved], ['Held', pool.held],
    ['Remaining', pool.remaining ?? Math.max(0, pool.capacity - taken(pool))], ['Status', pool.status],
    ['Slot', pool.start ? pool.start + ' – ' + pool.end : pool.slot.start + ' – ' + pool.slot.end]];
  if (pool.version !== undefined) rows.push(['Version', pool.version]);
  for (const [name, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    dd.dataset.field = name.toLowerCase();
    list.append(dt, dd);
  }
}

function poolPath(poolId) { return '/pools/' + encodeURIComponent(poolId); }

function error(answer) {
  $('pool-error').textContent = answer.status + ' ' + (answer.body.error || '') + ': ' + (answer.body.message || '');
}

async function select(poolId) {
  state.selected = poolId;
  $('pool').hidden = false;
  $('pool-title').textContent = 'Pool ' + poolId;
  $('pool-error').textContent = '';
  $('reset-preview').textContent = '';
  $('reset-confirm').hidden = true;
  const answer = await call('GET', poolPath(poolId));
  if (answer.status !== 200) { error(answer); return; }
  const pool = answer.body;
  showNumbers($('pool-numbers'), pool);
  $('capacity').value = pool.capacity;
  $('toggle-status').textContent = pool.status === 'closed' ? 'Reopen' : 'Close';
  $('toggle-status').dataset.next = pool.status === 'closed' ? 'open' : 'closed';
  await loadHistory(poolId);
}

async function loadHistory(poolId) {
  const events = [];
  let after = 0;
  for (;;) {
    const page = await call('GET', poolPath(poolId) + '/events?limit=1000&after=' + after);
    if (page.status !== 200) { error(page); return; }
    events.push(...page.body.events);
    if (page.body.next === null || page.body.next === undefined) break;
    after = page.body.next;
  }
  state.history = events;
  const list = $('history');
  list.replaceChildren();
  for (const event of events) {
    const item = document.createElement('li');
    item.textContent = event.recordedAt + ' ' + event.type + ' ' + JSON.stringify(event.payload);
    list.append(item);
  }
  const slider = $('moment');
  slider.max = String(Math.max(0, events.length - 1));
  slider.value = slider.max;
  slider.setAttribute('aria-valuetext', events.length ? events[events.length - 1].recordedAt : 'no history');
  chart(events);
  await showMoment();
}

/** Units taken and capacity after each event, replayed from the history's payloads. */
function series(events) {
  let capacity = 0;
  let used = 0;
  const points = [];
  for (const event of events) {
    const p = event.payload;
    const type = event.type.replace(/\.v\d+$/, '');
    if (type === 'pool.defined' || type === 'capacity.changed') capacity = p.capacity;
    else if (type === 'capacity.reserved' || type === 'hold.placed') used += p.units;
    else if (type === 'reservation.released' || type === 'hold.cancelled' || type === 'hold.expired') used -= p.units;
    else if (type === 'pool.reset') {
      capacity = p.capacity;
      const sum = (claims) => claims.reduce((n, c) => n + c.units, 0);
      used += sum(p.restored) - sum(p.voided) - sum(p.cancelledHolds);
    }
    points.push({ used, capacity });
  }
  return points;
}

function chart(events) {
  const svg = $('chart');
  svg.replaceChildren();
  const points = series(events);
  if (points.length === 0) return;
  const top = Math.max(1, ...points.map((p) => Math.max(p.used, p.capacity)));
  const x = (i) => points.length === 1 ? 150 : (i * 300) / (points.length - 1);
  const y = (v) => 78 - (v * 74) / top;
  for (const [key, colour] of [['capacity', '#555'], ['used', '#e4572e']]) {
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', points.map((p, i) => x(i) + ',' + y(p[key])).join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', colour);
    line.setAttribute('stroke-width', '2');
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    line.dataset.series = key;
    svg.append(line);
  }
}

async function showMoment() {
  const event = state.history[Number($('moment').value)];
  if (!event) return;
  $('moment-label').textContent = 'As of ' + event.recordedAt + ' (event ' + event.seq + ')';
  $('moment').setAttribute('aria-valuetext', event.recordedAt);
  const then = await call('GET', poolPath(state.selected) + '?at=' + encodeURIComponent(event.recordedAt));
  if (then.status !== 200) { error(then); return; }
  if (Number($('moment').value) !== state.history.indexOf(event)) return; // the slider moved on meanwhile
  showNumbers($('pool-then'), then.body);
  $('pool-then').dataset.at = event.recordedAt;
}

async function change(body) {
  $('pool-error').textContent = '';
  const answer = await call('PATCH', poolPath(state.selected), body);
  if (answer.status !== 200) { error(answer); return; }
  await select(state.selected);
}

function resetBody() {
  return { at: new Date($('reset-at').value + 'Z').toISOString(), reason: $('reset-reason').value };
}

async function reset(dryRun) {
  $('pool-error').textContent = '';
  const answer = await call('POST', poolPath(state.selected) + '/reset' + (dryRun ? '?dryRun=true' : ''), resetBody());
  if (answer.status !== 200) { error(answer); return; }
  const r = answer.body;
  if (!dryRun) await select(state.selected); // the pool as the reset left it
  const ids = (claims, field) => claims.map((c) => c[field]).join(', ') || 'none';
  $('reset-preview').textContent = (dryRun ? 'Would ' : 'Did ') + (r.changed ? '' : 'change nothing; ')
    + 'void: ' + ids(r.voided, 'reservationId') + '; undo releases of: ' + ids(r.restored, 'reservationId')
    + '; cancel holds: ' + ids(r.cancelledHolds, 'holdId') + '; capacity ' + r.pool.capacity + ', ' + r.pool.status;
  $('reset-confirm').hidden = !dryRun || !r.changed;
}

/** The members, their state and shards, and each one's numbers of the last minute; refreshed every two seconds. */
async function refreshCluster() {
  const answer = await call('GET', '/console/cluster');
  if (answer.status !== 200) {
    $('cluster-summary').textContent = 'The cluster could not be read: ' + answer.status + ' '
      + (answer.body.error || '');
    return;
  }
  const view = answer.body;
  $('cluster-summary').textContent = (view.ready ? 'Ready' : 'Not ready') + ': ' + view.members.length
    + ' members, ' + view.shardCount + ' shards' + (view.unreachable.length ? ', unreachable: '
    + view.unreachable.join(', ') : '') + '. Numbers are over the last minute.';
  $('cluster-summary').dataset.ready = String(view.ready);
  const body = $('cluster').tBodies[0];
  body.replaceChildren();
  const shown = (value) => value === null || value === undefined ? '–' : String(value);
  for (const member of view.members) {
    const row = body.insertRow();
    row.dataset.node = member.nodeId;
    const stats = member.stats || {};
    const cells = [member.nodeId + (member.nodeId === view.self ? ' (this node)' : ''), member.roles.join(', '),
      member.state, member.owns, member.shards, shown(stats.reserveP99Ms), shown(stats.commitsPerSecond),
      shown(stats.appendsPerSecond), shown(stats.projectionLagEvents)];
    const fields = ['node', 'roles', 'state', 'owns', 'shards', 'p99', 'commits', 'appends', 'lag'];
    cells.forEach((value, i) => {
      const cell = row.insertCell();
      cell.textContent = String(value);
      cell.dataset.field = fields[i];
    });
  }
}

function watchCluster() {
  clearInterval(state.clusterTimer);
  refreshCluster();
  state.clusterTimer = setInterval(() => { if (!document.hidden) refreshCluster(); }, CLUSTER_EVERY_MS);
}

function start() {
  $('token').value = state.token;
  $('from').value = new Date().toISOString().slice(0, 10);
  $('choose').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('token').value;
    sessionStorage.setItem('tally.token', state.token);
    state.request = { region: $('region').value.trim(), from: $('from').value, days: Number($('days').value) };
    connect();
    watchCluster();
  });
  $('moment').addEventListener('input', showMoment);
  $('capacity-form').addEventListener('submit', (e) => {
    e.preventDefault();
    change({ capacity: Number($('capacity').value) });
  });
  $('toggle-status').addEventListener('click', () => change({ status: $('toggle-status').dataset.next }));
  $('reset-form').addEventListener('submit', (e) => { e.preventDefault(); reset(true); });
  $('reset-confirm').addEventListener('click', () => reset(false));
}

start();
