import { expect, test, type Page, type Route } from '@playwright/test';
import { MusterServer, freePort } from './server';
import { call, confirmedBuilder, goOffline, goOnline, hydrated, invitedPerson, serviceWorkerInCharge } from './support';

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

/**
 * The builder's list of `app`'s submissions once it holds `count` rows: another user's
 * write reaches the builder's reads once a replica has it (within the lag bound).
 */
async function submissionRows(owner: Page, app: string, count: number) {
  const rows = owner.getByTestId('submissions').locator('tbody tr');
  await expect(async () => {
    await owner.goto(`/apps/${app}/submissions`);
    await expect(rows).toHaveCount(count, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await hydrated(owner);
  return rows;
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
  await member.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(member.getByTestId('kept')).toBeVisible();
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0');
  await expect(member.getByTestId('outbox-count')).toContainText('last sent at');

  // Sent: the draft is gone, the next one starts empty.
  await member.getByRole('button', { name: 'Fill in another' }).click();
  await expect(member.getByRole('textbox', { name: 'Site', exact: true })).toHaveValue('');

  const rows = await submissionRows(owner, appId, 1);
  await expect(rows.first()).toContainText('Fay Field');
  await rows.first().getByRole('link').click();
  await expect(owner.getByTestId('answers')).toContainText('North gate');
  await expect(owner.getByTestId('answers')).toContainText('Visits, row 2');
});

test('submissions made offline wait on the device and arrive exactly once', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page: owner } = await confirmedBuilder(browser, 'Otto Offline');
  const appId: string = await call(owner, 'create_app', { name: 'Well check' });
  const form = { fields: [field('well', 'Well', { type: 'short_text', required: true })] };
  await call(owner, 'save_draft', { app_id: appId, form, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });
  const member = await invitedPerson(browser, owner, 'Wendy Well', 'member');
  await member.setViewportSize({ width: 360, height: 740 });
  await member.goto(`/run/${appId}`);
  await hydrated(member);
  // The service worker takes over, then keeps the page as it loads again.
  await serviceWorkerInCharge(member);
  await member.reload();
  await hydrated(member);

  await goOffline(member.context());
  for (const well of ['Well 1', 'Well 2', 'Well 3']) {
    await member.getByRole('textbox', { name: 'Well', exact: true }).fill(well);
    await member.getByRole('button', { name: 'Review' }).click();
    await member.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(member.getByTestId('kept')).toBeVisible();
    await member.getByRole('button', { name: 'Fill in another' }).click();
  }
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '3');

  // Opened again with no network: the service worker serves the runner, the queue is
  // still there.
  await member.reload();
  await hydrated(member);
  await expect(member.getByRole('heading', { name: 'Well check' })).toBeVisible();
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '3');

  // Back online, but the server is busy: they keep waiting, and signing out asks first.
  const busy = (route: Route) => route.fulfill({ status: 503, body: '{"Busy":null}' });
  await member.route('**/api/submit', busy);
  await goOnline(member.context());
  await member.getByRole('button', { name: 'Send now' }).click();
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '3');
  let asked = '';
  member.once('dialog', (dialog) => { asked = dialog.message(); return dialog.dismiss(); });
  await member.getByRole('button', { name: 'Menu' }).click();
  await member.getByRole('button', { name: 'Sign out' }).click();
  await expect.poll(() => asked).toContain('3 submission(s) have not reached the server yet');
  await expect(member.getByTestId('signed-in-as')).toHaveText('Wendy Well');
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '3');

  await member.unroute('**/api/submit', busy);
  await member.getByRole('button', { name: 'Send now' }).click();
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0', { timeout: 20_000 });
  await submissionRows(owner, appId, 3);
  // Nothing waits any more: signing out asks nothing.
  member.once('dialog', (dialog) => { asked = `asked again: ${dialog.message()}`; return dialog.dismiss(); });
  await member.getByRole('button', { name: 'Menu' }).click();
  await member.getByRole('button', { name: 'Sign out' }).click();
  await expect(member).toHaveURL(/\/$/);
  expect(asked).not.toContain('asked again');
});

