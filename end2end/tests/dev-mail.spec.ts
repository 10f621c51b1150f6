import { expect, test } from '@playwright/test';

// The e2e server runs with MUSTER_DEV_OUTBOX=1, as `scripts/run` does without SMTP.
test('the development outbox page exists and can be refreshed', async ({ page }) => {
  const response = await page.goto('/dev/mail');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Development outbox · Muster');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Development outbox');
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 30_000 });
  // Either mail from other tests or the empty state; Refresh reloads it without a reload.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.locator('[data-testid="mail"], [data-testid="outbox-empty"]').first()).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});
