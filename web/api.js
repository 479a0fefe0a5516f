// The API client: JSON in and out, errors as ApiError with the API's code.
export class ApiError extends Error {
  constructor(status, code, message, parameter) { super(message); this.status = status; this.code = code; this.parameter = parameter; }
}

export async function api(path, options = {}) {
  let resp;
  try {
    resp = await fetch(path, { credentials: 'same-origin', ...options,
      headers: { 'Accept': 'application/json', ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...(options.headers || {}) } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'the server could not be reached');
  }
  if (resp.status === 204) return null;
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON */ }
  if (!resp.ok) {
    const err = body && body.error;
    throw new ApiError(resp.status, err ? err.code : 'http', err ? err.message : `HTTP ${resp.status}`, err && err.parameter);
  }
  return body;
}
