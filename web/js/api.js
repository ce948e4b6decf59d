// The REST API, and the signed-in session.
//
// The token is kept in localStorage so that people stay signed in across
// reloads and browser restarts (see docs/web.md for why, and what protects
// it). It is sent as a Bearer header to /api and in the Socket.IO handshake.

const SESSION_KEY = "helpline:session";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The stored session, or null when absent or expired. */
export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY));
    if (!session?.token || !session.user) return null;
    return tokenExpired(session.token) ? null : session;
  } catch {
    return null;
  }
}

/** Whether a token's `exp` has passed (by this device's clock). */
export function tokenExpired(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" && payload.exp * 1000 <= Date.now();
  } catch {
    return false;
  }
}

export function saveSession(session) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

/** Calls the API; resolves with the JSON body or throws an ApiError. */
export async function api(method, path, body, token = loadSession()?.token) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "offline", "We could not reach Helpline. Please check your connection.");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? "internal", error.message ?? "Something went wrong.");
  }
  return data;
}
