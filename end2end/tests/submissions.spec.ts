import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { call, confirmedBuilder, hydrated } from './support';

// What builders do with what arrived (issue 15): filter the table, open a submission,
// correct an answer, change its status, download exports, see the pins on a map.

const field = (id: string, label: string, kind: Record<string, unknown>) => ({ id, label: { text: label }, ...kind });

const survey = {
  fields: [
    field('site', 'Site', { type: 'short_text' }),
    field('count', 'Count', { type: 'number', integer: true, min: 0 }),
    field('place', 'Place', { type: 'location' }),
  ],
};

/** `owner`'s new app with the survey published and `answers` submitted to it. */
async function surveyWith(owner: Page, name: string, answers: Record<string, string>[]): Promise<string> {
  const appId: string = await call(owner, 'create_app', { name });
  await call(owner, 'save_draft', { app_id: appId, form: survey, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });
  for (const document of answers) {
    await call(owner, 'submit', {
      app_id: appId,
      submission: { client_id: crypto.randomUUID(), version: 1, finished_at: new Date().toISOString(), document },
    }, true);
  }
  return appId;
}

const gates = [
  { site: 'North gate', count: '3', place: '52.3702 4.8952 5' },
  { site: 'South gate', count: '4', place: '52.3710 4.8910 5' },
  { site: 'North gate', count: '5', place: '52.3600 4.9160 5' },
];

test('a builder filters the table, corrects an answer, approves a submission and downloads what the filter shows', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page: owner } = await confirmedBuilder(browser, 'Tess Table');
  const appId = await surveyWith(owner, 'Gate survey', gates);
  await owner.goto(`/apps/${appId}/submissions`);
  await hydrated(owner);
  const rows = owner.getByTestId('submission-row');
  await expect(rows).toHaveCount(3);

  // Filter by an answer: the filter goes into the address, the table follows.
  await owner.getByLabel('Answer to').selectOption('site');
  await owner.getByLabel('is exactly').fill('North gate');
  await owner.getByRole('button', { name: 'Apply' }).click();
  await expect(owner).toHaveURL(/field=site&value=North\+gate/);
  await expect(rows).toHaveCount(2);
  // The address alone reproduces it (a shared link).
  const shared = owner.url();
  await owner.goto(shared);
  await expect(rows).toHaveCount(2);
  await hydrated(owner);

  // The CSV download holds what the filter shows, formulas made harmless.
  const [download] = await Promise.all([
    owner.waitForEvent('download'),
    owner.getByTestId('export-csv').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^gate-survey-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toContain('Site,Count,Place');
  expect(lines).toHaveLength(3);

  // Open the oldest North gate and correct its count.
  await rows.last().getByRole('link').click();
  await expect(owner).toHaveURL(/\/submissions\/[0-9a-f-]+$/);
  await hydrated(owner);
  await owner.getByRole('button', { name: 'Correct “Count”' }).click();
  await owner.getByLabel('New answer').fill('many');
  await owner.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(owner.getByRole('alert')).toBeVisible();
  await owner.getByLabel('New answer').fill('9');
  await owner.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(owner.locator('[data-path="count"]')).toHaveText('9');
  await expect(owner.getByTestId('history')).toContainText('Tess Table changed “count” from 3 to 9');

  // Approve it.
  await owner.getByTestId('status-choice').selectOption('approved');
  await owner.getByRole('button', { name: 'Save the status' }).click();
  await expect(owner.getByTestId('review-status')).toHaveText('Approved');
  await expect(owner.getByTestId('history')).toContainText('changed the status from New to Approved');

  // Back in the table, only it is approved.
  await owner.getByRole('link', { name: 'All submissions' }).click();
  await hydrated(owner);
  await owner.getByLabel('Status').selectOption('approved');
  await owner.getByRole('button', { name: 'Apply' }).click();
  await expect(owner).toHaveURL(/status=approved/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByTestId('review-status')).toHaveText('Approved');
});

