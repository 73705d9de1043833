// Log-in at an external OpenID Connect provider (Keycloak, Auth0, …) when the server names
// one for the web app (GET /api/v1/auth/provider, RXSYNC_OIDC_WEB_CLIENT_ID): the user signs
// in on the provider's own page (authorization code with PKCE), and the access token is
// renewed silently before it expires. oidc-client-ts does all of the OAuth; this file only
// wires it to the app's session.
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { API_BASE, type Session } from './session';

let manager: Promise<UserManager | null> | null = null;

/** The provider's client, or null when the server names none (or cannot be reached). */
export function externalProvider(): Promise<UserManager | null> {
  manager ??= fetch(`${API_BASE}/api/v1/auth/provider`, { headers: { Accept: 'application/json' } })
    .then(async (res) => {
      if (!res.ok || res.status === 204) return null; // 204: built-in accounts only
      const { issuer, clientId } = (await res.json()) as { issuer: string; clientId: string };
      return new UserManager({
        authority: issuer,
        client_id: clientId,
        redirect_uri: `${location.origin}/`,
        post_logout_redirect_uri: `${location.origin}/`,
        scope: 'openid profile email',
        // renew with the refresh token shortly before the access token expires
        automaticSilentRenew: true,
        accessTokenExpiringNotificationTimeInSeconds: 10,
        // beside the app's session, so that a reload keeps the refresh token
        userStore: new WebStorageStateStore({ store: localStorage }),
      });
    })
    .catch(() => {
      manager = null; // offline: ask again next time
      return null;
    });
  return manager;
}

/** Back from the provider's page (?code=…&state=…): the session of the user who signed in, else null. */
export async function completeSignIn(): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') || !params.has('state')) return null;
  const oidc = await externalProvider();
  if (!oidc) return null;
  const user = await oidc.signinRedirectCallback();
  history.replaceState(null, '', location.pathname);
  return sessionOf(user);
}

/** The app's session for a provider's user: the account id the server gave them (their orders' owner). */
export async function sessionOf(user: User): Promise<Session> {
  const res = await fetch(`${API_BASE}/api/v1/auth/me`, {
    headers: { Authorization: `Bearer ${user.access_token}`, Accept: 'application/json' },
  });
  const me = await res.json();
  if (!res.ok) throw new Error(me.message ?? `The server answered ${res.status}.`);
  return { userId: me.userId, email: user.profile.email ?? me.subject, token: user.access_token, external: true };
}
