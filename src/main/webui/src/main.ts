// The orders app: sign up / log in, then the user's orders from the local RxDB database,
// which replicates with the server whenever the browser is online.
import './style.css';
import { ORDER_STATUSES, listedCollections, openAppDatabase, type AppDatabase, type Order, type OrderStatus } from './database';
import { AppSync, type SyncState } from './replication';
import { completeSignIn, externalProvider } from './oidc';
import { clearSession, loadSession, login, register, saveSession, type Session } from './session';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let db: AppDatabase | null = null;
let sync: AppSync | null = null;
let unsubscribe: Array<() => void> = [];

// --- signing in -------------------------------------------------------------------------

function showAuth(): void {
  $('auth').hidden = false;
  $('app').hidden = true;
  $('account').hidden = true;
  $('sync').hidden = true;
  // the external provider's log-in, when the server names one
  void externalProvider().then((oidc) => { $('oidc').hidden = !oidc; });
}

$('oidc-login').addEventListener('click', async () => {
  const oidc = await externalProvider();
  await oidc?.signinRedirect(); // to the provider's page; it sends the user back with ?code=…
});

$('auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'login';
  const data = new FormData(form);
  const email = String(data.get('email'));
  const password = String(data.get('password'));
  $('auth-error').textContent = '';
  try {
    const session = action === 'register'
      ? await register(email, password, String(data.get('displayName') || email.split('@')[0]))
      : await login(email, password);
    saveSession(session);
    form.reset();
    await openApp(session);
  } catch (e) {
    $('auth-error').textContent = (e as Error).message;
  }
});

async function logOut(): Promise<void> {
  // the local database stays: logging in again as the same user goes on from it, and
  // pushes what was written meanwhile
  const session = loadSession();
  const email = session?.email ?? '';
  clearSession();
  await closeApp();
  if (session?.external) {
    // ends the session at the provider too; it sends the user back here, signed out
    const oidc = await externalProvider();
    if (oidc) {
      await oidc.signoutRedirect().catch(() => oidc.removeUser());
      return;
    }
  }
  showAuth();
  ($('auth-form') as HTMLFormElement).email.value = email;
}

$('logout').addEventListener('click', logOut);
// the server refused the token (it expired): the orders stay, a new log-in syncs them
$('relogin').addEventListener('click', logOut);

// --- the signed-in app --------------------------------------------------------------------

async function openApp(session: Session): Promise<void> {
  await closeApp();
  $('auth').hidden = true;
  $('app').hidden = false;
  $('account').hidden = false;
  $('sync').hidden = false;
  $('account-email').textContent = session.email;
  $('account-name').textContent = '';

  const listed = await listedCollections();
  db = await openAppDatabase(session.userId, listed);
  const orders = db.orders;
  const subscription = orders.find().$.subscribe((docs) => renderOrders(docs.map((d) => d.toJSON() as Order)));
  unsubscribe.push(() => subscription.unsubscribe());
  showCollectionCounts(db);
  // the user's profile is a collection too (users): a new name shows up live
  const profile = db.collections.users?.findOne(session.userId).$.subscribe((user: { displayName?: string } | null) => {
    $('account-name').textContent = user?.displayName ?? '';
  });
  if (profile) unsubscribe.push(() => profile.unsubscribe());

  sync = new AppSync(db, listed, session.token);
  unsubscribe.push(sync.subscribe(renderSyncState));
  if (session.external) await followRenewals(session);
  await sync.start();
}

/** A provider's user: each silently renewed token goes to the session and the sync at once. */
async function followRenewals(session: Session): Promise<void> {
  const oidc = await externalProvider();
  if (!oidc) return; // offline: the stored token serves until it expires
  const renewed = (user: { access_token: string }) => {
    session.token = user.access_token;
    saveSession(session);
    sync?.setToken(user.access_token);
  };
  oidc.events.addUserLoaded(renewed);
  unsubscribe.push(() => oidc.events.removeUserLoaded(renewed));
  // after a reload the stored token may be older than the one oidc-client-ts renewed meanwhile
  const user = await oidc.getUser();
  if (user && !user.expired && user.access_token !== session.token) renewed(user);
}

async function closeApp(): Promise<void> {
  unsubscribe.forEach((u) => u());
  unsubscribe = [];
  await sync?.stop();
  sync = null;
  await db?.close();
  db = null;
}

function renderSyncState(state: SyncState): void {
  const el = $('sync');
  const [key, text] = state.signedOut ? ['signed-out', 'Signed out: log in again to sync']
    : !state.online ? ['offline', 'Offline: changes stay on this device']
      : state.syncing ? ['syncing', 'Syncing…']
        : ['online', 'Online, in sync'];
  el.dataset.state = key;
  $('sync-state').textContent = text;
  $('relogin').hidden = !state.signedOut;
  el.dataset.conflicts = String(state.conflictsResolved);
  const conflicts = $('sync-conflicts');
  conflicts.hidden = state.conflictsResolved === 0;
  conflicts.textContent = `${state.conflictsResolved} conflict${state.conflictsResolved === 1 ? '' : 's'} resolved: server version kept`;
}

