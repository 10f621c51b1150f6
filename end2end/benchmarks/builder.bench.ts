import { expect, test, type Page } from '@playwright/test';
import { confirmedBuilder, hydrated } from '../tests/support';

// How long the builder takes to show a change, measured in Chromium: from a keystroke in
// the properties panel (and from a keyboard move of a field) to the next painted frame,
// on a form of 300 fields and, as the baseline in the same run, of 10 fields. Not a test:
// run by scripts/bench-builder, results go to BENCHMARKS.md.

const ROUNDS = 30;

async function appWith(page: Page, count: number): Promise<string> {
  await page.goto('/apps');
  await hydrated(page);
  await page.getByLabel('Name').fill(`Bench ${count}`);
  await page.getByRole('button', { name: 'Create and open the builder' }).click();
  await expect(page).toHaveURL(/\/apps\/[0-9a-f-]+\/build$/);
  const appId = page.url().split('/').at(-2)!;
  const edits = Array.from({ length: count }, (_, n) => ({
    edit: 'insert', parent: null, after: n === 0 ? null : `f${n - 1}`,
    field: { id: `f${n}`, label: { text: `Question ${n}` }, type: n % 3 === 0 ? 'number' : 'short_text',
             show_if: n % 5 === 4 ? `$f${n - 4} > 3` : undefined },
  }));
  for (let start = 0; start < edits.length; start += 500) {
    const response = await page.request.post('/api/edit_draft', {
      data: { app_id: appId, client: 'bench', edits: edits.slice(start, start + 500) },
      headers: { 'Sec-Fetch-Site': 'same-origin' },
    });
    expect(response.status()).toBe(200);
  }
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('field')).toHaveCount(count);
  return appId;
}

/** Milliseconds from dispatching `action` to the frame after the DOM settled. */
async function measure(page: Page, action: 'type' | 'move'): Promise<number[]> {
  return page.evaluate(async ({ rounds, action }) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      if (action === 'type') {
        const input = document.getElementById('prop-label') as HTMLInputElement;
        input.value = `Question ${i}`;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      } else {
        const head = document.querySelector('.field-head.selected') as HTMLElement;
        head.dispatchEvent(new KeyboardEvent('keydown', { key: i % 2 ? 'ArrowUp' : 'ArrowDown', altKey: true, bubbles: true }));
      }
      await frame();
      times.push(performance.now() - start);
    }
    return times;
  }, { rounds: ROUNDS, action });
}

/** Milliseconds from a keystroke in `from` to the same text on the canvas of `to`. */
async function propagation(from: Page, to: Page, rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const text = `Live ${i} ${Date.now()}`;
    const seen = to.evaluate((text) => new Promise<number>((resolve) => {
      const check = () => [...document.querySelectorAll('.field-label')].some((e) => e.textContent === text);
      const observer = new MutationObserver(() => { if (check()) { observer.disconnect(); resolve(Date.now()); } });
      observer.observe(document.body, { subtree: true, characterData: true, childList: true });
    }), text);
    const start = await from.evaluate((text) => {
      const input = document.getElementById('prop-label') as HTMLInputElement;
      input.value = text;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      return Date.now();
    }, text);
    times.push((await seen) - start);
    await expect(from.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];

test('builder responsiveness: 300 fields against 10', async ({ browser }) => {
  test.setTimeout(300_000);
  const { page } = await confirmedBuilder(browser, 'Bench');
  const results: Record<string, { median: number; p95: number }> = {};
  for (const count of [10, 300]) {
    await appWith(page, count);
    await page.getByTestId('field').nth(5).click();
    for (const action of ['type', 'move'] as const) {
      await measure(page, action); // warm-up
      const times = await measure(page, action);
      results[`${action} ${count}`] = { median: median(times), p95: p95(times) };
    }
  }
  // Co-editing: the same draft in a second browser context.
  const other = await (await browser.newContext({ storageState: await page.context().storageState() })).newPage();
  await other.goto(page.url());
  await hydrated(other);
  await page.getByTestId('field').nth(5).click();
  const live = await propagation(page, other, 20);
  const lines = ['action, fields, median ms, p95 ms, ratio to 10 fields (median)'];
  for (const action of ['type', 'move']) {
    const base = results[`${action} 10`];
    const big = results[`${action} 300`];
    lines.push(`${action}, 10, ${base.median.toFixed(1)}, ${base.p95.toFixed(1)}, 1.00`);
    lines.push(`${action}, 300, ${big.median.toFixed(1)}, ${big.p95.toFixed(1)}, ${(big.median / base.median).toFixed(2)}`);
  }
  lines.push(`co-editor sees a keystroke (300 fields), median ${median(live).toFixed(0)} ms, p95 ${p95(live).toFixed(0)} ms (includes the 150 ms save delay)`);
  console.log(`\nBUILDER BENCHMARK\n${lines.join('\n')}\n`);
});
