import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { call, confirmedBuilder, hydrated } from '../tests/support';
import { workTree } from '../tests/server';

// A large plan in Chromium (issue 14): server/benches/plan_fixture.sql makes 5 000
// activities at 300 locations with 200 members. Measured: the timeline page's time to
// interactive, and frame times while the timeline scrolls and while a bar is dragged,
// each against the same page of a plan of 10 activities in the same run (the baseline).
// Not a test: `scripts/bench` runs it against the release site.

const FRAMES = 120;

function loadFixture(account: string, owner: string, project: string) {
  const url = process.env.DATABASE_MIGRATION_URL;
  if (!url) throw new Error('DATABASE_MIGRATION_URL is not set: run through scripts/bench');
  execFileSync('psql', ['-X', '-q', url, '-v', `account=${account}`, '-v', `owner=${owner}`, '-v', `project=${project}`,
    '-f', path.join(workTree, 'server/benches/plan_fixture.sql')], { stdio: 'ignore' });
}

/** A plan of 10 activities in the same account, made through the server functions. */
async function smallPlan(page: Page): Promise<string> {
  const project: string = await call(page, 'create_project', {
    name: 'Small plan', goal: '', time_zone: 'Europe/Amsterdam', starts_on: '2027-03-01', ends_on: '2027-04-29',
  });
  const location = (await call(page, 'create_location', { name: 'Depot', address: '', latitude: '52.3', longitude: '4.9' })).id;
  for (let n = 0; n < 10; n++) {
    await call(page, 'create_activity', {
      project_id: project,
      activity: { name: `Activity ${n}`, location_id: location, starts_local: `2027-03-0${1 + (n % 5)}T0${7 + (n % 3)}:00`, duration_minutes: 120 },
    }, true);
  }
  return project;
}

/** Milliseconds from navigation start to hydration. */
async function timeToInteractive(page: Page, url: string): Promise<number> {
  await page.goto(url);
  await hydrated(page);
  return page.evaluate(() => (window as unknown as { hydratedAt: number }).hydratedAt);
}

/** Frame times (ms) while the timeline scrolls sideways and down, a step every frame. */
async function scrollFrames(page: Page): Promise<number[]> {
  return page.evaluate(async (count) => {
    const scroller = document.querySelector('.timeline-scroll') as HTMLElement;
    const frames: number[] = [];
    let last = performance.now();
    await new Promise<void>((done) => {
      let n = 0;
      const step = (now: number) => {
        frames.push(now - last);
        last = now;
        scroller.scrollLeft += 60;
        scroller.scrollTop += n % 2 ? 15 : 0;
        scroller.dispatchEvent(new Event('scroll'));
        if (++n < count) requestAnimationFrame(step); else done();
      };
      requestAnimationFrame(step);
    });
    return frames.slice(2);
  }, FRAMES);
}

/** Frame times (ms) while the first bar on screen is dragged (and dropped where it was). */
async function dragFrames(page: Page): Promise<number[]> {
  const bar = page.getByTestId('timeline-bar').first();
  const box = (await bar.boundingBox())!;
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; running: boolean };
    w.frames_ = [];
    w.running = true;
    let last = performance.now();
    const step = (now: number) => {
      w.frames_.push(now - last);
      last = now;
      if (w.running) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 60; i++) await page.mouse.move(box.x + box.width / 2 + (i % 30) * 4, box.y + box.height / 2);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.up();
  return page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; running: boolean };
    w.running = false;
    return w.frames_.slice(2);
  });
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const quantile = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const fps = (xs: number[]) => 1000 / (xs.reduce((a, b) => a + b, 0) / xs.length);

test('a plan of 5 000 activities loads, scrolls and drags in Chromium', async ({ browser }) => {
  test.setTimeout(600_000);
  const { page } = await confirmedBuilder(browser, 'Bert Bench');
  const session = await call(page, 'load_session', {});
  const large = randomUUID();
  loadFixture(session.account.id, session.user.id, large);
  // psql wrote it behind muster's back: the session's read position does not cover it,
  // so wait until the replica has replayed it.
  const origin = new URL(page.url()).origin;
  await expect.poll(async () => (await page.request.post('/api/load_plan', {
    form: { project_id: large }, headers: { Origin: origin },
  })).status(), { timeout: 30_000 }).toBe(200);
  const small = await smallPlan(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.body?.dataset.hydrated === 'true') (window as unknown as { hydratedAt: number }).hydratedAt ??= performance.now();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  });

  const rows: string[] = [];
  const results: Record<string, { load: number; scroll: number[]; drag: number[]; bars: number }> = {};
  for (const [name, project] of [['10 activities (baseline)', small], ['5 000 activities', large]] as const) {
    const loads: number[] = [];
    for (let round = 0; round < 3; round++) loads.push(await timeToInteractive(page, `/projects/${project}?view=timeline`));
    await expect(page.getByTestId('timeline-bar').first()).toBeVisible();
    const scroll = await scrollFrames(page);
    await page.evaluate(() => { const s = document.querySelector('.timeline-scroll') as HTMLElement; s.scrollLeft = 0; s.scrollTop = 0; s.dispatchEvent(new Event('scroll')); });
    await expect(page.getByTestId('timeline-bar').first()).toBeVisible();
    const bars = await page.getByTestId('timeline-bar').count();
    const drag = await dragFrames(page);
    results[name] = { load: quantile(loads, 0.5), scroll, drag, bars };
  }
  const base = results['10 activities (baseline)'];
  rows.push('| plan | bars drawn | time to interactive ms (ratio) | scroll fps | scroll p95 frame ms | drag fps | drag p95 frame ms |');
  rows.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, r] of Object.entries(results)) {
    rows.push(`| ${name} | ${r.bars} | ${r.load.toFixed(0)} (${(r.load / base.load).toFixed(2)}) | ${fps(r.scroll).toFixed(1)} | ${quantile(r.scroll, 0.95).toFixed(1)} | ${fps(r.drag).toFixed(1)} | ${quantile(r.drag, 0.95).toFixed(1)} |`);
  }
  console.log(['', ...rows].join('\n'));
});
