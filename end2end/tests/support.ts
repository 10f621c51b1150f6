import { expect, type Browser, type Page } from '@playwright/test';

// Steps several browser tests share.

/** Waits until the WASM has taken over the server-rendered page. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 30_000 });
}

/** Follows the link in the newest outbox mail to `to` whose text contains `about`. */
export async function followMailLink(page: Page, to: string, about: string) {
  await page.goto('/dev/mail');
  await hydrated(page);
  const mail = page.locator('[data-testid="mail"]', { hasText: to }).filter({ hasText: about }).first();
  // Mail is delivered by the job queue: refresh until it is there.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(mail).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await mail.locator('[data-testid="mail-link"]').first().click();
}

export const password = 'copper lantern orbit mouse';

/** Signs up a new person with a confirmed address, in a fresh browser context. */
export async function confirmedBuilder(browser: Browser, name: string): Promise<{ page: Page; email: string }> {
  const email = `${name.toLowerCase().replace(/\W/g, '')}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.org`;
  const page = await (await browser.newContext()).newPage();
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Organisation name').fill(`${name}'s team`);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await followMailLink(page, email, 'Confirm');
  await expect(page).toHaveURL(/\/verify-email\?token=/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page.getByTestId('email-confirmed')).toBeVisible();
  return { page, email };
}

/** Signs `email` in, in a fresh browser context. */
export async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  return page;
}
