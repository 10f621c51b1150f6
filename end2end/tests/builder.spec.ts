import { expect, test, type Locator, type Page } from '@playwright/test';
import { confirmedBuilder, hydrated, invitedPerson } from './support';

// The form builder in Chromium: dragging from the palette and on the canvas, the
// properties panel, a show-if condition working in the preview, keyboard moves, undo,
// publishing and what changed since; then two browsers editing the same draft live.

const canvas = (page: Page) => page.getByTestId('canvas');
const fields = (page: Page) => canvas(page).getByTestId('field');
const labels = (page: Page) => fields(page).locator('.field-label');
const paletteItem = (page: Page, name: string) =>
  page.locator('.palette').getByRole('button', { name, exact: true });
const endOfForm = (page: Page) => page.locator('[data-testid="canvas"] > .drop-end');
const saved = (page: Page) => expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');

async function newApp(page: Page, name: string) {
  await page.goto('/apps');
  await hydrated(page);
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create and open the builder' }).click();
  await expect(page).toHaveURL(/\/apps\/[0-9a-f-]+\/build$/);
  await hydrated(page);
  await expect(page.getByTestId('builder')).toBeVisible();
}

/** Drags with the mouse (pointer events) onto the upper or lower part of `target`. */
async function drag(page: Page, source: Locator, target: Locator, part: 'top' | 'bottom' | 'middle' = 'middle') {
  await target.scrollIntoViewIfNeeded();
  await source.hover();
  const box = await target.boundingBox();
  if (!box) throw new Error('drop target not visible');
  const y = part === 'top' ? 3 : part === 'bottom' ? box.height - 3 : box.height / 2;
  await page.mouse.down();
  await page.mouse.move(box.x + 30, box.y + y, { steps: 8 });
  await expect(page.getByTestId('drop-line')).toBeVisible();
  await page.mouse.up();
}

