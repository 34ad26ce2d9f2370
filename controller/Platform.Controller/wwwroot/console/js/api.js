// The console's only way to the server: the public REST API, as any script would use it.
// Every answer becomes a value { ok, status, code, message, data, errors }: an expected failure
// (validation, conflict, an unreachable host) is shown to the user with the server's own text,
// never thrown.

let csrfToken = null;
let onSignedOut = () => {};

/** The session's CSRF token, answered by sign-in and by whoami; every change carries it. */
export function setCsrfToken(token) { csrfToken = token; }

/** Called when the server answers 401: the session ended (expired, signed out elsewhere). */
export function whenSignedOut(handler) { onSignedOut = handler; }

function urlOf(path, query) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  return url;
}

function headersFor(method, extra) {
  const headers = { Accept: 'application/json', ...extra };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return headers;
}

/** The envelope's payload: `data` on /api/v1, `data` or `result` on /thor as the seed has it. */
function payloadOf(body) {
  if (body === null || typeof body !== 'object') return body;
  if ('data' in body && body.data !== undefined) return body.data;
  if ('result' in body) return body.result;
  return body;
}

function answerOf(status, body, path) {
  if (body === undefined) {
    return { ok: false, status, code: -1, message: `HTTP ${status}: the server's answer was not JSON (${path})`, data: null, errors: [] };
  }
  const code = typeof body?.code === 'number' ? body.code : (status < 400 ? 0 : -1);
  const ok = status < 400 && code === 0;
  const errors = Array.isArray(body?.data?.errors) ? body.data.errors : [];
  if (status === 401 && !path.endsWith('/auth/login')) onSignedOut();
  return { ok, status, code, message: body?.message ?? `HTTP ${status}`, data: ok ? payloadOf(body) : null, body, errors };
}

async function parse(response) {
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return undefined; }
}

/**
 * One REST call. `body` is sent as JSON; `query` as the query string.
 * Network failures become an answer too (code -1) so that a page can show them.
 */
export async function call(method, path, { query, body } = {}) {
  const init = { method, headers: headersFor(method, body === undefined ? {} : { 'Content-Type': 'application/json' }), credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(urlOf(path, query), init);
  } catch (error) {
    return { ok: false, status: 0, code: -1, message: `the controller cannot be reached (${error.message})`, data: null, errors: [] };
  }
  return answerOf(response.status, await parse(response), path);
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body) => call('POST', path, { body: body ?? {} });
export const put = (path, body) => call('PUT', path, { body: body ?? {} });

/**
 * A file upload as multipart form data, with progress (fetch cannot report upload progress,
 * XMLHttpRequest can). `onProgress(sentBytes, totalBytes)`.
 */
export function upload(path, file, fields, onProgress) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value !== undefined && value !== null && value !== '') form.append(key, String(value));
  }
  form.append('file', file, file.name);
  return new Promise(resolve => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    for (const [key, value] of Object.entries(headersFor('POST', {}))) request.setRequestHeader(key, value);
    request.upload.onprogress = event => { if (event.lengthComputable) onProgress?.(event.loaded, event.total); };
    request.onload = () => {
      let body;
      try { body = request.responseText ? JSON.parse(request.responseText) : null; } catch { body = undefined; }
      resolve(answerOf(request.status, body, path));
    };
    request.onerror = () => resolve({ ok: false, status: 0, code: -1, message: 'the upload was interrupted: the controller cannot be reached', data: null, errors: [] });
    request.send(form);
  });
}

/** Every page of a paged list, for small lists that a form offers as choices. */
export async function all(path, query = {}) {
  const items = [];
  for (let page = 1; ; page++) {
    const answer = await get(path, { ...query, page_num: page, page_size: 100 });
    if (!answer.ok) return answer;
    items.push(...answer.data.items);
    if (items.length >= answer.data.total || answer.data.items.length === 0) return { ...answer, data: items };
  }
}
