import { expect, type Page } from '@playwright/test';
import { test } from '@playwright/test';
import { confirmedBuilder, hydrated, invitedPerson } from './support';

// The runner (issue 13): a member fills a published app in on a phone, page by page,
// with repeat rows, and the builder sees what arrived.

const field = (id: string, label: string, kind: Record<string, unknown>) => ({ id, label: { text: label }, ...kind });

const inspection = {
  fields: [
    field('site', 'Site', { type: 'short_text', required: true }),
    field('page_2', 'Page 2', { type: 'page_break' }),
    field('visits', 'Visits', {
      type: 'repeat', min: 1, max: 3,
      children: [field('duration', 'Duration', { type: 'number', integer: true, min: 0, max: 120 })],
    }),
    field('total', 'Total minutes', { type: 'calculated', expression: 'sum($visits.duration)' }),
  ],
};

/** Calls a server function as `page`'s signed-in user. */
async function call(page: Page, fn: string, body: Record<string, unknown>, json = false) {
  const origin = new URL(page.url()).origin;
  const response = json
    ? await page.request.post(`/api/${fn}`, { data: body, headers: { Origin: origin } })
    : await page.request.post(`/api/${fn}`, { form: body as Record<string, string>, headers: { Origin: origin } });
  expect(response.status(), `${fn}: ${await response.text()}`).toBe(200);
  return response.json();
}

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test('a member fills in a published app on a phone and the builder sees it', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page: owner } = await confirmedBuilder(browser, 'Rita Builder');
  const appId: string = await call(owner, 'create_app', { name: 'Site inspection' });
  await call(owner, 'save_draft', { app_id: appId, form: inspection, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });

  const member = await invitedPerson(browser, owner, 'Fay Field', 'member');
  await member.setViewportSize({ width: 360, height: 740 });
  await member.goto('/run');
  await hydrated(member);
  await noSidewaysScroll(member);
  await member.getByRole('link', { name: /Site inspection/ }).click();
  await expect(member).toHaveURL(new RegExp(`/run/${appId}$`));
  await hydrated(member);

  // Page 1: the required site stops "Next" until answered.
  await member.getByRole('button', { name: 'Next' }).click();
  await expect(member.getByText('This question needs an answer.')).toBeVisible();
  await member.getByRole('textbox', { name: 'Site', exact: true }).fill('North gate');
  // The draft is on the device: a reload keeps it.
  await member.reload();
  await hydrated(member);
  await expect(member.getByRole('textbox', { name: 'Site', exact: true })).toHaveValue('North gate');
  await member.getByRole('button', { name: 'Next' }).click();

  // Page 2: two rows; a wrong answer in the second row is shown there.
  await expect(member.getByText('Page 2 of 2')).toBeVisible();
  await member.getByRole('button', { name: 'Add a row' }).click();
  await member.getByRole('button', { name: 'Add a row' }).click();
  const durations = member.getByRole('spinbutton', { name: 'Duration' });
  await expect(durations).toHaveCount(2);
  await durations.nth(0).fill('20');
  await durations.nth(1).fill('200');
  await expect(member.getByTestId('calculated')).toHaveText('220');
  const add = member.getByRole('button', { name: 'Add a row' });
  await expect(add).toBeEnabled();
  await member.getByRole('button', { name: 'Review' }).click();
  await expect(member.locator('[data-field="visits.1.duration"] .field-error')).toHaveText('Enter 120 or less.');
  await durations.nth(1).fill('45');
  await expect(member.getByTestId('calculated')).toHaveText('65');
  for (const box of await member.locator('.run-form button').all()) {
    const size = await box.boundingBox();
    expect(size?.height ?? 0).toBeGreaterThanOrEqual(44);
  }
  await noSidewaysScroll(member);
  await member.getByRole('button', { name: 'Review' }).click();
  await expect(member.getByTestId('review-ok')).toBeVisible();
  await member.getByRole('button', { name: 'Send' }).click();
  await expect(member.getByTestId('sent')).toBeVisible();

  // Sent: the draft is gone, the next one starts empty.
  await member.getByRole('button', { name: 'Fill in another' }).click();
  await expect(member.getByRole('textbox', { name: 'Site', exact: true })).toHaveValue('');

  await owner.goto(`/apps/${appId}/submissions`);
  await hydrated(owner);
  const rows = owner.getByTestId('submissions').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Fay Field');
  await rows.first().getByRole('link').click();
  await expect(owner.getByTestId('answers')).toContainText('North gate');
  await expect(owner.getByTestId('answers')).toContainText('Visits, row 2');
});