/** Drags with a finger: real touch events (Chrome turns them into touch pointer events). */
async function touchDrag(page: Page, source: Locator, target: Locator, part: 'top' | 'bottom') {
  await target.scrollIntoViewIfNeeded();
  const from = await source.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error('not visible');
  const cdp = await page.context().newCDPSession(page);
  const start = { x: from.x + 20, y: from.y + from.height / 2 };
  const end = { x: to.x + 30, y: part === 'top' ? to.y + 3 : to.y + to.height - 3 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [start] });
  for (let i = 1; i <= 8; i++) {
    const point = { x: start.x + ((end.x - start.x) * i) / 8, y: start.y + ((end.y - start.y) * i) / 8 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

async function fieldId(field: Locator): Promise<string> {
  return ((await field.locator('.field-id').textContent()) ?? '').replace('$', '');
}

test('build a form by dragging, set properties, preview a condition, publish', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page } = await confirmedBuilder(browser, 'Bea Builder');
  await newApp(page, 'Site inspection');

  // --- From the palette onto the canvas. ---
  await drag(page, paletteItem(page, 'number'), endOfForm(page));
  await expect(fields(page)).toHaveCount(1);
  await page.getByLabel('Label', { exact: true }).fill('Age');
  await drag(page, paletteItem(page, 'yes/no'), endOfForm(page));
  await page.getByLabel('Label', { exact: true }).fill('Consent');
  // Dropped on the upper half of "Age": it goes before it.
  await drag(page, paletteItem(page, 'short text'), fields(page).first(), 'top');
  await page.getByLabel('Label', { exact: true }).fill('Inspector');
  await expect(labels(page)).toHaveText(['Inspector', 'Age', 'Consent']);

  // --- Reorder on the canvas: "Age" onto the upper half of "Inspector". ---
  await drag(page, fields(page).nth(1), fields(page).first(), 'top');
  await expect(labels(page)).toHaveText(['Age', 'Inspector', 'Consent']);

  // --- Keyboard equivalent: Alt+↓ moves the focused field down. ---
  await fields(page).first().focus();
  await page.keyboard.press('Alt+ArrowDown');
  await expect(labels(page)).toHaveText(['Inspector', 'Age', 'Consent']);
  await expect(fields(page).nth(1)).toBeFocused();

  // --- A translation of a label, shown in the preview's language. ---
  await fields(page).nth(1).click();
  await page.getByLabel('Language tag').fill('French');
  await expect(page.getByText('Use a language tag such as fr or pt-BR.')).toBeVisible();
  await page.getByLabel('Language tag').fill('fr');
  await page.getByRole('button', { name: 'Add translation' }).click();
  await page.getByLabel('Label (fr)').fill('Âge');
  const language = page.getByTestId('preview').getByLabel('Language', { exact: true });
  await language.selectOption('fr');
  await expect(page.getByTestId('preview').locator('label', { hasText: 'Âge' })).toBeVisible();
  await language.selectOption('');
  await expect(page.getByTestId('preview').locator('label', { hasText: 'Âge' })).toHaveCount(0);

  // --- A show-if condition: first with a mistake, pointed at; then working. ---
  const ageId = await fieldId(fields(page).nth(1));
  await fields(page).nth(2).click();
  const showIf = page.getByLabel('Show only if');
  await showIf.fill(`$${ageId} >= `);
  await expect(page.getByTestId('problem-show_if')).toBeVisible();
  await showIf.fill(`$${ageId} >= 18`);
  await expect(page.getByTestId('problem-show_if')).toHaveCount(0);
  await page.getByLabel('An answer is required').check();

  const preview = page.getByTestId('preview');
  const consent = preview.locator(`[data-preview]`, { hasText: 'Consent' });
  await expect(consent).toBeHidden();
  await preview.getByRole('spinbutton', { name: 'Age' }).fill('30');
  await expect(consent).toBeVisible();
  await expect(consent.getByRole('alert')).toHaveText('This question needs an answer.');
  await preview.getByRole('spinbutton', { name: 'Age' }).fill('12');
  await expect(consent).toBeHidden();

  // --- Undo takes back the last change (the "required" tick). ---
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByLabel('An answer is required')).not.toBeChecked();

  // --- Publish, then see what changed since. ---
  await saved(page);
  await page.getByTestId('publish').click();
  await expect(page.getByTestId('published')).toHaveText('Published version 1.');
  await expect(page.getByTestId('versions')).toContainText('Version 1');
  // Publishing again would change nothing: the panel says so before any click, in the
  // server's own words.
  await expect(page.getByTestId('problems')).toContainText('Nothing changed since version 1');
  await fields(page).first().click();
  await page.getByLabel('Label', { exact: true }).fill('Inspector name');
  await expect(page.getByTestId('changes')).toContainText('Changed: Inspector name');
  await expect(page.getByTestId('problems')).toHaveText('Nothing stops publishing.');

  // --- Everything was saved: a reload shows the same form. ---
  await saved(page);
  await page.reload();
  await hydrated(page);
  await expect(labels(page)).toHaveText(['Inspector name', 'Age', 'Consent']);
});

test('two builders edit the same draft live and are told of a conflict', async ({ browser }) => {
  test.setTimeout(120_000);
  // Two people: Ann owns the account, Ben joins it as a builder.
  const { page: ann } = await confirmedBuilder(browser, 'Ann');
  const other = await invitedPerson(browser, ann, 'Ben', 'builder');
  await newApp(ann, 'Shared form');
  await paletteItem(ann, 'short text').click();
  await saved(ann);

  await other.goto(ann.url());
  await hydrated(other);
  await expect(labels(other)).toHaveText(['Short text']);

  // Ann adds a field: Ben sees it.
  await paletteItem(ann, 'date').click();
  await expect(labels(other)).toHaveText(['Short text', 'Date'], { timeout: 5_000 });

  // Presence: Ben selects "Date"; Ann sees it marked with his name.
  await fields(other).nth(1).click();
  await expect(fields(ann).nth(1).getByTestId('peer-selection')).toHaveText('Ben', { timeout: 10_000 });

  // Different properties of the same field merge.
  await fields(ann).first().click();
  await ann.getByLabel('Label', { exact: true }).fill('Full name');
  await fields(other).first().click();
  await other.getByLabel('An answer is required').check();
  for (const page of [ann, other]) {
    await expect(labels(page).first()).toHaveText('Full name', { timeout: 5_000 });
    await expect(fields(page).first().locator('.required-mark')).toBeVisible({ timeout: 5_000 });
  }

  // The same property while one of them is offline: the first to reach the server is
  // kept, and the other is told.
  await other.context().setOffline(true);
  await other.getByLabel('Label', { exact: true }).fill('Name (offline)');
  await expect(other.getByTestId('save-status')).toHaveAttribute('data-state', 'offline');
  await ann.getByLabel('Label', { exact: true }).fill('Name (online)');
  await saved(ann);
  await other.context().setOffline(false);
  await expect(other.getByTestId('notices')).toContainText('was not kept', { timeout: 15_000 });
  for (const page of [ann, other]) {
    await expect(labels(page).first()).toHaveText('Name (online)', { timeout: 10_000 });
  }
});