test('a sync cut off by a server crash and restart completes without a duplicate', async ({ browser }) => {
  test.setTimeout(180_000);
  const { page: owner } = await confirmedBuilder(browser, 'Rhea Restart');
  const appId: string = await call(owner, 'create_app', { name: 'Gauge check' });
  const form = { fields: [field('gauge', 'Gauge', { type: 'short_text', required: true })] };
  await call(owner, 'save_draft', { app_id: appId, form, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });
  const member = await invitedPerson(browser, owner, 'Gus Gauge', 'member');

  // A server of this test's own (the suite's other tests keep theirs), on the same
  // database and Redis: the member's session holds on it too.
  const server = new MusterServer(await freePort());
  await server.start();
  try {
    await member.setViewportSize({ width: 360, height: 740 });
    await member.goto(`${server.origin}/run/${appId}`);
    await hydrated(member);
    await goOffline(member.context());
    for (const gauge of ['Gauge 1', 'Gauge 2', 'Gauge 3']) {
      await member.getByRole('textbox', { name: 'Gauge', exact: true }).fill(gauge);
      await member.getByRole('button', { name: 'Review' }).click();
      await member.getByRole('button', { name: 'Send', exact: true }).click();
      await expect(member.getByTestId('kept')).toBeVisible();
      await member.getByRole('button', { name: 'Fill in another' }).click();
    }
    await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '3');

    // The first submission reaches the server and is stored; the server dies before its
    // answer leaves, so the phone never hears of it and must send it again.
    let storedBeforeCrash = 0;
    let crashed = false;
    await member.route('**/api/submit', async (route) => {
      if (crashed) return route.continue();
      crashed = true;
      const answer = await route.fetch();
      storedBeforeCrash = answer.status();
      await server.kill();
      return route.abort('connectionreset');
    });
    await goOnline(member.context());
    await expect.poll(() => storedBeforeCrash, { timeout: 20_000 }).toBe(200);
    await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '3');

    await server.start();
    await member.getByRole('button', { name: 'Send now' }).click();
    await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0', { timeout: 30_000 });
  } finally {
    await server.kill();
  }
  // Three, not four: the one sent again was answered with what the server had stored.
  await submissionRows(owner, appId, 3);
});

test('a submission is kept when the browser closes the outbox database under memory pressure', async ({ browser }) => {
  test.setTimeout(90_000);
  const { page: owner } = await confirmedBuilder(browser, 'Mia Memory');
  const appId: string = await call(owner, 'create_app', { name: 'Pump check' });
  const form = { fields: [field('pump', 'Pump', { type: 'short_text', required: true })] };
  await call(owner, 'save_draft', { app_id: appId, form, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });
  const member = await invitedPerson(browser, owner, 'Max Memory', 'member');
  await member.setViewportSize({ width: 360, height: 740 });
  // Every IndexedDB connection the page opens, so the test can take them away as a
  // browser short of memory does (the page's handle then fails with InvalidStateError).
  await member.addInitScript(() => {
    const opened: IDBDatabase[] = [];
    (window as unknown as { closeDatabases: () => number }).closeDatabases = () => {
      for (const db of opened) db.close();
      return opened.length;
    };
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
      const request = open.apply(this, args);
      request.addEventListener('success', () => opened.push(request.result));
      return request;
    };
  });
  await member.goto(`/run/${appId}`);
  await hydrated(member);
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0');

  await goOffline(member.context());
  const closeDatabases = () => member.evaluate(() => (window as unknown as { closeDatabases: () => number }).closeDatabases());
  expect(await closeDatabases(), 'the outbox had a connection open').toBeGreaterThan(0);
  await member.getByRole('textbox', { name: 'Pump', exact: true }).fill('Pump 7');
  await member.getByRole('button', { name: 'Review' }).click();
  await member.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(member.getByTestId('kept')).toBeVisible();
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '1');

  // Closed again before it is sent: the send (started by the network coming back)
  // reopens it too, and it arrives once.
  await closeDatabases();
  await goOnline(member.context());
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0', { timeout: 20_000 });
  const rows = await submissionRows(owner, appId, 1);
  await expect(rows.first()).toContainText('Max Memory');
});

