import { get, post, patch, del } from '../api.js';
import { h, clear, table, field, fmtDate, yesNo, button, confirmAction, act, loading, toast } from '../ui.js';

const lines = (text) => text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);

export async function clientApps(main, ctx) {
  const results = h('section', { 'aria-label': 'Client apps' }, loading());
  const name = h('input', { name: 'name', required: true, maxlength: 255 });
  const uris = h('textarea', { name: 'redirect_uris', required: true });
  const form = h('form', { class: 'card', 'aria-label': 'Register a client app' },
    h('div', { class: 'row' }, field('App name', name), field('Redirect URIs', uris, 'One per line, http or https')),
    h('button', { type: 'submit', class: 'button primary' }, 'Register client app'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(e.submitter, () => post('/admin/client-apps', { name: name.value.trim(), redirect_uris: lines(uris.value) }), 'Client app registered.')) await clientApps(main, ctx);
  });
  clear(main, h('h1', {}, 'Client apps'),
    h('p', { class: 'muted' }, 'Apps that send people here to sign in. Their redirect URIs are also allowed CORS origins.'),
    results, h('h2', {}, 'Register a client app'), form);
  const list = await get('/admin/client-apps');
  if (!ctx.current()) return;
  const editing = h('div', { 'aria-live': 'polite' });
  const edit = (a) => {
    const n = h('input', { name: 'name', required: true, maxlength: 255, value: a.name });
    const u = h('textarea', { name: 'redirect_uris', required: true });
    u.value = a.redirect_uris.join('\n');
    const f = h('form', { class: 'card', 'aria-label': `Edit ${a.name}` }, h('h3', {}, `Edit ${a.name}`),
      h('div', { class: 'row' }, field('App name', n), field('Redirect URIs', u, 'One per line, http or https')),
      h('button', { type: 'submit', class: 'button primary' }, 'Save client app'));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const next = lines(u.value);
      const removed = a.redirect_uris.filter((x) => !next.includes(x));
      if (removed.length && !await confirmAction({ title: 'Remove redirect URIs?', body: `Sign-ins returning to ${removed.join(', ')} will be refused.`, confirm: 'Save' })) return;
      if (await act(e.submitter, () => patch(`/admin/client-apps/${a.id}`, { name: n.value.trim(), redirect_uris: next }), 'Client app saved.')) await clientApps(main, ctx);
    });
    clear(editing, f);
    n.focus();
  };
  clear(results, editing, table('Client apps', [
    { label: 'Name', value: (a) => a.name },
    { label: 'Redirect URIs', value: (a) => h('ul', {}, a.redirect_uris.map((u) => h('li', {}, h('code', {}, u)))) },
    { label: 'Status', value: (a) => yesNo(a.is_active, 'Active', 'Disabled') },
    { label: 'Updated', value: (a) => fmtDate(a.updated_at) },
    {
      label: 'Actions',
      value: (a) => h('div', { class: 'row' },
        a.is_active
          ? button('Disable', async (e) => {
            if (!await confirmAction({ title: `Disable ${a.name}?`, body: 'Sign-ins through this app stop; existing sessions are revoked.', confirm: 'Disable' })) return;
            if (await act(e.currentTarget, () => patch(`/admin/client-apps/${a.id}`, { is_active: false, revoke_sessions: true }), 'Client app disabled.')) await clientApps(main, ctx);
          }, 'small', { 'aria-label': `Disable ${a.name}` })
          : button('Enable', async (e) => {
            if (await act(e.currentTarget, () => patch(`/admin/client-apps/${a.id}`, { is_active: true }), 'Client app enabled.')) await clientApps(main, ctx);
          }, 'small', { 'aria-label': `Enable ${a.name}` }),
        button('Edit', () => edit(a), 'small', { 'aria-label': `Edit ${a.name}` }),
        button('Delete', async (e) => {
          if (!await confirmAction({ title: `Delete ${a.name}?`, body: 'People can no longer sign in through this app. This cannot be undone.', confirm: 'Delete app' })) return;
          if (await act(e.currentTarget, () => del(`/admin/client-apps/${a.id}`), 'Client app deleted.')) await clientApps(main, ctx);
        }, 'small danger', { 'aria-label': `Delete ${a.name}` })),
    },
  ], list, 'No client apps yet. Register one below.'));
}

/** The plaintext key, shown once, in memory only: a reload or another page forgets it. */
function keyPanel(app, verb) {
  const value = h('code', { class: 'secret', id: 'new-key', 'data-testid': 'service-key' }, app.api_key);
  const copy = button('Copy key', async () => {
    try {
      await navigator.clipboard.writeText(app.api_key);
      toast('Key copied to the clipboard.');
    } catch {
      const range = document.createRange();
      range.selectNodeContents(value);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      toast('Press Ctrl+C to copy the selected key.');
    }
  }, 'primary');
  return h('section', { class: 'alert warn', role: 'region', 'aria-labelledby': 'key-h', 'data-testid': 'key-panel' },
    h('h2', { id: 'key-h' }, `Service key for ${app.name} ${verb}`),
    h('p', {}, 'Copy it now and store it in the service\'s secrets. It is shown only this once: Sentinel keeps only its hash.'),
    value, copy);
}