test('fields go into and out of sections by dragging, by touch and by keyboard', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page } = await confirmedBuilder(browser, 'Gil Groups');
  await newApp(page, 'Grouped form');
  const rootLabels = page.locator('[data-testid="canvas"] > .field-row > [data-testid="field"] .field-label');
  const inGroup = page.locator('.field-children [data-testid="field"] .field-label');

  await paletteItem(page, 'section').click();
  await expect(page.locator('.field-children > .drop-end')).toHaveText('Drop fields here to add them to this group');
  // Onto the lower half of the section's heading: first inside it.
  await drag(page, paletteItem(page, 'short text'), fields(page).first(), 'bottom');
  await expect(inGroup).toHaveText(['Short text']);
  // Onto the space at the end of the group: last inside it.
  await drag(page, paletteItem(page, 'number'), page.locator('.field-children > .drop-end'));
  await expect(inGroup).toHaveText(['Short text', 'Number']);
  // Out of the group: onto the end of the form.
  await drag(page, page.locator('.field-children [data-testid="field"]').first(), endOfForm(page));
  await expect(rootLabels).toHaveText(['Section', 'Short text']);
  await expect(inGroup).toHaveText(['Number']);

  // The keyboard does the same: into the group above, out of it, duplicate, delete.
  const shortText = fields(page).filter({ hasText: 'Short text' });
  await shortText.focus();
  // A moved field's line is focused again on the next frame: wait for it before the
  // next key, as a person does without noticing.
  const focusedLine = (label: string) => expect(page.locator('.field-head:focus')).toContainText(label);
  await page.keyboard.press('Alt+ArrowRight');
  await expect(inGroup).toHaveText(['Number', 'Short text']);
  await focusedLine('Short text');
  await page.keyboard.press('Alt+ArrowLeft');
  await expect(rootLabels).toHaveText(['Section', 'Short text']);
  await focusedLine('Short text');
  await page.keyboard.press('Control+d');
  await expect(rootLabels).toHaveText(['Section', 'Short text', 'Short text (copy)']);
  await focusedLine('Short text (copy)');
  await page.keyboard.press('Delete');
  await expect(rootLabels).toHaveText(['Section', 'Short text']);
  await saved(page);
});

test.describe('on a touch screen', () => {
  test.use({ hasTouch: true });

  test('a field is dragged with a finger', async ({ browser }) => {
    test.setTimeout(120_000);
    const { page: first } = await confirmedBuilder(browser, 'Tia Touch');
    // A context with touch, signed in as the same person.
    const context = await browser.newContext({ hasTouch: true });
    const page = await context.newPage();
    await page.context().addCookies(await first.context().cookies());
    await newApp(page, 'Touch form');
    await paletteItem(page, 'short text').click();
    await paletteItem(page, 'date').click();
    await expect(labels(page)).toHaveText(['Short text', 'Date']);
    await touchDrag(page, fields(page).nth(1), fields(page).first(), 'top');
    await expect(labels(page)).toHaveText(['Date', 'Short text']);
    await saved(page);
  });
});

test('edits made offline survive closing the tab and are saved on the next visit', async ({ browser }) => {
  test.setTimeout(120_000);
  const { page } = await confirmedBuilder(browser, 'Olu Offline');
  await newApp(page, 'Offline form');
  await paletteItem(page, 'short text').click();
  await saved(page);
  const url = page.url();

  await page.context().setOffline(true);
  await page.getByLabel('Label', { exact: true }).fill('Written offline');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'offline');
  const context = page.context();
  await page.close();
  await context.setOffline(false);

  const again = await context.newPage();
  await again.goto(url);
  await hydrated(again);
  await expect(labels(again)).toHaveText(['Written offline']);
  await expect(again.getByTestId('notices')).toContainText('left unsaved on your last visit');
  await saved(again);
  await again.reload();
  await hydrated(again);
  await expect(labels(again)).toHaveText(['Written offline']);
});