test('an unfinished draft moves onto a newer version, listing the answers that no longer fit', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page: owner } = await confirmedBuilder(browser, 'Vera Versions');
  const appId: string = await call(owner, 'create_app', { name: 'Pump survey' });
  const v1 = { fields: [
    field('pump', 'Pump', { type: 'short_text' }),
    field('depth', 'Depth', { type: 'number' }),
  ] };
  await call(owner, 'save_draft', { app_id: appId, form: v1, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });
  const member = await invitedPerson(browser, owner, 'Pat Pump', 'member');
  await member.goto(`/run/${appId}`);
  await hydrated(member);
  await member.getByRole('textbox', { name: 'Pump', exact: true }).fill('P-7');
  await member.getByRole('spinbutton', { name: 'Depth' }).fill('12');

  // Version 2: the pump is now chosen from a list; depth stays.
  const v2 = { fields: [
    field('pump', 'Pump', { type: 'single_choice', options: [{ value: 'p1', label: { text: 'P-1' } }] }),
    field('depth', 'Depth', { type: 'number' }),
  ] };
  await call(owner, 'save_draft', { app_id: appId, form: v2, base_revision: 2 }, true);
  await call(owner, 'publish_app', { app_id: appId });

  await expect(async () => {
    await member.goto(`/run/${appId}`);
    await expect(member.getByText('Version 2', { exact: true })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await hydrated(member);
  await expect(member.getByTestId('older-draft')).toContainText('version 1');
  await member.getByRole('button', { name: 'Move my answers' }).click();
  await expect(member.getByTestId('left-behind')).toContainText('Pump: P-7');
  await expect(member.getByRole('spinbutton', { name: 'Depth' })).toHaveValue('12');
  await expect(member.getByTestId('older-draft')).toHaveCount(0);
});

test('a GPS question takes the device location and refuses a fix less accurate than it needs', async ({ browser }) => {
  test.setTimeout(90_000);
  const { page } = await confirmedBuilder(browser, 'Gina Gps');
  const appId: string = await call(page, 'create_app', { name: 'Borehole' });
  const form = { fields: [field('spot', 'Spot', { type: 'location', accuracy_m: 20, required: true })] };
  await call(page, 'save_draft', { app_id: appId, form, base_revision: 1 }, true);
  await call(page, 'publish_app', { app_id: appId });
  await page.context().grantPermissions(['geolocation']);
  await page.context().setGeolocation({ latitude: 52.370216, longitude: 4.895168, accuracy: 50 });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`/run/${appId}`);
  await hydrated(page);

  await page.getByRole('button', { name: 'Use my location' }).click();
  await expect(page.getByTestId('location')).toHaveText('52.370216, 4.895168 · accurate to 50 m');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.locator('[data-field="spot"] .field-error')).toContainText('accurate to 50 m; this question needs 20 m or better');

  await page.context().setGeolocation({ latitude: 52.370216, longitude: 4.895168, accuracy: 6 });
  await page.getByRole('button', { name: 'Use my location' }).click();
  await expect(page.getByTestId('location')).toHaveText('52.370216, 4.895168 · accurate to 6 m');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByTestId('review-ok')).toBeVisible();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByTestId('kept')).toBeVisible();
  await expect(page.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0');
  // The builder sees it on a map, over the configured tiles (one grey PNG stands in
  // for the tile server).
  const tiles: string[] = [];
  const grey = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGO4BQAA6gDp1JQ5WAAAAABJRU5ErkJggg==', 'base64');
  await page.route('http://tiles.muster.test/**', (route) => {
    tiles.push(new URL(route.request().url()).pathname);
    return route.fulfill({ status: 200, contentType: 'image/png', body: grey });
  });
  const rows = await submissionRows(page, appId, 1);
  await rows.first().getByRole('link').click();
  await expect(page.getByTestId('answers')).toContainText('52.370216 4.895168 6');
  const map = page.getByTestId('location-map');
  await expect(map.getByRole('button', { name: 'Submitted here' })).toBeVisible({ timeout: 10_000 });
  await expect(map).toContainText('Test tiles');
  await expect(page.locator('.location-map-pins')).toHaveText('Submitted here: 52.37022, 4.89517 (within 6 m)');
  // Zoom 16 around Amsterdam's centre: tile x 33659, y 21537.
  await expect.poll(() => tiles.some((path) => path === '/16/33659/21537.png')).toBe(true);
});

