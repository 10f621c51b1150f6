import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

// How the browser tests run Muster: the binary `cargo leptos build` produced, against the
// services and database scripts/test prepared (passed in through the environment).
// Playwright starts the suite's shared server with this (playwright.config.ts); a test
// that must stop and restart a server starts one of its own (`MusterServer`), so the
// tests running beside it keep theirs.

// The benchmarks serve the release site instead (scripts/bench sets it).
export const binary = process.env.MUSTER_E2E_BINARY ?? './target/debug/muster';
export const workTree = path.resolve(__dirname, '../..');

/** Where the suite's shared server listens: the address every instance's mail links point at. */
export const suitePort = Number(process.env.MUSTER_E2E_PORT ?? 3100);
export const suiteOrigin = `http://127.0.0.1:${suitePort}`;

/**
 * The environment of a Muster serving on 127.0.0.1:`port`. Every instance names the suite's
 * shared server as its public address, as instances behind one load balancer do: any of them
 * may run the job that mails a link, and the link must outlive an instance a test kills.
 */
export function serverEnvironment(port: number): Record<string, string> {
  return {
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: 'target/site',
    LEPTOS_SITE_PKG_DIR: 'pkg',
    LEPTOS_OUTPUT_NAME: 'muster',
    LEPTOS_ENV: 'PROD',
    // Mail goes to /dev/mail, where the tests read sign-up and invitation links.
    MUSTER_DEV_OUTBOX: '1',
    MUSTER_PUBLIC_URL: suiteOrigin,
    // Every browser test signs in from 127.0.0.1: per-IP limits sized for the suite.
    MUSTER_RATE_SIGN_IN_PER_IP: '500/60',
    MUSTER_RATE_SIGN_UP_PER_IP: '500/60',
    // Photos and signatures the tests send (under target/, never in the work tree).
    MUSTER_MEDIA_STORE: 'target/e2e-media',
    // Maps: tiles from a server the tests stand in for (runner.spec.ts routes it).
    // Exports of more than two submissions are prepared by a job (the progress bar test).
    MUSTER_EXPORT_DIRECT_ROWS: '2',
    // The webhook test's receiver runs on loopback.
    MUSTER_WEBHOOK_ALLOW_PRIVATE: 'true',
    MUSTER_MAP_TILES_URL: 'http://tiles.muster.test/{z}/{x}/{y}.png',
    MUSTER_MAP_ATTRIBUTION: 'Test tiles',
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
  };
}

/** A TCP port nobody listens on, from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A Muster process of one test's own, on its own port, that the test may kill and start again.
 * It runs no background jobs: a job of another test's (a mail, say) caught in the kill would
 * wait for the dead-worker sweep, a minute, and that test would time out for nothing it did.
 */
export class MusterServer {
  private process: ChildProcess | null = null;
  private log = '';

  constructor(readonly port: number) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the server and resolves once it answers /readyz (up to two minutes). */
  async start(): Promise<void> {
    const child = spawn(binary, [], {
      cwd: workTree,
      env: { ...process.env, ...serverEnvironment(this.port), MUSTER_IN_PROCESS_WORKER: 'false' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => { this.log = (this.log + chunk.toString()).slice(-4000); });
    this.process = child;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`Muster on port ${this.port} exited (${child.exitCode}): ${this.log}`);
      try {
        if ((await fetch(`${this.origin}/readyz`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Muster on port ${this.port} was not ready within two minutes: ${this.log}`);
  }

  /** Kills the server as a crash or a power cut would (no graceful shutdown) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
