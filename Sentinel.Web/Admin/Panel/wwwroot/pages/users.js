import { get, patch, post, del } from '../api.js';
import { h, clear, table, pager, field, filterForm, errorBox, fmtDate, yesNo, button, confirmAction, act, props, loading, toast } from '../ui.js';

export async function users(main, ctx) {
  const search = ctx.query.get('search') ?? '';
  const page = Number(ctx.query.get('page') ?? 1) || 1;
  const results = h('section', { 'aria-label': 'Results' }, loading());
  clear(main, h('h1', {}, 'Users'),
    filterForm('Search users', [field('Email or name', h('input', { type: 'search', name: 'search', value: search }))],
      (v) => ctx.go('users', { search: v.search })),
    results);
  const data = await get('/admin/users', { search, page, page_size: 20 });
  if (!ctx.current()) return;
  // Bulk status: tick users on this page, then activate or deactivate them in one call (POST /admin/users/bulk-status).
  const picked = new Set();
  const count = h('span', { class: 'muted', role: 'status' }, 'No user selected.');
  const bulk = (isActive) => button(isActive ? 'Activate selected' : 'Deactivate selected', async (e) => {
    if (!picked.size) { toast('Select at least one user first.', 'error'); return; }
    const n = picked.size;
    if (!isActive && !await confirmAction({ title: `Deactivate ${n} user(s)?`, body: 'They are signed out everywhere and cannot sign in until reactivated.', confirm: 'Deactivate' })) return;
    const r = await act(e.currentTarget, () => post('/admin/users/bulk-status', { user_ids: [...picked], is_active: isActive }));
    if (r) { toast(`${r.affected ?? n} user(s) ${isActive ? 'activated' : 'deactivated'}.`); await users(main, ctx); }
  }, isActive ? '' : 'danger');
  clear(results,
    data.items.length ? h('div', { class: 'row', role: 'group', 'aria-label': 'Bulk status' }, bulk(true), bulk(false), count) : null,
    table(search ? `Users matching “${search}”` : 'All users, newest first', [
      {
        label: 'Select',
        value: (u) => {
          const box = h('input', { type: 'checkbox', 'aria-label': `Select ${u.email}` });
          box.addEventListener('change', () => {
            if (box.checked) picked.add(u.id); else picked.delete(u.id);
            count.textContent = picked.size ? `${picked.size} selected.` : 'No user selected.';
          });
          return box;
        },
      },
      { label: 'Email', value: (u) => h('a', { href: `#/users/${u.id}` }, u.email) },
      { label: 'Name', value: (u) => u.name },
      { label: 'Active', value: (u) => yesNo(u.is_active, 'Active', 'Inactive') },
      { label: 'Admin', value: (u) => (u.is_admin ? 'Admin' : '') },
      { label: 'Workspaces', value: (u) => u.workspace_count, num: true },
      { label: 'Created', value: (u) => fmtDate(u.created_at) },
    ], data.items, search ? `No user's email or name contains “${search}”.` : 'No users yet. Import some from a CSV file, or let people sign in.'),
    data.total > 0 ? pager(data, (p) => ctx.go('users', { search, page: p }), 'User pages') : null);
}

