import { expect, test } from '@playwright/test';
import { followMailLink, hydrated, password } from './support';

// The whole accounts journey in Chromium, two people in two browser contexts:
// sign up (with the form's field errors first) → confirm the address with the link from
// the development outbox → sign out and in → invite a colleague → the colleague signs
// up from the invitation and joins → the owner changes their role → the colleague sees
// only what the new role allows.


test('sign up, confirm, sign in, invite, join, change role', async ({ browser }) => {
  test.setTimeout(120_000);
  const run = Date.now();
  const ownerEmail = `owner.${run}@example.org`;
  const colleagueEmail = `colleague.${run}@example.org`;
  const accountName = `Survey Team ${run}`;

  // --- The owner signs up; the form first explains every bad value. ---
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await owner.goto('/signup');
  await hydrated(owner);
  await owner.getByLabel('E-mail address').fill('not-an-address');
  await owner.getByLabel('Password').fill('password123');
  await owner.getByRole('button', { name: 'Sign up' }).click();
  await expect(owner.getByTestId('error-name')).toHaveText('Enter your name.');
  await expect(owner.getByTestId('error-email')).toContainText('such as name@example.org');
  await expect(owner.getByTestId('error-password')).toContainText('too common');
  await expect(owner.getByTestId('error-account_name')).toContainText('name for the organisation');
  await expect(owner.getByLabel('E-mail address')).toHaveAttribute('aria-invalid', 'true');

  await owner.getByLabel('Your name').fill('Olga Owner');
  await owner.getByLabel('E-mail address').fill(ownerEmail);
  await owner.getByLabel('Password').fill(password);
  await owner.getByLabel('Organisation name').fill(accountName);
  await owner.getByRole('button', { name: 'Sign up' }).click();
  await expect(owner).toHaveURL(/\/account$/);
  await expect(owner.getByTestId('account-name')).toHaveText(accountName);
  await expect(owner.getByTestId('verify-banner')).toContainText(ownerEmail);

  // --- Confirm the address with the mailed link. ---
  await followMailLink(owner, ownerEmail, 'Confirm');
  await expect(owner).toHaveURL(/\/verify-email\?token=/);
  await hydrated(owner);
  await owner.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(owner.getByTestId('email-confirmed')).toBeVisible();

  // --- Sign out, then sign in again. ---
  await owner.goto('/account');
  await hydrated(owner);
  await expect(owner.getByTestId('verify-banner')).toHaveCount(0);
  await owner.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(owner.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await owner.goto('/signin');
  await hydrated(owner);
  await owner.getByLabel('E-mail address').fill(ownerEmail);
  await owner.getByLabel('Password').fill('wrong password entirely');
  await owner.getByRole('button', { name: 'Sign in' }).click();
  await expect(owner.getByTestId('error-password')).toHaveText('The e-mail address or the password is not right.');
  await owner.getByLabel('Password').fill(password);
  await owner.getByRole('button', { name: 'Sign in' }).click();
  await expect(owner).toHaveURL(/\/account$/);
  await expect(owner.getByTestId('signed-in-as')).toHaveText('Olga Owner');

  // --- Invite a colleague as admin. ---
  await owner.goto('/account/members');
  await hydrated(owner);
  await owner.getByLabel('E-mail address').fill(colleagueEmail);
  await owner.getByLabel('Invite as').selectOption('admin');
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  await expect(owner.getByTestId('invitation-sent')).toBeVisible();
  await expect(owner.getByTestId('invitations')).toContainText(colleagueEmail);

  // --- The colleague, in a browser of their own, signs up from the invitation. ---
  const colleagueContext = await browser.newContext();
  const colleague = await colleagueContext.newPage();
  await followMailLink(colleague, colleagueEmail, 'invited you');
  await expect(colleague).toHaveURL(/\/invitations\/accept\?token=/);
  await expect(colleague.getByTestId('invitation-summary')).toContainText(accountName);
  await hydrated(colleague);
  await colleague.getByRole('link', { name: 'Sign up to accept' }).click();
  await expect(colleague).toHaveURL(/\/signup\?next=/);
  await hydrated(colleague);
  await colleague.getByLabel('Your name').fill('Carl Colleague');
  await colleague.getByLabel('E-mail address').fill(colleagueEmail);
  await colleague.getByLabel('Password').fill('violet harbour engine pebble');
  await colleague.getByLabel('Organisation name').fill(`Carl's own ${run}`);
  await colleague.getByRole('button', { name: 'Sign up' }).click();
  await expect(colleague).toHaveURL(/\/invitations\/accept\?token=/);
  await hydrated(colleague);
  await colleague.getByRole('button', { name: 'Join' }).click();
  await expect(colleague).toHaveURL(/\/account$/);
  await expect(colleague.getByTestId('account-name')).toHaveText(accountName);
  await expect(colleague.getByTestId('account-role')).toHaveText('Admin');
  await expect(colleague.getByRole('link', { name: 'Audit log', exact: true })).toBeVisible();

  // --- The owner makes the colleague a plain member. ---
  await owner.goto('/account/members');
  await hydrated(owner);
  const row = owner.locator(`[data-testid="member-row"][data-email="${colleagueEmail}"]`);
  await expect(row.getByTestId('role-select')).toHaveValue('admin');
  await row.getByTestId('role-select').selectOption('member');
  await row.getByRole('button', { name: 'Change role' }).click();
  // Confirmed by the server (the select alone shows only what was picked).
  await expect(owner.getByTestId('role-saved')).toBeVisible();
  await owner.reload();
  await expect(owner.locator(`[data-testid="member-row"][data-email="${colleagueEmail}"]`).getByTestId('role-select')).toHaveValue('member');
  await owner.goto('/account/audit');
  await expect(owner.locator('[data-testid="audit-event"][data-action="member.role_changed"]')).toContainText('admin → member');

  // --- The colleague now sees only what a member may. ---
  await colleague.goto('/account');
  await hydrated(colleague);
  await expect(colleague.getByTestId('account-role')).toHaveText('Member');
  await expect(colleague.getByRole('link', { name: 'Audit log', exact: true })).toHaveCount(0);
  const audit = await colleague.goto('/account/audit');
  expect(audit?.status()).toBe(403);
  await expect(colleague.getByTestId('forbidden')).toContainText('Only owners and admins');
  await colleague.goto('/account/members');
  await hydrated(colleague);
  await expect(colleague.getByTestId('members')).toContainText(ownerEmail);
  await expect(colleague.getByRole('button', { name: 'Send invitation' })).toHaveCount(0);
  await expect(colleague.getByTestId('role-select')).toHaveCount(0);

  await ownerContext.close();
  await colleagueContext.close();
});

test('switching accounts changes what the pages show', async ({ page }) => {
  const run = Date.now();
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Your name').fill('Sam Switcher');
  await page.getByLabel('E-mail address').fill(`sam.${run}@example.org`);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Organisation name').fill(`First ${run}`);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('account-name')).toHaveText(`First ${run}`);
  await hydrated(page);
  await page.getByLabel('Organisation name').fill(`Second ${run}`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('account-name')).toHaveText(`Second ${run}`);
  await hydrated(page);
  await page.getByTestId('account-switcher').selectOption({ label: `First ${run}` });
  await expect(page.getByTestId('account-name')).toHaveText(`First ${run}`);
});

test('signed-out visitors are asked to sign in and come back afterwards', async ({ page }) => {
  const response = await page.goto('/account/members');
  expect(response?.status()).toBe(401);
  await hydrated(page);
  await page.getByTestId('sign-in-required').getByRole('link', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/signin\?next=%2Faccount%2Fmembers/);
});
