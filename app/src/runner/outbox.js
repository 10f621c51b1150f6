// The runner's outbox: finished submissions wait here (IndexedDB) until the server has
// them, then leave. Sent oldest first; a network failure or a busy server stops the
// round and retries later with growing pauses, at once when the browser is back
// online. Nothing leaves without the server's answer: a refusal (409, invalid answers)
// moves the submission to `refused`, where the person sees why; it is never dropped.
//
// Each submission belongs to the user who made it and is sent only in their session:
// on a shared device nobody sends (or sees) another person's answers.
//
// Browsers may close an idle IndexedDB connection under memory pressure: every
// operation reopens it and tries once more.

const DB_NAME = 'muster-runner';
const DB_VERSION = 2;
// Files go up in pieces this size: a dropped connection costs at most one piece.
const CHUNK_BYTES = 256 * 1024;
const CHANGED = 'muster-outbox';
const MAX_PAUSE_MS = 5 * 60 * 1000;
// A request that gets no answer in this time counts as no network: a stalled connection
// must not hold the queue until the page is reloaded.
const SEND_TIMEOUT_MS = 30 * 1000;

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        if (event.oldVersion < 1) {
          const outbox = db.createObjectStore('outbox', { keyPath: 'client_id' });
          outbox.createIndex('queued_at', 'queued_at');
          db.createObjectStore('refused', { keyPath: 'client_id' });
          db.createObjectStore('meta');
        }
        if (event.oldVersion < 2) {
          // Photos and signatures, from the moment they are taken: a draft names them.
          db.createObjectStore('files', { keyPath: 'id' });
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onclose = () => { opening = null; };
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Runs `work` in one transaction; resolves with its result once the transaction is
// committed (so a write is on disk before anyone is told it is kept).
async function inTransaction(stores, mode, work) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const db = await open();
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(stores, mode);
        let result;
        Promise.resolve(work(tx)).then((value) => { result = value; }, reject);
        tx.oncomplete = () => resolve(result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error || new Error('the transaction was aborted'));
      });
    } catch (error) {
      const closed = error && (error.name === 'InvalidStateError' || error.name === 'UnknownError');
      if (attempt === 0 && closed) {
        opening = null;
        continue;
      }
      throw error;
    }
  }
}

function changed() {
  window.dispatchEvent(new CustomEvent(CHANGED));
}

/**
 * Keeps a photo or signature (a Blob) for `user`; resolves with the reference its answer
 * holds, `{ id, bytes, type }`.
 */
export async function keepFile(user, blob) {
  const file = { id: crypto.randomUUID(), user_id: user, type: blob.type, bytes: blob.size, blob, kept_at: Date.now() };
  await inTransaction(['files'], 'readwrite', (tx) => done(tx.objectStore('files').put(file)));
  return JSON.stringify({ id: file.id, bytes: file.bytes, type: file.type });
}

/** A URL showing kept file `id` to `user` ('' when there is none). */
export async function fileUrl(user, id) {
  const file = await inTransaction(['files'], 'readonly', (tx) => done(tx.objectStore('files').get(id)));
  return file && file.user_id === user ? URL.createObjectURL(file.blob) : '';
}

/**
 * Keeps a finished submission: `item` is `{ client_id, user_id, app_id, body, files }`,
 * `files` the ids of the photos and signatures it names (already kept).
 */
export async function enqueue(json) {
  const item = JSON.parse(json);
  item.queued_at = Date.now();
  await inTransaction(['outbox'], 'readwrite', (tx) => done(tx.objectStore('outbox').put(item)));
  // Ask once that the browser not evict what waits here when space runs low.
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(() => {});
  }
  changed();
}

/** What waits for `user`, what was refused, and when the last one reached the server. */
export async function status(user) {
  const [waiting, refused, lastSync] = await inTransaction(['outbox', 'refused', 'meta'], 'readonly', async (tx) => {
    const all = await done(tx.objectStore('outbox').getAll());
    const refusedAll = await done(tx.objectStore('refused').getAll());
    const last = await done(tx.objectStore('meta').get(`last_sync.${user}`));
    return [all.filter((i) => i.user_id === user), refusedAll.filter((i) => i.user_id === user), last];
  });
  return JSON.stringify({
    waiting: waiting.length,
    refused: refused.map((item) => ({ client_id: item.client_id, app_id: item.app_id, message: item.message })),
    last_sync: lastSync ?? null,
  });
}