export async function userDetail(main, ctx) {
  const [id] = ctx.params;
  clear(main, h('h1', {}, 'User'), loading());
  const user = await get(`/admin/users/${id}`);
  if (!ctx.current()) return;
  const sessionsBox = h('section', { 'aria-labelledby': 'sessions-h' }, h('h2', { id: 'sessions-h' }, 'Sessions'), loading());
  const reload = () => userDetail(main, ctx);

  const toggle = (label, changes, confirm) => button(label, async (e) => {
    if (confirm && !await confirmAction(confirm)) return;
    if (await act(e.currentTarget, () => patch(`/admin/users/${id}`, changes), `${user.email}: ${label.toLowerCase()} done.`)) await reload();
  });

  clear(main,
    h('p', {}, h('a', { href: '#/users' }, '← All users')),
    h('h1', {}, user.name || user.email),
    h('div', { class: 'card' }, props([
      ['Email', user.email], ['Name', user.name], ['Status', yesNo(user.is_active, 'Active', 'Inactive')],
      ['Administrator', user.is_admin ? 'Yes' : 'No'], ['Created', fmtDate(user.created_at)], ['Updated', fmtDate(user.updated_at)],
      ['Id', h('code', {}, user.id)],
    ])),
    nameForm(user, reload),
    h('div', { class: 'row' },
      user.is_active
        ? toggle('Deactivate', { is_active: false }, { title: 'Deactivate this user?', body: `${user.email} will be signed out everywhere and cannot sign in until reactivated.`, confirm: 'Deactivate' })
        : toggle('Activate', { is_active: true }),
      user.is_admin
        ? toggle('Remove admin rights', { is_admin: false }, { title: 'Remove admin rights?', body: `${user.email} will lose access to this panel and be signed out of every device.`, confirm: 'Remove admin rights' })
        : toggle('Make admin', { is_admin: true }, { title: 'Make this user an administrator?', body: `${user.email} will be able to manage every user, workspace and app.`, confirm: 'Make admin' }),
      button('Revoke all sessions', async (e) => {
        if (!await confirmAction({ title: 'Revoke all sessions?', body: `Every device of ${user.email} will have to sign in again.`, confirm: 'Revoke all' })) return;
        const r = await act(e.currentTarget, () => post(`/admin/users/${id}/revoke-tokens`));
        if (r) { await reload(); }
      }, 'danger')),
    h('h2', {}, 'Workspaces'),
    table('Memberships', [
      { label: 'Workspace', value: (m) => h('a', { href: `#/workspaces/${m.workspace_id}` }, m.workspace_name) },
      { label: 'Slug', value: (m) => h('code', {}, m.workspace_slug) },
      { label: 'Role', value: (m) => m.role },
      { label: 'Joined', value: (m) => fmtDate(m.joined_at) },
    ], user.memberships, 'Not a member of any workspace.'),
    h('h2', {}, 'Linked sign-in accounts'),
    table('Identity provider accounts', [
      { label: 'Provider', value: (s) => s.provider },
      { label: 'Account id', value: (s) => h('code', {}, s.provider_user_id) },
    ], user.social_accounts, 'No identity provider account is linked yet; one is linked at the first sign-in.'),
    sessionsBox);

  await renderSessions(sessionsBox, user, ctx);
}

async function renderSessions(box, user, ctx) {
  let data;
  try {
    data = await get(`/admin/users/${user.id}/sessions`);
  } catch (e) {
    clear(box, h('h2', { id: 'sessions-h' }, 'Sessions'), errorBox(e));
    return;
  }
  if (!ctx.current()) return;
  const sessions = Array.isArray(data) ? data : (data?.sessions ?? data?.items ?? []);
  clear(box, h('h2', { id: 'sessions-h' }, 'Sessions'),
    table('Signed-in devices', [
      { label: 'App', value: (s) => s.client_app_name ?? s.client_app_id ?? '—' },
      { label: 'Device', value: (s) => s.user_agent || 'Unknown device' },
      { label: 'IP address', value: (s) => s.ip ?? '—' },
      { label: 'Signed in', value: (s) => fmtDate(s.created_at) },
      { label: 'Last used', value: (s) => fmtDate(s.last_used_at) },
      {
        label: 'Actions',
        value: (s) => button('Revoke', async (e) => {
          if (!await confirmAction({ title: 'Revoke this session?', body: `The device (${s.user_agent || 'unknown device'}) will be signed out at its next refresh; other devices stay signed in.`, confirm: 'Revoke session' })) return;
          if (await act(e.currentTarget, () => del(`/admin/users/${user.id}/sessions/${s.family_id}`), 'Session revoked.')) await renderSessions(box, user, ctx);
        }, 'small danger', { 'aria-label': `Revoke session from ${s.user_agent || 'unknown device'} started ${fmtDate(s.created_at)}`, 'data-family': s.family_id }),
      },
    ], sessions, 'No active sessions: this user is not signed in on any device.'));
}

/** The user's display name (PATCH /admin/users/{id} with name). */
function nameForm(user, reload) {
  const name = h('input', { name: 'name', required: true, maxlength: 255, value: user.name ?? '' });
  const form = h('form', { class: 'row', 'aria-label': 'Rename this user' }, field('Display name', name), h('button', { type: 'submit', class: 'button' }, 'Save name'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(e.submitter, () => patch(`/admin/users/${user.id}`, { name: name.value.trim() }), 'Name saved.')) await reload();
  });
  return form;
}
