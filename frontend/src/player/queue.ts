// Answers not yet acknowledged by the server wait here (IndexedDB), so a reload, a dropped
// connection or a server restart loses nothing; they are resent with their sequence numbers,
// which makes resending harmless.

export interface PendingAnswer {
  attempt: number;
  position: number;
  response: unknown;
  seq: number;
}

const DB_NAME = "hoclieu-player";
const STORE = "pending";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: ["attempt", "position"] });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function run<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = body(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        tx.onerror = () => {
          db.close();
          reject(tx.error);
        };
      }),
  );
}

export function putPending(entry: PendingAnswer): Promise<IDBValidKey> {
  return run("readwrite", (store) => store.put(entry));
}

export async function pendingFor(attempt: number): Promise<PendingAnswer[]> {
  const all = await run<PendingAnswer[]>("readonly", (store) => store.getAll());
  return all.filter((entry) => entry.attempt === attempt);
}

// Removes the entry only if the acknowledged sequence covers it: a newer local change made
// while the request was in flight stays queued.
export async function acknowledge(attempt: number, position: number, seq: number): Promise<void> {
  const db = await open();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(STORE, "readwrite");
    const store = tx.objectStore(STORE);
    const get = store.get([attempt, position]);
    get.onsuccess = () => {
      const entry = get.result as PendingAnswer | undefined;
      if (entry && entry.seq <= seq) store.delete([attempt, position]);
    };
    tx.oncomplete = () => {
      db.close();
      resolve();
    };
    tx.onerror = () => {
      db.close();
      reject(tx.error);
    };
  });
}
