// Calls to /admin/* and /auth/admin/* on this origin. The admin_token cookie travels by itself (HttpOnly);
// every write carries X-Requested-With, which the API requires of cookie-authenticated writes (CSRF).

export class ApiError extends Error {
  constructor(status, detail, code) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.code = code;
  }
}

function detailText(detail, status) {
  if (typeof detail === 'string' && detail) return detail;
  if (Array.isArray(detail) && detail.length) {
    return detail.map((d) => {
      const where = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body' && p !== 'query').join('.') : '';
      return where ? `${where}: ${d.msg}` : d.msg;
    }).join('; ');
  }
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status === 503) return 'The service is temporarily unavailable. Try again in a few seconds.';
  return `The request failed (HTTP ${status}).`;
}

/** Where the panel goes when the session is gone: the server-rendered sign-in page. */
export function toSignIn(error) {
  location.replace(error ? `/login?error=${encodeURIComponent(error)}` : '/login');
}

export async function api(method, path, { body, query, form, signal } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Requested-With'] = 'XMLHttpRequest';
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin', signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Sentinel could not be reached. Check your connection and try again.', 'network');
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') ?? '';
  const data = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const detail = detailText(data && typeof data === 'object' ? data.detail : null, response.status);
    const code = data && typeof data === 'object' ? data.code : undefined;
    if (response.status === 401) toSignIn('session_expired');
    else if (response.status === 403 && code === 'not_admin') toSignIn('not_admin');
    throw new ApiError(response.status, detail, code);
  }
  return data;
}

export const get = (path, query, signal) => api('GET', path, { query, signal });
export const post = (path, body) => api('POST', path, { body });
export const patch = (path, body) => api('PATCH', path, { body });
export const del = (path, query) => api('DELETE', path, { query });
