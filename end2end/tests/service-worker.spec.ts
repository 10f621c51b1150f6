import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

// public/sw.js on its own, in a stand-in worker scope: which requests it answers from
// the network, which from its cache, and when. (The browser tests exercise it in
// Chromium with unhashed debug names; content-hashed names exist only in release
// builds, so their rule is checked here.)

type Listener = (event: { request?: Request; respondWith?: (p: Promise<Response>) => void; waitUntil?: (p: Promise<unknown>) => void; data?: unknown }) => void;

function worker(network: (url: string) => Promise<Response>) {
  const listeners: Record<string, Listener> = {};
  const store = new Map<string, Response>();
  const fetched: string[] = [];
  const cache = {
    match: async (request: Request) => store.get(request.url)?.clone(),
    put: async (request: Request, response: Response) => { store.set(request.url, response); },
  };
  const scope = {
    self: {
      location: { origin: 'https://muster.test' },
      addEventListener: (type: string, listener: Listener) => { listeners[type] = listener; },
      skipWaiting: () => {},
      clients: { claim: async () => {} },
    },
    caches: { open: async () => cache, keys: async () => [], delete: async () => true },
    fetch: async (request: Request) => { fetched.push(new URL(request.url).pathname); return network(request.url); },
    URL,
  };
  vm.runInNewContext(readFileSync(path.resolve(__dirname, '../../public/sw.js'), 'utf8'), scope);

  /** What the worker answers for GET `pathname`, or null when it leaves it to the browser. */
  async function get(pathname: string): Promise<Response | null> {
    let answer: Promise<Response> | null = null;
    listeners.fetch({ request: new Request(`https://muster.test${pathname}`), respondWith: (p) => { answer = p; } });
    return answer;
  }
  return { get, fetched, store };
}

const ok = (body: string) => async () => new Response(body, { status: 200 });
const offline = async (): Promise<Response> => { throw new TypeError('Failed to fetch'); };

test('a content-hashed file is answered from the cache without asking the network', async () => {
  let body = 'first';
  const sw = worker(async () => new Response(body));
  const name = '/pkg/muster.Qb3xZ9-_aT4kLm0pWc7rYw.wasm';
  expect(await (await sw.get(name))!.text()).toBe('first');
  body = 'second';
  expect(await (await sw.get(name))!.text()).toBe('first');
  expect(sw.fetched).toEqual([name]);
});

test('pages and unhashed code come from the network first, and from the cache offline', async () => {
  let network = ok('v1');
  const sw = worker((url) => network(url));
  for (const name of ['/run/abc', '/pkg/muster.wasm', '/pkg/__wasm_split.______________________.js']) {
    expect(await (await sw.get(name))!.text()).toBe('v1');
    network = ok('v2');
    expect(await (await sw.get(name))!.text()).toBe('v2');
    network = offline;
    expect(await (await sw.get(name))!.text()).toBe('v2');
    network = ok('v1');
  }
});

test('pages the runner does not need are left to the browser, and nothing is kept of a failed answer', async () => {
  const sw = worker(async () => new Response('nope', { status: 500 }));
  expect(await sw.get('/apps')).toBeNull();
  expect(await sw.get('/api/submit')).toBeNull();
  expect((await (await sw.get('/run/abc'))!).status).toBe(500);
  expect(sw.store.size).toBe(0);
});