test('a photo and a signature are taken on a phone, sent in pieces, and shown to the builder processed', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page: owner } = await confirmedBuilder(browser, 'Pia Builder');
  const form = { fields: [
    field('meter', 'Meter photo', { type: 'photo', max_count: 2, max_size_kib: 4096, required: true }),
    field('signed', 'Signature', { type: 'signature', required: true }),
  ] };
  const appId: string = await call(owner, 'create_app', { name: 'Meter reading' });
  await call(owner, 'save_draft', { app_id: appId, form, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });

  const member = await invitedPerson(browser, owner, 'Max Meter', 'member');
  await member.setViewportSize({ width: 360, height: 740 });
  await member.goto(`/run/${appId}`);
  await hydrated(member);

  // A camera-sized photo (3000 × 2000 of noise, so it is large): the runner scales it
  // down to 2048 pixels before it leaves the phone, and sends it in 256 KiB pieces.
  const photo = await member.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 3000;
    canvas.height = 2000;
    const context = canvas.getContext('2d')!;
    const pixels = context.createImageData(3000, 2000);
    for (let i = 0; i < pixels.data.length; i += 1) pixels.data[i] = (i * 2654435761) % 251;
    context.putImageData(pixels, 0, 0);
    const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), 'image/jpeg', 0.9));
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  const chunks: string[] = [];
  // On the context: once the service worker has claimed the page, Chromium reports the
  // page's requests through the worker, which page.on('request') does not see.
  member.context().on('request', (request) => {
    if (request.method() === 'PATCH' && request.url().includes('/api/media/')) chunks.push(request.url());
  });
  await member.getByLabel('Meter photo').setInputFiles({ name: 'meter.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(photo) });
  await expect(member.getByTestId('photo')).toHaveCount(1);
  await expect(member.getByTestId('photo').locator('img')).toBeVisible();

  // The signature, drawn with the pointer.
  const pad = member.getByLabel('Sign here');
  const box = (await pad.boundingBox())!;
  await member.mouse.move(box.x + 20, box.y + 40);
  await member.mouse.down();
  await member.mouse.move(box.x + 120, box.y + 100, { steps: 8 });
  await member.mouse.move(box.x + 200, box.y + 30, { steps: 8 });
  await member.mouse.up();
  await member.getByRole('button', { name: 'Keep signature' }).click();
  await expect(member.getByTestId('signature-kept').locator('img')).toBeVisible();

  await member.getByRole('button', { name: 'Review' }).click();
  await expect(member.getByTestId('review-ok')).toBeVisible();
  await member.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(member.getByTestId('kept')).toBeVisible();
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0', { timeout: 30_000 });
  expect(chunks.length, 'the photo went in pieces').toBeGreaterThan(1);

  // The builder sees both once processed: the photo at 2048 pixels, upright.
  await submissionRows(owner, appId, 1);
  await owner.getByTestId('submissions').locator('tbody tr').first().getByRole('link').click();
  // The router moves once the page's code has arrived (it is a chunk of its own).
  await expect(owner).toHaveURL(/\/submissions\/[0-9a-f-]+$/);
  await expect(async () => {
    await owner.reload();
    await expect(owner.getByTestId('submitted-photo')).toHaveCount(2, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  const width = await owner.getByTestId('submitted-photo').first().locator('a').evaluate(async (link: HTMLAnchorElement) => {
    const image = new Image();
    image.src = link.href;
    await image.decode();
    return image.naturalWidth;
  });
  expect(width).toBe(2048);
});

test('a barcode question reads the camera with the browser\'s reader or ZXing, and always takes typing', async ({ browser }) => {
  test.setTimeout(90_000);
  const { page: owner } = await confirmedBuilder(browser, 'Bo Builder');
  const form = { fields: [field('tag', 'Asset tag', { type: 'barcode', required: true })] };
  const appId: string = await call(owner, 'create_app', { name: 'Asset check' });
  await call(owner, 'save_draft', { app_id: appId, form, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: appId });

  const member = await invitedPerson(browser, owner, 'Ali Asset', 'member');
  await member.setViewportSize({ width: 360, height: 740 });
  const tag = member.getByRole('textbox', { name: 'Asset tag' });

  // No camera at all: typing is the way.
  await member.addInitScript(() => {
    Object.defineProperty(navigator, 'mediaDevices', { value: undefined, configurable: true });
  });
  await member.goto(`/run/${appId}`);
  await hydrated(member);
  await expect(member.getByRole('button', { name: 'Scan with the camera' })).toHaveCount(0);
  await tag.fill('TYPED-7');
  await expect(tag).toHaveValue('TYPED-7');

  // A camera but no BarcodeDetector (Firefox, Safari, this Chromium): ZXing is loaded on
  // the first scan and reads a real QR code in the camera's picture (a canvas showing
  // one, drawn with ZXing's own encoder).
  const second = await member.context().newPage();
  await second.setViewportSize({ width: 360, height: 740 });
  await second.addInitScript(() => {
    delete (window as { BarcodeDetector?: unknown }).BarcodeDetector;
    navigator.mediaDevices.getUserMedia = async () => {
      // The runner loads ZXing before it asks for the camera.
      const ZXing = (window as unknown as { ZXing: any }).ZXing;
      const matrix = new ZXing.QRCodeWriter().encode('SITE-0042', ZXing.BarcodeFormat.QR_CODE, 240, 240, new Map());
      const canvas = document.createElement('canvas');
      canvas.width = 320; canvas.height = 320;
      const paint = () => {
        const context = canvas.getContext('2d')!;
        context.fillStyle = '#fff';
        context.fillRect(0, 0, 320, 320);
        context.fillStyle = '#000';
        for (let y = 0; y < matrix.getHeight(); y++)
          for (let x = 0; x < matrix.getWidth(); x++)
            if (matrix.get(x, y)) context.fillRect(40 + x, 40 + y, 1, 1);
      };
      paint();
      setInterval(paint, 100); // a live picture keeps sending frames
      return canvas.captureStream(10);
    };
  });
  const zxingLoads: string[] = [];
  second.on('request', (request) => { if (request.url().includes('/vendor/zxing/')) zxingLoads.push(request.url()); });
  await second.goto(`/run/${appId}`);
  await hydrated(second);
  expect(zxingLoads, 'the reader is not downloaded before it is needed').toHaveLength(0);
  await second.getByRole('button', { name: 'Scan with the camera' }).click();
  await expect(second.getByRole('textbox', { name: 'Asset tag' })).toHaveValue('SITE-0042', { timeout: 15_000 });
  expect(zxingLoads).toHaveLength(1);
  await expect(second.getByLabel('Camera view')).toBeHidden();
  await second.close();

  // A browser with one (as on Android): the camera's picture goes to the reader, the
  // code it finds becomes the answer, and the camera is released.
  const third = await member.context().newPage();
  await third.setViewportSize({ width: 360, height: 740 });
  await third.addInitScript(() => {
    (window as { BarcodeDetector?: unknown }).BarcodeDetector = class {
      async detect(source: HTMLVideoElement) {
        return source.readyState >= 2 && source.videoWidth > 0 ? [{ rawValue: 'METER-0042', format: 'qr_code' }] : [];
      }
    };
  });
  await third.goto(`/run/${appId}`);
  await hydrated(third);
  const thirdTag = third.getByRole('textbox', { name: 'Asset tag' });
  await third.getByRole('button', { name: 'Scan with the camera' }).click();
  await expect(thirdTag).toHaveValue('METER-0042');
  await expect(third.getByLabel('Camera view')).toBeHidden();
  expect(await third.getByLabel('Camera view').evaluate((video: HTMLVideoElement) => video.srcObject)).toBeNull();
  await third.getByRole('button', { name: 'Review' }).click();
  await expect(third.getByTestId('review-ok')).toBeVisible();
});
