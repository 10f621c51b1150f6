import { defineConfig, devices } from '@playwright/test';

// The runner's offline test cuts the service worker's own requests, which Playwright
// only sees with service-worker network events on (set before browsers start).
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';

// Muster is started by Playwright from the binary `cargo leptos build` produced, on its
// own port, against the services and database that scripts/test prepared (passed in
// through the environment). Playwright waits for /readyz before any test runs.
const port = Number(process.env.MUSTER_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  use: {
    serviceWorkers: 'allow',
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // A generated camera picture, allowed without asking: the barcode scan test.
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: {
    command: './target/debug/muster',
    cwd: '..',
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'muster',
      LEPTOS_ENV: 'PROD',
      // Mail goes to /dev/mail, where the tests read sign-up and invitation links.
      MUSTER_DEV_OUTBOX: '1',
      MUSTER_PUBLIC_URL: baseURL,
      // Every browser test signs in from 127.0.0.1: per-IP limits sized for the suite.
      MUSTER_RATE_SIGN_IN_PER_IP: '500/60',
      MUSTER_RATE_SIGN_UP_PER_IP: '500/60',
      // Photos and signatures the tests send (under target/, never in the work tree).
      MUSTER_MEDIA_STORE: 'target/e2e-media',
      // Maps: tiles from a server the tests stand in for (runner.spec.ts routes it).
      MUSTER_MAP_TILE_URL: 'http://tiles.muster.test/{z}/{x}/{y}.png',
      MUSTER_MAP_ATTRIBUTION: 'Test tiles',
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
  },
});
