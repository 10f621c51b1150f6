import { expect, test, type Page } from '@playwright/test';
import { call, confirmedBuilder, goOffline, goOnline, hydrated, invitedPerson, serviceWorkerInCharge } from './support';

// Projects and plans (issue 14): organisers plan in the browser, members see each
// other's changes live, the timeline moves activities (and their call-ins) by pointer,
// touch and keyboard, and a save over someone else's shows both versions.

async function userId(page: Page): Promise<string> {
  const session = await call(page, 'load_session', {});
  return session.user.id;
}

/** Today plus `days`, as the date inputs take it. */
function day(days: number): string {
  const date = new Date(Date.now() + days * 86_400_000);
  return date.toISOString().slice(0, 10);
}

/**
 * A project of `owner`'s with a role, a location and `member` in it holding the role;
 * one activity tomorrow at 09:00 needing one such person, called in `callIn` minutes
 * before.
 */
async function plannedProject(owner: Page, member: Page, callIn = 60) {
  const project: string = await call(owner, 'create_project', {
    name: 'Harbour works', goal: 'Inspect the quays', time_zone: 'Europe/Amsterdam', starts_on: day(-1), ends_on: day(20),
  });
  const role = (await call(owner, 'create_role', { name: `Diver ${Date.now()}` })).id;
  const location = (await call(owner, 'create_location', { name: 'North quay', address: '', latitude: '52.38', longitude: '4.90' })).id;
  const memberId = await userId(member);
  await call(owner, 'add_project_member', { project_id: project, user_id: memberId });
  await call(owner, 'set_member_roles', { project_id: project, user_id: memberId, role_ids: [role] }, true);
  const activity: string = await call(owner, 'create_activity', {
    project_id: project,
    activity: { name: 'Quay inspection', location_id: location, starts_local: `${day(1)}T09:00`, duration_minutes: 120 },
  }, true);
  await call(owner, 'set_need', {
    project_id: project, activity_id: activity, role_id: role, count: '1', call_in_minutes: String(callIn), base_version: '1',
  });
  return { project, role, location, activity, memberId };
}

async function needId(page: Page, project: string, activity: string): Promise<string> {
  const plan = await call(page, 'load_plan', { project_id: project });
  return plan.activities.find((a: { id: string }) => a.id === activity).needs[0].id;
}