/** What the device holds of each collection, live: all of them sync over one stream. */
function showCollectionCounts(database: AppDatabase): void {
  const list = $('collection-counts');
  list.replaceChildren();
  for (const name of Object.keys(database.collections).sort()) {
    const li = document.createElement('li');
    li.dataset.collection = name;
    list.append(li);
    const counted = database.collections[name].count().$.subscribe((count: number) => {
      li.dataset.count = String(count);
      li.textContent = `${name}: ${count}`;
    });
    unsubscribe.push(() => counted.unsubscribe());
  }
}

// --- the list -------------------------------------------------------------------------------

function renderOrders(orders: Order[]): void {
  const newestFirst = (a: Order, b: Order) =>
    (b.metadata?.createdAt ?? '').localeCompare(a.metadata?.createdAt ?? '') || a.id.localeCompare(b.id);
  const list = $('orders');
  list.replaceChildren(...orders.sort(newestFirst).map(orderItem));
  $('orders-empty').hidden = orders.length > 0;
}

function orderItem(order: Order): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.orderId = order.id;
  const field = (name: string, text: string) => {
    const span = document.createElement('span');
    span.className = name;
    span.dataset.field = name;
    span.textContent = text;
    return span;
  };
  const status = field('status', order.status);
  status.classList.add(`status-${order.status}`);
  const edit = document.createElement('button');
  edit.type = 'button';
  edit.textContent = 'Edit';
  edit.dataset.action = 'edit';
  edit.addEventListener('click', () => startEdit(order));
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = 'Delete';
  remove.dataset.action = 'delete';
  remove.addEventListener('click', () => deleteOrder(order.id));
  li.append(status, field('amount', formatAmount(order.totalCents)), field('currency', order.currency),
    field('note', order.note ?? ''), edit, remove);
  return li;
}

function formatAmount(cents: number): string {
  return (cents / 100).toFixed(2);
}

// --- create, edit, delete --------------------------------------------------------------------

const orderForm = $<HTMLFormElement>('order-form');

function startEdit(order: Order): void {
  const f = orderForm.elements as unknown as Record<string, HTMLInputElement>;
  f.id.value = order.id;
  f.status.value = order.status;
  f.amount.value = formatAmount(order.totalCents);
  f.currency.value = order.currency;
  f.note.value = order.note ?? '';
  $('order-form-title').textContent = 'Edit order';
  $('order-cancel').hidden = false;
  f.amount.focus();
}

function resetForm(): void {
  orderForm.reset();
  (orderForm.elements.namedItem('id') as HTMLInputElement).value = '';
  $('order-form-title').textContent = 'New order';
  $('order-cancel').hidden = true;
}

$('order-cancel').addEventListener('click', resetForm);

orderForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!db) return;
  const data = new FormData(orderForm);
  const status = String(data.get('status')) as OrderStatus;
  if (!ORDER_STATUSES.includes(status)) return;
  const note = String(data.get('note') ?? '').trim();
  const fields = {
    status,
    totalCents: Math.round(Number(data.get('amount')) * 100),
    currency: String(data.get('currency')).toUpperCase(),
  };
  const id = String(data.get('id') ?? '');
  sync?.clearConflicts();
  if (id) {
    const doc = await db.orders.findOne(id).exec();
    // incrementalModify: a concurrent pull that changed the document is not overwritten blindly
    await doc?.incrementalModify((current) => {
      const next: Order = { ...current, ...fields };
      if (note) next.note = note; else delete next.note;
      return next;
    });
  } else {
    const session = loadSession();
    if (!session) return;
    await db.orders.insert({
      id: crypto.randomUUID(),
      userId: session.userId,
      ...fields,
      ...(note ? { note } : {}),
      metadata: { createdAt: new Date().toISOString() },
    });
  }
  resetForm();
});

async function deleteOrder(id: string): Promise<void> {
  sync?.clearConflicts();
  const doc = await db?.orders.findOne(id).exec();
  await doc?.remove();
}

// --- start ------------------------------------------------------------------------------------

// The service worker keeps the app shell, so the app opens without the network too.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('no service worker', e));
}

const saved = loadSession();
if (saved) {
  // offline-first: the stored session opens the local database without the network
  openApp(saved).catch((e) => { console.error(e); showAuth(); });
} else {
  // back from the external provider's log-in page, or not signed in
  completeSignIn().then(async (session) => {
    if (!session) return showAuth();
    saveSession(session);
    await openApp(session);
  }).catch((e) => {
    console.error(e);
    showAuth();
    $('auth-error').textContent = `Log-in at the identity provider failed: ${(e as Error).message}`;
  });
}
