import { expect, test } from '@playwright/test';
import { hydrated, signUp, uniqueEmail } from './support';

// The e2e server runs with MUSTER_DEV_OUTBOX=1, as `scripts/run` does without SMTP.
test('the development outbox shows a mail sent meanwhile on Refresh, without reloading', async ({ browser, page }) => {
  const response = await page.goto('/dev/mail');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Development outbox · Muster');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Development outbox');
  await hydrated(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));

  // Someone signs up in another browser: their confirmation mail is sent.
  const email = uniqueEmail('Otto Outbox');
  const other = await (await browser.newContext()).newPage();
  await signUp(other, 'Otto Outbox', email);

  // It was not on the page before; Refresh brings it (delivery goes through the job queue).
  const mail = page.locator('[data-testid="mail"]', { hasText: email });
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(mail).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(mail).toContainText('Confirm your e-mail address for Muster');
  await expect(mail.locator('[data-testid="mail-link"]').first()).toHaveAttribute('href', /\/verify-email\?token=\S+$/);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await other.context().close();
});
