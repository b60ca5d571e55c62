// Drives the operator console in a real headless Chromium against a running node, for ConsoleBrowserIT.
// Environment: BASE_URL, TOKEN, REGION, FROM, EXPECT (JSON: poolId -> legend class), LIVE_POOL (a pool whose one
// more reservation moves it to the "high" class), DRILL_POOL, SHOTS (a directory for screenshots), CHROMIUM.
// Prints one line per check; exits 1 at the first that fails.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error('missing environment variable ' + name);
  return value;
};
const base = env('BASE_URL');
const token = env('TOKEN');
const region = env('REGION');
const from = env('FROM');
const expected = JSON.parse(env('EXPECT'));
const livePool = env('LIVE_POOL');
const pastPool = env('PAST_POOL');
const drillPool = env('DRILL_POOL');
const shots = env('SHOTS');
mkdirSync(shots, { recursive: true });

const check = (ok, what) => {
  if (!ok) throw new Error('FAILED: ' + what);
  console.log('ok: ' + what);
};

async function api(method, path, body) {
  const response = await fetch(base + path, { method, headers: { Authorization: 'Bearer ' + token,
    'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function showBoard(page, withToken) {
  await page.fill('#region', region);
  await page.fill('#from', from);
  await page.fill('#days', '3');
  await page.fill('#token', withToken);
  await page.click('#choose button[type=submit]');
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const outside = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith(base.replace('http', 'ws'))) {
      outside.push(request.url());
    }
  });
  await page.goto(base + '/console');
  await showBoard(page, token);
  await page.waitForSelector('#board td[data-fill]');

  // every pool's chip and cell show the legend's colour for how full it is
  for (const [poolId, fill] of Object.entries(expected)) {
    const chip = page.locator(`.chip[data-pool="${poolId}"]`);
    check(await chip.getAttribute('data-fill') === fill, `${poolId} is shown as ${fill}`);
    const colours = await page.evaluate(([id, klass]) => {
      const cell = document.querySelector(`.chip[data-pool="${id}"]`).closest('td');
      const swatch = document.querySelector(`#legend .swatch[data-fill="${klass}"]`);
      return [getComputedStyle(cell).backgroundColor, getComputedStyle(swatch).backgroundColor];
    }, [poolId, fill]);
    check(colours[0] === colours[1], `${poolId}'s cell has the legend's ${fill} colour (${colours[0]})`);
  }
  check((await page.getAttribute(`.chip[data-pool="${pastPool}"]`, 'aria-label')).includes('past its cut-off'),
    `${pastPool} is marked as past its cut-off`);
  check(await page.locator('.chip[aria-label*="past its cut-off"]').count() === 1, 'and no other pool is');
  await page.screenshot({ path: shots + '/board.png', fullPage: true });

  // the cluster panel: this node, its roles and every shard, ready, and the minute's numbers once it has some
  await page.waitForSelector('#cluster-summary[data-ready="true"]');
  const node = page.locator('#cluster tbody tr').first();
  check((await node.locator('[data-field="owns"]').textContent()) === '128', 'the node owns all 128 shards');
  check((await node.locator('[data-field="roles"]').textContent()) === 'aggregate, query, web', 'with every role');
  await page.waitForFunction(() => document.querySelector('#cluster tbody [data-field="p99"]')?.textContent !== '–',
    null, { timeout: 20000 });
  const p99 = Number(await node.locator('[data-field="p99"]').textContent());
  check(p99 > 0, `the reserve p99 of the last minute is shown (${p99} ms)`);

  // a reservation over HTTP reaches the board without a reload
  await page.evaluate(() => { window.notReloaded = true; });
  const before = Date.now();
  const reserved = await api('POST', `/pools/${livePool}/reservations`, { orderId: 'browser-live', units: 1 });
  check(reserved.status === 201, 'a reservation was made over HTTP');
  await page.waitForSelector(`.chip[data-pool="${livePool}"][data-fill="high"]`, { timeout: 10000 });
  const latency = Date.now() - before;
  check(await page.evaluate(() => window.notReloaded === true), `the cell changed without a reload (${latency} ms)`);
  await page.screenshot({ path: shots + '/board-after-reservation.png', fullPage: true });

  // the drill-down, opened from the keyboard
  await page.focus(`.chip[data-pool="${drillPool}"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#pool:not([hidden]) #history li');
  check((await page.textContent('#pool-title')).includes(drillPool), 'Enter on a chip opens its pool');
  const history = (await api('GET', `/pools/${drillPool}/events?limit=1000`)).body.events;
  check(await page.locator('#history li').count() === history.length, `the history lists ${history.length} events`);
  check(await page.locator('#chart polyline').count() === 2, 'the chart draws taken units and capacity');

  // the time slider shows the pool as GET /pools/{id}?at= has it
  await page.locator('#moment').fill('1');
  const moment = history[1].recordedAt;
  await page.waitForSelector(`#pool-then[data-at="${moment}"]`);
  const then = (await api('GET', `/pools/${drillPool}?at=${encodeURIComponent(moment)}`)).body;
  for (const field of ['capacity', 'reserved', 'held', 'status', 'version']) {
    const shown = await page.textContent(`#pool-then dd[data-field="${field}"]`);
    check(shown === String(then[field]), `at ${moment} the slider shows ${field} ${shown}, as the journal has it`);
  }
  await page.screenshot({ path: shots + '/drill-down.png', fullPage: true });

  // a capacity change made in the form
  await page.fill('#capacity', '12');
  await page.click('#capacity-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#pool-numbers dd[data-field="capacity"]')
    ?.textContent === '12');
  const changed = (await api('GET', `/pools/${drillPool}/events?limit=1000`)).body.events.at(-1);
  check(changed.type === 'capacity.changed.v1' && changed.payload.capacity === 12,
    'the form\'s capacity change is the last event in the journal');

  // a reset previewed, then made
  // datetime-local holds milliseconds: the moment a little before the first reservation, to the millisecond
  const [seconds, fraction = ''] = history[1].recordedAt.replace('Z', '').split('.');
  await page.fill('#reset-at', seconds + '.' + (fraction + '000').slice(0, 3));
  await page.fill('#reset-reason', 'browser test');
  await page.click('#reset-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#reset-preview').textContent.startsWith('Would'));
  check(await page.isVisible('#reset-confirm'), 'the preview offers to reset');
  await page.screenshot({ path: shots + '/reset-preview.png', fullPage: true });
  await page.click('#reset-confirm');
  await page.waitForFunction(() => document.querySelector('#reset-preview').textContent.startsWith('Did'));
  const reset = (await api('GET', `/pools/${drillPool}/events?limit=1000`)).body.events.at(-1);
  check(reset.type === 'pool.reset.v1' && reset.payload.reason === 'browser test', 'the reset is in the journal');

  // at phone width the page itself does not scroll sideways (the board scrolls in its frame)
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `no sideways scrolling at phone width (${overflow})`);
  await page.screenshot({ path: shots + '/phone.png', fullPage: true });
  check(outside.length === 0, 'nothing was loaded from outside the node: ' + outside.join(', '));

  // without the token: the live board is refused, and so is every form
  const stranger = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await stranger.goto(base + '/console/');
  await showBoard(stranger, 'not-the-token');
  await stranger.waitForFunction(() => document.querySelector('#status').textContent.includes('refused'));
  check(await stranger.locator('.chip').count() === 0, 'a wrong token shows no pool');
  await stranger.screenshot({ path: shots + '/refused.png', fullPage: true });
  const capacityBefore = (await api('GET', `/pools/${drillPool}`)).body.capacity;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.fill('#token', 'not-the-token');
  await page.click('#choose button[type=submit]');
  await page.fill('#capacity', '99');
  await page.click('#capacity-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#pool-error').textContent.startsWith('401'));
  check((await api('GET', `/pools/${drillPool}`)).body.capacity === capacityBefore,
    'a form sent without the token is refused and changes nothing');
  console.log('all console checks passed; live change after ' + latency + ' ms');
} finally {
  await browser.close();
}