test('an organiser plans a project in the browser and a second member sees every change within a second', async ({ browser }) => {
  test.setTimeout(150_000);
  const { page: owner } = await confirmedBuilder(browser, 'Petra Planner');
  const member = await invitedPerson(browser, owner, 'Mats Member', 'member');

  // A role and a location for the account.
  await owner.goto('/roles-and-locations');
  await hydrated(owner);
  await owner.getByLabel('New role').fill('Welder');
  await owner.getByRole('button', { name: 'Add the role' }).click();
  await expect(owner.getByTestId('roles').getByRole('textbox', { name: 'Role name' })).toHaveValue('Welder');
  await owner.getByLabel('Name', { exact: true }).fill('Dry dock');
  await owner.getByLabel('Latitude').fill('52.37');
  await owner.getByLabel('Longitude').fill('4.89');
  await owner.getByRole('button', { name: 'Add the location' }).click();
  await expect(owner.getByTestId('location').getByRole('textbox', { name: 'Name' })).toHaveValue('Dry dock');

  // The project: a zone that does not exist is refused, then it is created.
  await owner.goto('/projects');
  await hydrated(owner);
  await owner.getByLabel('Name').fill('Dock repair');
  await owner.getByLabel('Time zone').fill('Europe/Atlantis');
  await owner.getByLabel('Starts on').fill(day(0));
  await owner.getByLabel('Ends on').fill(day(10));
  await owner.getByRole('button', { name: 'Create the project' }).click();
  await expect(owner.getByTestId('error-time_zone')).toContainText('Choose a time zone');
  await owner.getByLabel('Time zone').fill('Europe/Amsterdam');
  await owner.getByRole('button', { name: 'Create the project' }).click();
  await expect(owner).toHaveURL(/\/projects\/[0-9a-f-]+$/);
  await hydrated(owner);
  const projectUrl = owner.url();

  // The member joins the project as a welder.
  await owner.getByRole('link', { name: 'People' }).click();
  await expect(owner.getByTestId('people')).toBeVisible();
  await owner.getByLabel('Add').selectOption({ label: 'Mats Member' });
  await owner.getByRole('button', { name: 'Add to the project' }).click();
  const mats = owner.getByTestId('project-member').filter({ hasText: 'Mats Member' });
  await expect(mats).toBeVisible();
  await mats.getByLabel('Welder').check();
  await expect(owner.getByTestId('roster')).toContainText('Mats Member');

  // An activity: zero minutes is refused with its reason, an hour is fine.
  await owner.getByRole('link', { name: 'List' }).click();
  const newActivity = owner.locator('form.new-activity');
  await newActivity.getByLabel('Name', { exact: true }).fill('Replace hull plates');
  await newActivity.getByLabel('Location').selectOption({ label: 'Dry dock' });
  await newActivity.getByLabel(/^Starts/).fill(`${day(1)}T08:30`);
  await newActivity.getByLabel('Duration (minutes)').fill('0');
  await owner.getByRole('button', { name: 'Add the activity' }).click();
  await expect(owner.getByTestId('error-duration_minutes')).toContainText('at least one minute');
  await newActivity.getByLabel('Duration (minutes)').fill('90');
  await owner.getByRole('button', { name: 'Add the activity' }).click();
  await expect(owner.getByTestId('activity')).toContainText('Replace hull plates');
  await expect(owner.getByTestId('activity')).toContainText('08:30–10:00');

  // Both on the plan: each sees the other is there.
  await member.goto(projectUrl);
  await hydrated(member);
  await expect(member.getByTestId('activity')).toContainText('Replace hull plates');
  await expect(member.getByTestId('presence')).toContainText('Petra Planner');
  await expect(owner.getByTestId('presence')).toContainText('Mats Member');
  // A member sees the plan but has no way to change it.
  await expect(member.getByRole('button', { name: 'Add the activity' })).toHaveCount(0);

  // The organiser renames the activity; the member's page shows it within a second.
  await owner.getByRole('link', { name: 'Replace hull plates' }).click();
  await expect(owner.getByTestId('activity-page')).toBeVisible();
  await hydrated(owner);
  await owner.locator('form.activity-details').getByLabel('Name', { exact: true }).fill('Replace the hull plates');
  await expect(member.getByTestId('presence')).toContainText('editing Replace hull plates');
  const saved = owner.waitForResponse((r) => r.url().endsWith('/api/update_activity'));
  await owner.getByRole('button', { name: 'Save', exact: true }).click();
  expect((await saved).status()).toBe(200);
  await expect(member.getByTestId('activity')).toContainText('Replace the hull plates', { timeout: 1_000 });
});

test('a new location is placed by clicking the map', async ({ browser }) => {
  const { page: owner } = await confirmedBuilder(browser, 'Mira Mapper');
  // One location already: the map opens on it, close in.
  await call(owner, 'create_location', { name: 'Central station', address: '', latitude: '52.3791', longitude: '4.9003' });
  await owner.goto('/roles-and-locations');
  await hydrated(owner);
  const map = owner.getByTestId('location-map');
  await expect(map.locator('.leaflet-marker-icon')).toBeVisible();
  const box = (await map.boundingBox())!;
  // A little north-east of the station.
  await owner.mouse.click(box.x + box.width / 2 + 40, box.y + box.height / 2 - 40);
  const form = owner.locator('form.location-form');
  const latitude = Number(await form.getByLabel('Latitude').inputValue());
  const longitude = Number(await form.getByLabel('Longitude').inputValue());
  expect(latitude).toBeGreaterThan(52.3791);
  expect(latitude).toBeLessThan(52.3891);
  expect(longitude).toBeGreaterThan(4.9003);
  expect(longitude).toBeLessThan(4.9103);
  await form.getByLabel('Name', { exact: true }).fill('Bike park');
  await form.getByRole('button', { name: 'Add the location' }).click();
  const row = owner.getByTestId('location').filter({ has: owner.locator('input[value="Bike park"]') });
  await expect(row.getByRole('textbox', { name: 'Latitude' })).toHaveValue(String(latitude));
  await expect(row.getByRole('textbox', { name: 'Longitude' })).toHaveValue(String(longitude));
});

test('a long plan is listed 200 activities at a time', async ({ browser }) => {
  test.setTimeout(150_000);
  const { page: owner } = await confirmedBuilder(browser, 'Lena Lister');
  const project: string = await call(owner, 'create_project', {
    name: 'Long plan', goal: '', time_zone: 'Europe/Amsterdam', starts_on: day(1), ends_on: day(30),
  });
  for (let n = 0; n < 201; n++) {
    const hour = String(6 + (n % 12)).padStart(2, '0');
    await call(owner, 'create_activity', {
      project_id: project,
      activity: { name: `Task ${n}`, location_id: null, starts_local: `${day(1 + Math.floor(n / 12))}T${hour}:00`, duration_minutes: 30 },
    }, true);
  }
  await owner.goto(`/projects/${project}`);
  await hydrated(owner);
  await expect(owner.getByTestId('activity')).toHaveCount(200);
  await owner.getByRole('button', { name: 'Show 1 more (1 not shown)' }).click();
  await expect(owner.getByTestId('activity')).toHaveCount(201);
  await expect(owner.getByRole('button', { name: /Show .* more/ })).toHaveCount(0);
});

