import { expect, type Browser, type BrowserContext, type Page, type Route } from '@playwright/test';

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
  // Mail is delivered by the job queue: refresh until it is there. The queue shares two
  // cores with the photo test's image processing alongside; 20 s was once not enough.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(mail).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 45_000 });
  // Go to the link rather than click it: mails of tests running alongside arrive at the
  // top of the list at any moment, and a click aimed at one mail's link could land on
  // the next one's (another person's link, seen as "already used" flakes).
  const href = await mail.locator('[data-testid="mail-link"]').first().getAttribute('href');
  if (!href) throw new Error(`the mail to ${to} about "${about}" has no link`);
  await page.goto(href);
}

export const password = 'copper lantern orbit mouse';

/** An address no other test uses. */
export function uniqueEmail(name: string): string {
  return `${name.toLowerCase().replace(/\W/g, '')}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.org`;
}

/** Confirms `email` with the mailed link, in `page`'s browser. */
async function confirmAddress(page: Page, email: string) {
  await followMailLink(page, email, 'Confirm');
  await expect(page).toHaveURL(/\/verify-email\?token=/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page.getByTestId('email-confirmed')).toBeVisible();
}

/** Fills in and sends the sign-up form that `page` shows. */
async function fillSignUp(page: Page, name: string, email: string) {
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Organisation name').fill(`${name}'s team`);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

/** Signs `name` up with a new account at `email`, in `page` (signed out). */
export async function signUp(page: Page, name: string, email: string) {
  await page.goto('/signup');
  await hydrated(page);
  await fillSignUp(page, name, email);
  await expect(page).toHaveURL(/\/account$/);
}

/** Signs up a new person with a confirmed address, in a fresh browser context. */
export async function confirmedBuilder(browser: Browser, name: string): Promise<{ page: Page; email: string }> {
  const email = uniqueEmail(name);
  const page = await (await browser.newContext()).newPage();
  await signUp(page, name, email);
  await confirmAddress(page, email);
  return { page, email };
}

/**
 * `owner` invites a new person into their current account as `role`; the person signs
 * up from the invitation in a browser context of their own, joins, and confirms their
 * address. Their current account is then the owner's.
 */
export async function invitedPerson(browser: Browser, owner: Page, name: string, role: string): Promise<Page> {
  const email = uniqueEmail(name);
  await owner.goto('/account/members');
  await hydrated(owner);
  await owner.getByLabel('E-mail address').fill(email);
  await owner.getByLabel('Invite as').selectOption(role);
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  await expect(owner.getByTestId('invitation-sent')).toBeVisible();

  const page = await (await browser.newContext()).newPage();
  await followMailLink(page, email, 'invited you');
  await expect(page).toHaveURL(/\/invitations\/accept\?token=/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Sign up to accept' }).click();
  await expect(page).toHaveURL(/\/signup\?next=/);
  await hydrated(page);
  await fillSignUp(page, name, email);
  await expect(page).toHaveURL(/\/invitations\/accept\?token=/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await confirmAddress(page, email);
  return page;
}


/** Calls a server function as `page`'s signed-in user (form fields, or JSON). */
export async function call(page: Page, fn: string, body: Record<string, unknown>, json = false) {
  const origin = new URL(page.url()).origin;
  const response = json
    ? await page.request.post(`/api/${fn}`, { data: body, headers: { Origin: origin } })
    : await page.request.post(`/api/${fn}`, { form: body as Record<string, string>, headers: { Origin: origin } });
  expect(response.status(), `${fn}: ${await response.text()}`).toBe(200);
  return response.json();
}

// Playwright's offline switch does not reach a service worker's own fetches; with
// service-worker network events on (playwright.config.ts) those are cut here too.
function cutServiceWorker(route: Route) {
  return route.request().serviceWorker() ? route.abort('internetdisconnected') : route.continue();
}

export async function goOffline(context: BrowserContext) {
  await context.setOffline(true);
  await context.route('**', cutServiceWorker);
}

export async function goOnline(context: BrowserContext) {
  await context.unroute('**', cutServiceWorker);
  await context.setOffline(false);
}

/** Waits until the service worker controls `page` (it keeps what the page loads next). */
export async function serviceWorkerInCharge(page: Page) {
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}
