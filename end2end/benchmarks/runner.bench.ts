import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { statSync } from 'node:fs';
import path from 'node:path';
import { call, confirmedBuilder, hydrated, invitedPerson, serviceWorkerInCharge } from '../tests/support';
import { workTree } from '../tests/server';

// The runner's first load (issue 13), on a phone as Chromium emulates one: 4x CPU
// slowdown, 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trips, 360 px wide. Measures
// what /run/{app} downloads (the brotli files the release site serves, for every /pkg
// request the page made) and its time to interactive: navigation start to the moment
// the WASM has hydrated the page (`body[data-hydrated]`), cold (empty caches) and again
// with the service worker's cache warm. Baseline in the same run: the same page with
// JavaScript off, the network's floor for the HTML and styles.
//
// Not a test: `scripts/bench` runs it against the release site built with `--split`.

const ROUNDS = 5;

const phone = {
  latency: 150,
  downloadThroughput: (1.6 * 1024 * 1024) / 8,
  uploadThroughput: (750 * 1024) / 8,
};

const field = (id: string, label: string, kind: Record<string, unknown>) => ({ id, label: { text: label }, ...kind });

/** A realistic inspection: a page break, a repeat group, a calculation, GPS and a photo. */
const inspection = {
  fields: [
    field('site', 'Site', { type: 'short_text', required: true }),
    field('visited', 'Visited on', { type: 'date' }),
    field('where', 'Where', { type: 'location' }),
    field('page_2', 'Page 2', { type: 'page_break' }),
    field('visits', 'Visits', {
      type: 'repeat', min: 1, max: 5,
      children: [field('duration', 'Duration', { type: 'number', integer: true, min: 0, max: 120 })],
    }),
    field('total', 'Total minutes', { type: 'calculated', expression: 'sum($visits.duration)' }),
    field('photo', 'Photo', { type: 'photo', max_count: 2, max_size_kib: 4096 }),
  ],
};

/** A fresh browser profile signed in as `member`: no HTTP cache, no service worker. */
async function freshPhone(browser: Browser, member: Page, javaScript = true): Promise<BrowserContext> {
  return browser.newContext({
    storageState: await member.context().storageState(),
    viewport: { width: 360, height: 740 },
    javaScriptEnabled: javaScript,
    serviceWorkers: 'allow',
  });
}

/** A page of `context` throttled like the phone above, recording when it hydrates. */
async function throttledPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(() => {
    const record = () => {
      if (document.body?.dataset.hydrated === 'true') {
        (window as unknown as { hydratedAt: number }).hydratedAt ??= performance.now();
      }
    };
    new MutationObserver(record).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, ...phone });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  return page;
}

/** Milliseconds from navigation start to hydration. */
async function timeToInteractive(page: Page, url: string): Promise<number> {
  await page.goto(url);
  await hydrated(page);
  return page.evaluate(() => (window as unknown as { hydratedAt: number }).hydratedAt);
}

/** Milliseconds from navigation start to the load event, JavaScript off. */
async function htmlOnly(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'load' });
  return page.evaluate(() => {
    const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return nav.loadEventEnd;
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** The size of what the server sends for `pathname` to a browser accepting brotli. */
function brotliSize(pathname: string): number {
  const file = path.join(workTree, 'target/site', decodeURIComponent(pathname));
  try {
    return statSync(`${file}.br`).size;
  } catch {
    return statSync(file).size;
  }
}

test('the runner loads fast on a slow phone', async ({ browser }) => {
  test.setTimeout(600_000);
  const { page: owner } = await confirmedBuilder(browser, 'Bea Bench');
  const appId: string = await call(owner, 'create_app', { name: 'Bench inspection' });
  await call(owner, 'save_draft', { app_id: appId, form: inspection, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });
  const member = await invitedPerson(browser, owner, 'Phil Phone', 'member');
  const url = `/run/${appId}`;

  // What the page downloads: every script and WASM file it asked for.
  const probe = await freshPhone(browser, member);
  const probePage = await probe.newPage();
  const asked = new Set<string>();
  probePage.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (/\.(wasm|js)$/.test(pathname) && !pathname.endsWith('/sw.js')) asked.add(pathname);
  });
  await probePage.goto(url);
  await hydrated(probePage);
  await probePage.waitForLoadState('networkidle');
  await probe.close();
  const files = [...asked].sort().map((pathname) => ({ pathname, bytes: brotliSize(pathname) }));
  const total = files.reduce((sum, f) => sum + f.bytes, 0);

  const cold: number[] = [];
  const warm: number[] = [];
  const floor: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const context = await freshPhone(browser, member);
    const page = await throttledPage(context);
    cold.push(await timeToInteractive(page, url));
    // The service worker controls the next load once it has claimed the page.
    await serviceWorkerInCharge(page);
    await page.close();
    warm.push(await timeToInteractive(await throttledPage(context), url));
    await context.close();

    const plain = await freshPhone(browser, member, false);
    floor.push(await htmlOnly(await throttledPage(plain), url));
    await plain.close();
  }

  const base = median(floor);
  const lines = [
    '',
    `| file | brotli KB |`,
    `| --- | --- |`,
    ...files.map((f) => `| \`${f.pathname}\` | ${kb(f.bytes)} |`),
    `| **total** | **${kb(total)}** |`,
    '',
    `| load (${ROUNDS} rounds, median) | ms | ratio to the HTML-only load |`,
    `| --- | --- | --- |`,
    `| HTML and styles only, JavaScript off (baseline) | ${base.toFixed(0)} | 1.00 |`,
    `| cold: empty caches, to interactive | ${median(cold).toFixed(0)} | ${(median(cold) / base).toFixed(2)} |`,
    `| warm: service worker's cache, to interactive | ${median(warm).toFixed(0)} | ${(median(warm) / base).toFixed(2)} |`,
    '',
    `cold: ${cold.map((t) => t.toFixed(0)).join(', ')}; warm: ${warm.map((t) => t.toFixed(0)).join(', ')}; baseline: ${floor.map((t) => t.toFixed(0)).join(', ')}`,
  ];
  console.log(lines.join('\n'));
});