test('dragging an activity on the timeline, by mouse, finger or keyboard, moves its call-in', async ({ browser }) => {
  test.setTimeout(150_000);
  const { page: owner } = await confirmedBuilder(browser, 'Tim Timeline');
  const member = await invitedPerson(browser, owner, 'Dora Diver', 'member');
  const { project, activity, memberId } = await plannedProject(owner, member, 60);
  await call(owner, 'call_person', { project_id: project, need_id: await needId(owner, project, activity), user_id: memberId });

  const callInTime = async () => {
    await owner.goto(`/projects/${project}/activities/${activity}`);
    await hydrated(owner);
    return (await owner.getByTestId('need').textContent()) ?? '';
  };
  expect(await callInTime()).toContain('08:00)');

  await owner.goto(`/projects/${project}?view=timeline`);
  await hydrated(owner);
  const bar = owner.locator(`[data-testid="timeline-bar"][data-activity="${activity}"]`);
  await bar.scrollIntoViewIfNeeded();
  await expect(bar).toHaveAttribute('aria-label', /09:00 – 11:00/);
  // Day zoom: 3 minutes a pixel, 15-minute steps. 40 px to the right is two hours.
  const box = (await bar.boundingBox())!;
  await owner.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await owner.mouse.down();
  await owner.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 5 });
  const moved = owner.waitForResponse((r) => r.url().endsWith('/api/reschedule_activity'));
  await owner.mouse.up();
  expect((await moved).status()).toBe(200);
  await expect(bar).toHaveAttribute('aria-label', /11:00 – 13:00/);

  // Its right end, dragged 20 px left: an hour shorter.
  const end = bar.getByTestId('bar-end');
  const endBox = (await end.boundingBox())!;
  await owner.mouse.move(endBox.x + endBox.width / 2, endBox.y + endBox.height / 2);
  await owner.mouse.down();
  await owner.mouse.move(endBox.x + endBox.width / 2 - 20, endBox.y + endBox.height / 2, { steps: 4 });
  const resized = owner.waitForResponse((r) => r.url().endsWith('/api/reschedule_activity'));
  await owner.mouse.up();
  expect((await resized).status()).toBe(200);
  await expect(bar).toHaveAttribute('aria-label', /11:00 – 12:00/);

  // The keyboard: a step later.
  await bar.focus();
  const nudged = owner.waitForResponse((r) => r.url().endsWith('/api/reschedule_activity'));
  await owner.keyboard.press('ArrowRight');
  expect((await nudged).status()).toBe(200);
  await expect(bar).toHaveAttribute('aria-label', /11:15 – 12:15/);

  // Keys pressed in a row: each move waits for the one before, none is refused as a
  // conflict with the person's own previous move.
  const startsAt = () => call(owner, 'load_plan', { project_id: project })
    .then((plan) => plan.activities.find((a: { id: string }) => a.id === activity).starts_at);
  const before = await startsAt();
  const statuses: number[] = [];
  owner.on('response', (r) => { if (r.url().endsWith('/api/reschedule_activity')) statuses.push(r.status()); });
  await owner.keyboard.press('ArrowRight');
  await owner.keyboard.press('ArrowRight');
  await owner.keyboard.press('ArrowRight');
  await expect(bar).toHaveAttribute('aria-label', /12:00 – 13:00/);
  await expect.poll(() => statuses.length).toBeGreaterThanOrEqual(2);
  await owner.keyboard.press('ArrowLeft');
  await owner.keyboard.press('ArrowLeft');
  await owner.keyboard.press('ArrowLeft');
  await expect(bar).toHaveAttribute('aria-label', /11:15 – 12:15/);
  await expect.poll(async () => statuses.length >= 4 && await startsAt()).toBe(before);
  expect(statuses.every((status) => status === 200), `answers: ${statuses}`).toBe(true);
  await expect(owner.getByTestId('timeline-trouble')).toHaveCount(0);

  // A finger: touch events become pointer events; 20 px back is an hour earlier.
  const touchBox = (await bar.boundingBox())!;
  const cdp = await owner.context().newCDPSession(owner);
  const start = { x: touchBox.x + touchBox.width / 2, y: touchBox.y + touchBox.height / 2 };
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [start] });
  for (let i = 1; i <= 5; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: start.x - (20 * i) / 5, y: start.y }] });
  }
  const touched = owner.waitForResponse((r) => r.url().endsWith('/api/reschedule_activity'));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  expect((await touched).status()).toBe(200);
  await expect(bar).toHaveAttribute('aria-label', /10:15 – 11:15/);

  // The call-in moved with it: an hour before 10:15.
  expect(await callInTime()).toContain('09:15)');
});

