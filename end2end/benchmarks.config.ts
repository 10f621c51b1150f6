import base from './playwright.config';
import { defineConfig } from '@playwright/test';

// The builder benchmark (benchmarks/*.bench.ts): same server and browser set-up as the
// tests, one worker so the measurements do not compete for the two cores.
export default defineConfig({
  ...base,
  testDir: './benchmarks',
  testMatch: /.*\.bench\.ts/,
  workers: 1,
  reporter: [['list']],
});
