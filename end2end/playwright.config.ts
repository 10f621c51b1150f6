import { defineConfig, devices } from '@playwright/test';
import { binary, serverEnvironment, suiteOrigin, suitePort } from './tests/server';

// The runner's offline test cuts the service worker's own requests, which Playwright
// only sees with service-worker network events on (set before browsers start).
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';

// Muster is started by Playwright as tests/server.ts says, on its own port; Playwright
// waits for /readyz before any test runs.
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
    baseURL: suiteOrigin,
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
    command: binary,
    cwd: '..',
    url: `${suiteOrigin}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: serverEnvironment(suitePort),
  },
});