test('a save over someone else\'s shows both versions and keeps what the person chooses', async ({ browser }) => {
  test.setTimeout(150_000);
  const { page: owner } = await confirmedBuilder(browser, 'Olga Owner');
  const colleague = await invitedPerson(browser, owner, 'Carl Colleague', 'admin');
  const { project, activity } = await plannedProject(owner, colleague);
  const url = `/projects/${project}/activities/${activity}`;
  await owner.goto(url);
  await colleague.goto(url);
  await hydrated(owner);
  await hydrated(colleague);

  // Carl starts changing the duration; meanwhile Olga renames it and saves.
  await colleague.getByLabel('Duration (minutes)').fill('180');
  await owner.locator('form.activity-details').getByLabel('Name', { exact: true }).fill('Quay inspection, north');
  await owner.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(owner.getByRole('heading', { level: 1 })).toHaveText('Quay inspection, north');
  // Carl's page shows her change at once, and keeps what he typed.
  await expect(colleague.getByRole('heading', { level: 1 })).toHaveText('Quay inspection, north');
  await expect(colleague.getByLabel('Duration (minutes)')).toHaveValue('180');
  await colleague.getByRole('button', { name: 'Save', exact: true }).click();
  const conflict = colleague.getByTestId('conflict');
  await expect(conflict).toContainText('Olga Owner saved this activity while you were editing it');
  await expect(conflict.getByTestId('conflict-name').locator('.theirs')).toHaveText('Quay inspection, north');
  await expect(conflict.getByTestId('conflict-duration').locator('.mine')).toHaveText('180');
  // Theirs for the name, his for the duration.
  await conflict.getByTestId('conflict-name').getByRole('button', { name: 'Keep theirs' }).click();
  await conflict.getByRole('button', { name: 'Save what is in the form over theirs' }).click();
  await colleague.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(colleague.getByTestId('conflict')).toHaveCount(0);
  await expect(colleague.getByTestId('activity-when')).toContainText('3 h');
  await expect(colleague.getByRole('heading', { level: 1 })).toHaveText('Quay inspection, north');
});

