// The one place the console talks to the API: same origin, the session cookie, problem+json.

/** An API refusal: its status, its stable `code`, and what it names (`field`, `right`, `gate`). */
export class Problem extends Error {
  constructor(status, body) {
    super((body && body.detail) || String(status));
    this.status = status;
    this.body = body || {};
    this.code = this.body.code || (status >= 500 ? "internal" : "unknown");
    this.field = this.body.field || null;
    this.reauthenticate = !!this.body.reauthenticate;
  }
}

/** What is on its way: abandoned together when the session ends (see `api.abandon`). */
const pending = new Set();

async function send(method, path, body, contentType) {
  const ctl = new AbortController();
  const opts = { method, headers: {}, credentials: "same-origin", signal: ctl.signal };
  // Every write says its type, even with no body: a type a cross-site form cannot send.
  if (method !== "GET") opts.headers["content-type"] = contentType || "application/json";
  if (body !== undefined) opts.body = contentType ? body : JSON.stringify(body);
  pending.add(ctl);
  let r, data;
  try {
    r = await fetch(path, opts);
    data = r.status === 204 ? null : await r.json().catch(() => null);
  } catch (_) {
    if (!ctl.signal.aborted) throw new Problem(0, { code: "unavailable" });
  } finally {
    pending.delete(ctl);
  }
  // Abandoned (see `abandon`): it never answers, so nothing waiting on it draws or says anything.
  if (ctl.signal.aborted) return new Promise(() => {});
  if (!r.ok) throw new Problem(r.status, data);
  return data;
}

export const api = {
  get: (path) => send("GET", path),
  post: (path, body = {}) => send("POST", path, body),
  put: (path, body = {}) => send("PUT", path, body),
  patch: (path, body = {}) => send("PATCH", path, body),
  del: (path, body) => send("DELETE", path, body),
  /** A photo: the file itself, with its own type (JPEG or PNG). */
  upload: (path, file) => send("POST", path, file, file.type || "application/octet-stream"),
  /**
   * Abandons every request still on its way (signing out): one that reached the API after the
   * session ended would be refused, and whatever it was for may no longer draw.
   */
  abandon: () => {
    for (const ctl of pending) ctl.abort();
    pending.clear();
  },
};

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}
