// Sign-up, log-in and the stored session.
//
// The session (user id, e-mail, token) is kept in localStorage: an offline-first app must
// open its local database and show the user's orders after a reload without the network.
// The token is only ever sent in the Authorization header, never in a URL.

/** Where the rxsync server is: the page's own origin unless the build names another one
 * (VITE_RXSYNC_URL, for a front end hosted elsewhere; the server's RXSYNC_CORS_ORIGINS must
 * then list this app's origin). */
export const API_BASE: string = (import.meta.env.VITE_RXSYNC_URL ?? '').replace(/\/$/, '');

export interface Session {
  userId: string;
  email: string;
  token: string;
  /** signed in at the external identity provider (oidc.ts), not with a built-in account */
  external?: boolean;
}

const STORAGE_KEY = 'rxsync.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/** POST /api/v1/auth/register; the server answers 201 {userId, token}. */
export function register(email: string, password: string, displayName: string): Promise<Session> {
  return authenticate('register', { email, password, displayName }, email);
}

/** POST /api/v1/auth/login; the server answers 200 {userId, token}. */
export function login(email: string, password: string): Promise<Session> {
  return authenticate('login', { email, password }, email);
}

async function authenticate(route: string, body: object, email: string): Promise<Session> {
  let res: Response;
  try {
    res = await fetch(`${API_BASE}/api/v1/auth/${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error('The server cannot be reached. Signing up and logging in need the network once.');
  }
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error(answer.message ?? `The server answered ${res.status}.`);
  }
  return { userId: answer.userId, token: answer.token, email: email.toLowerCase() };
}