test('the map clusters the pins of the filter and searches near a point', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page: owner } = await confirmedBuilder(browser, 'Mara Map');
  const appId = await surveyWith(owner, 'Gate map', gates);
  const grey = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGO4BQAA6gDp1JQ5WAAAAABJRU5ErkJggg==', 'base64');
  await owner.route('http://tiles.muster.test/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: grey }));
  await owner.goto(`/apps/${appId}/map`);
  await hydrated(owner);
  await expect(owner.getByTestId('pin-count')).toHaveText('3 submissions here.');
  const map = owner.getByTestId('submissions-map');
  // Zoomed to show all three: two close together form a cluster, or all are pins.
  await expect(map.locator('.leaflet-marker-icon').first()).toBeVisible({ timeout: 10_000 });
  // The box in view becomes part of the address after a move.
  await map.locator('.leaflet-control-zoom-in').click();
  await expect(owner).toHaveURL(/bbox=/);

  await owner.getByLabel('Near (latitude, longitude)').fill('52.3702, 4.8952');
  await owner.getByLabel('within (metres)').fill('500');
  await owner.getByRole('button', { name: 'Search near' }).click();
  await expect(owner).toHaveURL(/near=52\.3702%2C4\.8952%2C500/);
  await expect(owner.getByTestId('pin-count')).toHaveText('2 submissions here.');
});

test('an export larger than a direct download is prepared with a live progress bar, then downloaded', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page: owner } = await confirmedBuilder(browser, 'Pia Progress');
  // The test server prepares exports of more than two submissions in a job.
  const appId = await surveyWith(owner, 'Big survey', gates);
  await owner.goto(`/apps/${appId}/submissions`);
  await hydrated(owner);
  await expect(owner.getByTestId('submission-row')).toHaveCount(3);
  await owner.getByTestId('export-csv').click();
  const progress = owner.getByTestId('export-progress');
  await expect(progress).toBeVisible();
  // The job runs as soon as a worker is free: allow for a busy machine.
  await expect(progress.locator('progress')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(progress).toContainText('3 of 3 rows');
  const [download] = await Promise.all([
    owner.waitForEvent('download'),
    owner.getByTestId('export-download').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^big-survey-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(4);
});

test('a builder adds a webhook, sends a test event and reads its delivery log; an admin makes and revokes an API token', async ({ browser }) => {
  test.setTimeout(120_000);
  const received: { signature: string | undefined; body: string }[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({ signature: request.headers['webhook-signature'] as string | undefined, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  try {
    const { page: owner } = await confirmedBuilder(browser, 'Wes Webhook');
    const appId = await surveyWith(owner, 'Hooked survey', []);
    await owner.goto(`/apps/${appId}/webhooks`);
    await hydrated(owner);
    await owner.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${port}/hooks`);
    await owner.getByRole('button', { name: 'Add the endpoint' }).click();
    await expect(owner.getByTestId('webhook-secret')).toContainText('whsec_');
    const endpoint = owner.getByTestId('webhook');
    await expect(endpoint).toHaveCount(1);
    await endpoint.getByRole('button', { name: 'Send a test event' }).click();
    await expect.poll(() => received.length).toBe(1);
    expect(received[0].signature).toMatch(/^v1,/);
    expect(JSON.parse(received[0].body).type).toBe('webhook.test');
    await expect(async () => {
      await endpoint.getByRole('button', { name: 'Refresh the log' }).click();
      await expect(endpoint.getByTestId('delivery').first()).toHaveAttribute('data-status', 'delivered', { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await expect(endpoint.getByTestId('delivery').first()).toContainText('204');

    // API tokens: made with their secret shown once, listed, revoked.
    await owner.goto('/account/api-tokens');
    await hydrated(owner);
    await owner.getByLabel('What uses it').fill('Dashboard');
    await owner.getByRole('button', { name: 'Make a token' }).click();
    const secret = await owner.getByTestId('new-token-secret').textContent();
    expect(secret).toMatch(/^mst_[0-9a-f]{64}$/);
    const apps = await owner.request.get('/api/v1/apps', { headers: { Authorization: `Bearer ${secret}` } });
    expect(apps.status()).toBe(200);
    expect((await apps.json()).data[0].name).toBe('Hooked survey');
    await owner.getByRole('button', { name: 'Revoke “Dashboard”' }).click();
    await expect(owner.getByTestId('api-token')).toContainText('Revoked');
    const refused = await owner.request.get('/api/v1/apps', { headers: { Authorization: `Bearer ${secret}` } });
    expect(refused.status()).toBe(401);
  } finally {
    receiver.close();
  }
});