function messageOf(status, text) {
  try {
    const error = JSON.parse(text);
    if (error.Invalid) {
      return `Some answers were refused: ${Object.entries(error.Invalid).map(([path, m]) => `${path}: ${m}`).join('; ')}`;
    }
    if (error.Conflict) return error.Conflict;
    if (error.Request) return error.Request;
    if (error.Unsupported) return error.Unsupported;
    if (error.TooLarge) return error.TooLarge;
    if (error.NotFound !== undefined || status === 404) return 'This app or version no longer exists for you.';
    if (error.Forbidden) return error.Forbidden;
  } catch (_) { /* not JSON */ }
  if (status === 413) {
    return 'This submission is larger than the server accepts. It is kept on this device; ask your administrator to raise the limit.';
  }
  return `The server refused it (HTTP ${status}).`;
}

let running = null;
let failures = 0;
let retry = null;

/** Sends `user`'s waiting submissions, oldest first. One round at a time. */
export function sync(user) {
  if (!running) {
    running = round(user).finally(() => { running = null; });
  }
  return running;
}

async function round(user) {
  clearTimeout(retry);
  for (;;) {
    const next = await inTransaction(['outbox'], 'readonly', async (tx) => {
      const all = await done(tx.objectStore('outbox').index('queued_at').getAll());
      return all.find((item) => item.user_id === user);
    });
    if (!next) {
      failures = 0;
      return;
    }
    let response;
    try {
      // Its files first: the server stores a submission only with all of them.
      response = await uploadFiles(next);
      if (!response) {
        response = await send('/api/submit', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(next.body),
        });
      }
    } catch (_) {
      return later(user); // no network, or no answer in time
    }
    if (response.ok) {
      await inTransaction(['outbox', 'meta', 'files'], 'readwrite', (tx) => {
        tx.objectStore('outbox').delete(next.client_id);
        tx.objectStore('meta').put(Date.now(), `last_sync.${user}`);
        for (const id of next.files || []) tx.objectStore('files').delete(id);
      });
      failures = 0;
      changed();
      continue;
    }
    const transient = response.status >= 500 || response.status === 429 || response.status === 408;
    // Signed out (or out of the account) meanwhile: keep it for when they are back.
    const notNow = response.status === 401 || response.status === 403;
    if (transient) return later(user);
    if (notNow) { changed(); return; }
    const message = messageOf(response.status, await response.text());
    await inTransaction(['outbox', 'refused'], 'readwrite', (tx) => {
      tx.objectStore('outbox').delete(next.client_id);
      tx.objectStore('refused').put({ ...next, message, refused_at: Date.now() });
    });
    changed();
  }
}

/** `fetch`, counting no answer within SEND_TIMEOUT_MS as no network. */
async function send(url, options) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
  try {
    return await fetch(url, { ...options, credentials: 'same-origin', signal: abort.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** A response that looks like the server's refusal, for a file lost on this device. */
function lostFile() {
  const message = 'A photo or signature of this submission is no longer on this device. Fill it in again.';
  return new Response(JSON.stringify({ Request: message }), { status: 400 });
}

/**
 * Uploads the files of `item` that the server does not have in full yet, continuing
 * each from where the server says it stands. Resolves with null when all are there,
 * or with the server's refusal; throws when the network fails.
 */
async function uploadFiles(item) {
  for (const id of item.files || []) {
    const file = await inTransaction(['files'], 'readonly', (tx) => done(tx.objectStore('files').get(id)));
    if (!file) return lostFile();
    let response = await send(`/api/media/${id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ submission: item.client_id, content_type: file.type, bytes: file.bytes }),
    });
    if (!response.ok) return response;
    let { received } = await response.json();
    while (received < file.bytes) {
      response = await send(`/api/media/${id}?offset=${received}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
        body: file.blob.slice(received, received + CHUNK_BYTES),
      });
      if (response.status === 409 && response.headers.get('upload-offset')) {
        received = Number(response.headers.get('upload-offset'));
        continue;
      }
      if (!response.ok) return response;
      ({ received } = await response.json());
    }
  }
  return null;
}

function later(user) {
  failures += 1;
  const pause = Math.min(MAX_PAUSE_MS, 1000 * 2 ** Math.min(failures, 10)) * (0.75 + Math.random() / 2);
  retry = setTimeout(() => sync(user), pause);
  changed();
}

let started = null;

/** Sends what waits now and whenever the browser is back online. */
export function start(user) {
  if (started !== user) {
    started = user;
    window.addEventListener('online', () => sync(user));
  }
  sync(user);
}

/** Makes the runner work offline (see /sw.js). */
export function registerServiceWorker() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}

/** Asks the service worker to empty its copy of the runner's pages (at sign-out). */
export function forgetOfflinePages() {
  if ('serviceWorker' in navigator && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage('clear');
  }
}
