import { expect, test } from '@playwright/test';
import { hydrated } from './support';

test.describe('on a phone (360 px)', () => {
  test.use({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });

  test('home page loads, hydrates, and its menu opens and navigates', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveTitle('Muster');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Field operations, without code');
    await hydrated(page);

    // The navigation is folded away on a narrow screen; the toggle only works once the
    // WASM is running.
    const toggle = page.getByRole('button', { name: 'Menu' });
    const statusLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status' });
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(statusLink).toBeHidden();
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(statusLink).toBeVisible();

    // Client-side navigation: the page is not reloaded, so this marker survives.
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await statusLink.click();
    await expect(page).toHaveURL(/\/status$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('System status');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  });

  test('pages fit the screen without sideways scrolling', async ({ page }) => {
    for (const path of ['/', '/status', '/missing', '/signup', '/signin', '/account/members']) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
    }
  });
});

test.describe('on a desktop', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('navigation is always visible and the menu button is not shown', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Menu' })).toBeHidden();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status' })).toBeVisible();
  });

  test('status page refreshes from the server without reloading', async ({ page }) => {
    await page.goto('/status');
    await hydrated(page);
    const checkedAt = page.getByTestId('checked-at');
    const before = await checkedAt.textContent();
    await expect(page.getByTestId('read-source')).toHaveText(/^(replica-\d+|primary)$/);

    const answer = page.waitForResponse((r) => r.url().endsWith('/api/load_status') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Refresh' }).click();
    expect((await answer).status()).toBe(200);
    await expect(checkedAt).not.toHaveText(before ?? '');
  });

  test('the page opens its live-update connection once hydrated', async ({ page }) => {
    await page.goto('/status');
    await hydrated(page);
    await expect(page.getByTestId('live-status')).toHaveText('connected');
  });

  test('an unknown address shows a 404 page with a way home', async ({ page }) => {
    const response = await page.goto('/no/such/page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await hydrated(page);
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Field operations, without code');
  });
});