test('a called member accepts from their call-ins and the organiser sees it live', async ({ browser }) => {
  test.setTimeout(150_000);
  const { page: owner } = await confirmedBuilder(browser, 'Ida Organiser');
  const member = await invitedPerson(browser, owner, 'Finn Field', 'member');
  // Called in two days ahead of tomorrow: the call-in goes out at once.
  const { project, activity, memberId } = await plannedProject(owner, member, 2880);
  await owner.goto(`/projects/${project}/activities/${activity}`);
  await hydrated(owner);
  await owner.getByLabel('Call', { exact: true }).selectOption(memberId);
  await owner.getByRole('button', { name: 'Call in' }).click();
  await expect(owner.getByTestId('call-in')).toContainText('Finn Field');

  await member.goto('/call-ins');
  await hydrated(member);
  const card = member.getByTestId('call-in-card').filter({ hasText: 'Quay inspection' });
  await expect(async () => {
    await member.reload();
    await expect(card).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(member);
  await expect(card).toContainText('as Diver');
  await card.getByRole('button', { name: 'Accept' }).click();
  await expect(card).toHaveAttribute('data-state', 'accepted');
  await expect(owner.getByTestId('call-in')).toHaveAttribute('data-state', 'accepted', { timeout: 5_000 });
});

/** `date` as `<input type="datetime-local">` writes it, in Amsterdam. */
function amsterdam(date: Date): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(date);
  return text.replace(' ', 'T');
}

test('a field worker fills in the app due at their activity and it shows at the activity', async ({ browser }) => {
  test.setTimeout(150_000);
  const { page: owner } = await confirmedBuilder(browser, 'Anna Apps');
  const member = await invitedPerson(browser, owner, 'Walt Worker', 'member');
  const app: string = await call(owner, 'create_app', { name: 'Quay check' });
  const form = { fields: [{ id: 'cracks', label: { text: 'Cracks seen' }, type: 'short_text', required: true }] };
  await call(owner, 'save_draft', { app_id: app, form, base_revision: 1 }, true);
  await call(owner, 'publish_app', { app_id: app });
  const { project, activity, memberId } = await plannedProject(owner, member, 60);
  // The inspection starts in half an hour: it is due now, and its call-in is already out.
  const version = (await call(owner, 'load_plan', { project_id: project })).activities[0].version;
  await call(owner, 'update_activity', {
    project_id: project, activity_id: activity, base_version: version,
    activity: { name: 'Quay inspection', starts_local: amsterdam(new Date(Date.now() + 30 * 60_000)), duration_minutes: 120 },
  }, true);
  await owner.goto(`/projects/${project}/activities/${activity}`);
  await hydrated(owner);
  await owner.getByLabel('Ask for').selectOption({ label: 'Quay check' });
  await owner.getByRole('button', { name: 'Add the app' }).click();
  await expect(owner.getByTestId('linked-app')).toContainText('Quay check');
  await call(owner, 'call_person', { project_id: project, need_id: await needId(owner, project, activity), user_id: memberId });

  // Walt accepts, and his launcher offers the app for the inspection.
  await member.goto('/call-ins');
  await hydrated(member);
  const card = member.getByTestId('call-in-card').filter({ hasText: 'Quay inspection' });
  await expect(async () => {
    await member.reload();
    await expect(card).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(member);
  await card.getByRole('button', { name: 'Accept' }).click();
  await expect(card).toHaveAttribute('data-state', 'accepted');
  await member.setViewportSize({ width: 360, height: 740 });
  await member.goto('/run');
  await hydrated(member);
  const due = member.getByTestId('due-now');
  await expect(due).toContainText('Quay inspection');
  await due.getByRole('link', { name: 'Quay check' }).click();
  await expect(member).toHaveURL(new RegExp(`/run/${app}\\?activity=${activity}$`));
  await hydrated(member);
  await member.getByRole('textbox', { name: 'Cracks seen', exact: true }).fill('None on the north side');
  await member.getByRole('button', { name: 'Review' }).click();
  await member.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(member.getByTestId('outbox-count')).toHaveAttribute('data-waiting', '0', { timeout: 20_000 });

  // The organiser finds it at the activity.
  await expect(async () => {
    await owner.reload();
    await expect(owner.getByTestId('activity-submissions')).toContainText('Quay check', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(owner.getByTestId('activity-submissions')).toContainText('Walt Worker');
});

test('a member reads their plan and call-ins without a network and answers later', async ({ browser }) => {
  test.setTimeout(150_000);
  const { page: owner } = await confirmedBuilder(browser, 'Nora Network');
  const member = await invitedPerson(browser, owner, 'Olaf Offline', 'member');
  // Called two days ahead: the call-in is out at once.
  const { project, activity, memberId } = await plannedProject(owner, member, 2880);
  await call(owner, 'call_person', { project_id: project, need_id: await needId(owner, project, activity), user_id: memberId });

  // Used once online: the plan and the call-ins (the service worker keeps them).
  await member.goto(`/projects/${project}`);
  await hydrated(member);
  await serviceWorkerInCharge(member);
  await member.reload();
  await hydrated(member);
  await expect(member.getByTestId('activity')).toContainText('Quay inspection');
  const card = member.getByTestId('call-in-card').filter({ hasText: 'Quay inspection' });
  await expect(async () => {
    await member.goto('/call-ins');
    await expect(card).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(member);

  await goOffline(member.context());
  await member.goto(`/projects/${project}`);
  await hydrated(member);
  await expect(member.getByTestId('activity')).toContainText('Quay inspection');
  await expect(member.getByTestId('offline-note')).toContainText('No connection: the plan as of');
  await member.goto('/call-ins');
  await hydrated(member);
  await expect(member.getByTestId('offline-note')).toBeVisible();
  await card.getByRole('button', { name: 'Accept' }).click();
  await expect(card).toHaveAttribute('data-state', 'accepted');
  await expect(card.getByTestId('answer-waiting')).toBeVisible();
  // Still there after closing and opening the page.
  await member.reload();
  await hydrated(member);
  await expect(card.getByTestId('answer-waiting')).toBeVisible();

  await goOnline(member.context());
  await expect(card.getByTestId('answer-waiting')).toHaveCount(0, { timeout: 20_000 });
  await expect(card).toHaveAttribute('data-state', 'accepted');
  const accepted = (plan: { activities: { needs: { slots: { accepted: number } }[] }[] }) => plan.activities[0].needs[0].slots.accepted;
  await expect.poll(async () => accepted(await call(owner, 'load_plan', { project_id: project })), { timeout: 10_000 }).toBe(1);
});
