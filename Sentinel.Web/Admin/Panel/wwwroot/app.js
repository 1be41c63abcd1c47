// The panel's shell: who is signed in, sign-out, and a hash router over the pages.
import { api, get, toSignIn } from './api.js';
import { h, clear, errorBox, confirmAction, toast, describe, clearToasts } from './ui.js';
import { dashboard } from './pages/dashboard.js';
import { users, userDetail } from './pages/users.js';
import { workspaces, workspaceDetail } from './pages/workspaces.js';
import { permissions, serviceActions } from './pages/directory.js';
import { clientApps, serviceApps } from './pages/apps.js';
import { activity } from './pages/activity.js';
import { importExport } from './pages/io.js';
import { system } from './pages/system.js';

const routes = [
  [/^dashboard$/, dashboard, 'Dashboard'],
  [/^users$/, users, 'Users'],
  [/^users\/([0-9a-f-]{36})$/, userDetail, 'User'],
  [/^workspaces$/, workspaces, 'Workspaces'],
  [/^workspaces\/([0-9a-f-]{36})$/, workspaceDetail, 'Workspace'],
  [/^permissions$/, permissions, 'Permissions'],
  [/^service-actions$/, serviceActions, 'Service actions'],
  [/^client-apps$/, clientApps, 'Client apps'],
  [/^service-apps$/, serviceApps, 'Service apps'],
  [/^activity$/, activity, 'Activity log'],
  [/^import$/, importExport, 'Import and export'],
  [/^system$/, system, 'System'],
];

const main = document.getElementById('main');
let cleanups = [];
let generation = 0;

/** What a page gets: its path parameters, the hash query, and ways to register cleanup and to navigate. */
function context(params, query, gen) {
  return {
    params,
    query,
    onLeave: (fn) => cleanups.push(fn),
    current: () => gen === generation,
    go: (path, q) => { location.hash = '#/' + path + (q ? '?' + new URLSearchParams(Object.entries(q).filter(([, v]) => v !== '' && v != null)).toString() : ''); },
  };
}

async function route() {
  for (const fn of cleanups.splice(0)) { try { fn(); } catch { /* leaving a page never fails */ } }
  clearToasts();
  const gen = ++generation;
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  if (!path) { location.replace('#/dashboard'); return; }
  const match = routes.map(([re, page, title]) => [re.exec(path), page, title]).find(([m]) => m);
  const section = path.split('/')[0];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${section}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.setAttribute('aria-busy', 'true');
  if (!match) {
    document.title = 'Not found · Sentinel admin';
    clear(main, h('h1', {}, 'Page not found'), h('p', {}, 'There is no such page in the admin panel. '), h('a', { href: '#/dashboard' }, 'Go to the dashboard'));
    main.removeAttribute('aria-busy');
    return;
  }
  const [m, page, title] = match;
  document.title = `${title} · Sentinel admin`;
  try {
    await page(main, context(m.slice(1), new URLSearchParams(qs ?? ''), gen));
  } catch (e) {
    if (gen === generation) clear(main, h('h1', {}, title), errorBox(e));
  } finally {
    if (gen === generation) {
      main.removeAttribute('aria-busy');
      // Which route the main region now shows (tests and assistive tooling can wait for it).
      main.dataset.route = decodeURIComponent(raw);
    }
  }
}

async function start() {
  let me;
  try {
    me = await get('/auth/admin/me');
  } catch (e) {
    // 401/403 already sent the browser to the sign-in page; anything else is shown here.
    if (e.status !== 401 && e.status !== 403) clear(main, h('h1', {}, 'Sentinel admin'), errorBox(e));
    return;
  }
  document.getElementById('who').textContent = `Signed in as ${me.name || me.email}`;
  document.getElementById('signout').addEventListener('click', async () => {
    if (!await confirmAction({ title: 'Sign out?', body: 'You will need to sign in again with your identity provider.', confirm: 'Sign out' })) return;
    try {
      await api('POST', '/auth/admin/logout');
      toSignIn('signed_out');
    } catch (e) {
      toast(describe(e), 'error');
    }
  });
  window.addEventListener('hashchange', () => { route().then(() => main.focus({ preventScroll: false })); });
  await route();
}

start();