export async function serviceApps(main, ctx, shown) {
  const results = h('section', { 'aria-label': 'Service apps' }, loading());
  const name = h('input', { name: 'name', required: true, maxlength: 255 });
  const service = h('input', { name: 'service_name', required: true, pattern: '[a-z][a-z0-9-]*[a-z0-9]' });
  const origins = h('textarea', { name: 'allowed_origins' });
  const form = h('form', { class: 'card', 'aria-label': 'Create a service app' },
    h('div', { class: 'row' }, field('App name', name), field('Service name', service, 'Lowercase letters, digits and dashes'),
      field('Allowed origins', origins, 'Optional; one per line')),
    h('button', { type: 'submit', class: 'button primary' }, 'Create service app'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const app = await act(e.submitter, () => post('/admin/service-apps', { name: name.value.trim(), service_name: service.value.trim(), allowed_origins: lines(origins.value) }), 'Service app created.');
    if (app?.api_key) await serviceApps(main, ctx, keyPanel(app, 'created'));
  });
  clear(main, h('h1', {}, 'Service apps'),
    h('p', { class: 'muted' }, 'Backends that call Sentinel with an X-Service-Key.'),
    shown ?? null, results, h('h2', {}, 'Create a service app'), form);
  shown?.querySelector('button')?.focus();
  const list = await get('/admin/service-apps');
  if (!ctx.current()) return;
  const editing = h('div', { 'aria-live': 'polite' });
  const edit = (a) => {
    const n = h('input', { name: 'name', required: true, maxlength: 255, value: a.name });
    const o = h('textarea', { name: 'allowed_origins' });
    o.value = (a.allowed_origins ?? []).join('\n');
    const aud = h('textarea', { name: 'allowed_idp_audiences' });
    aud.value = (a.allowed_idp_audiences ?? []).join('\n');
    const f = h('form', { class: 'card', 'aria-label': `Edit ${a.name}` }, h('h3', {}, `Edit ${a.name}`),
      h('div', { class: 'row' }, field('App name', n), field('Allowed origins', o, 'One per line'), field('Allowed identity provider audiences', aud, 'One per line')),
      h('button', { type: 'submit', class: 'button primary' }, 'Save service app'));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (await act(e.submitter, () => patch(`/admin/service-apps/${a.id}`, { name: n.value.trim(), allowed_origins: lines(o.value), allowed_idp_audiences: lines(aud.value) }), 'Service app saved.')) await serviceApps(main, ctx);
    });
    clear(editing, f);
    n.focus();
  };
  clear(results, editing, table('Service apps', [
    { label: 'Name', value: (a) => a.name },
    { label: 'Service', value: (a) => h('code', {}, a.service_name) },
    { label: 'Key', value: (a) => h('code', {}, a.key_prefix) },
    { label: 'Status', value: (a) => yesNo(a.is_active, 'Active', 'Disabled') },
    { label: 'Last used', value: (a) => fmtDate(a.last_used_at) },
    {
      label: 'Actions',
      value: (a) => h('div', { class: 'row' },
        button('Rotate key', async (e) => {
          if (!await confirmAction({ title: `Rotate the key of ${a.name}?`, body: 'The current key stops working at once. The service needs the new key before it can call Sentinel again.', confirm: 'Rotate key' })) return;
          const rotated = await act(e.currentTarget, () => post(`/admin/service-apps/${a.id}/rotate-key`), 'Key rotated.');
          if (rotated?.api_key) await serviceApps(main, ctx, keyPanel(rotated, 'rotated'));
        }, 'small', { 'aria-label': `Rotate key of ${a.name}` }),
        a.is_active
          ? button('Disable', async (e) => {
            if (!await confirmAction({ title: `Disable ${a.name}?`, body: 'Its key is refused until the app is enabled again.', confirm: 'Disable' })) return;
            if (await act(e.currentTarget, () => patch(`/admin/service-apps/${a.id}`, { is_active: false }), 'Service app disabled.')) await serviceApps(main, ctx);
          }, 'small', { 'aria-label': `Disable ${a.name}` })
          : button('Enable', async (e) => {
            if (await act(e.currentTarget, () => patch(`/admin/service-apps/${a.id}`, { is_active: true }), 'Service app enabled.')) await serviceApps(main, ctx);
          }, 'small', { 'aria-label': `Enable ${a.name}` }),
        button('Edit', () => edit(a), 'small', { 'aria-label': `Edit ${a.name}` }),
        button('Delete', async (e) => {
          if (!await confirmAction({ title: `Delete ${a.name}?`, body: `Its key stops working and every resource permission of “${a.service_name}” is deleted. This cannot be undone.`, confirm: 'Delete app' })) return;
          if (await act(e.currentTarget, () => del(`/admin/service-apps/${a.id}`), 'Service app deleted.')) await serviceApps(main, ctx);
        }, 'small danger', { 'aria-label': `Delete ${a.name}` })),
    },
  ], list, 'No service apps yet. Create one below; its key is shown once.'));
}
