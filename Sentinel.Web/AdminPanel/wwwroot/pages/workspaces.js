import { get, post, patch, del } from '../api.js';
import { h, clear, table, pager, field, filterForm, fmtDate, button, confirmAction, act, props, select, loading, describe } from '../ui.js';

const ROLES = ['viewer', 'editor', 'admin', 'owner'];

export async function workspaces(main, ctx) {
  const search = ctx.query.get('search') ?? '';
  const page = Number(ctx.query.get('page') ?? 1) || 1;
  const results = h('section', { 'aria-label': 'Results' }, loading());
  const name = h('input', { name: 'name', required: true, maxlength: 255 });
  const slug = h('input', { name: 'slug', required: true, pattern: '[a-z0-9][a-z0-9-]*[a-z0-9]' });
  const description = h('input', { name: 'description' });
  const create = h('form', { class: 'row', 'aria-label': 'Create a workspace' },
    field('Name', name), field('Slug', slug, 'Lowercase letters, digits and dashes'), field('Description', description),
    h('button', { type: 'submit', class: 'button primary' }, 'Create workspace'));
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ws = await act(e.submitter, () => post('/admin/workspaces', { name: name.value.trim(), slug: slug.value.trim(), description: description.value.trim() || null }), 'Workspace created.');
    if (ws?.id) ctx.go(`workspaces/${ws.id}`);
  });
  clear(main, h('h1', {}, 'Workspaces'),
    filterForm('Search workspaces', [field('Name or slug', h('input', { type: 'search', name: 'search', value: search }))], (v) => ctx.go('workspaces', { search: v.search })),
    results,
    h('h2', {}, 'New workspace'), create);
  const data = await get('/admin/workspaces', { search, page, page_size: 20 });
  if (!ctx.current()) return;
  clear(results,
    table(search ? `Workspaces matching “${search}”` : 'All workspaces', [
      { label: 'Name', value: (w) => h('a', { href: `#/workspaces/${w.id}` }, w.name) },
      { label: 'Slug', value: (w) => h('code', {}, w.slug) },
      { label: 'Members', value: (w) => w.member_count, num: true },
      { label: 'Created', value: (w) => fmtDate(w.created_at) },
    ], data.items, search ? `No workspace's name or slug contains “${search}”.` : 'No workspaces yet. Create one below.'),
    data.total > 0 ? pager(data, (p) => ctx.go('workspaces', { search, page: p }), 'Workspace pages') : null);
}

export async function workspaceDetail(main, ctx) {
  const [id] = ctx.params;
  clear(main, h('h1', {}, 'Workspace'), loading());
  const ws = await get(`/admin/workspaces/${id}`);
  if (!ctx.current()) return;
  const membersBox = h('section', { 'aria-labelledby': 'members-h' });
  const groupsBox = h('section', { 'aria-labelledby': 'groups-h' });
  const rolesBox = h('section', { 'aria-labelledby': 'roles-h' });
  clear(main,
    h('p', {}, h('a', { href: '#/workspaces' }, '← All workspaces')),
    h('h1', {}, ws.name),
    h('div', { class: 'card' }, props([
      ['Slug', h('code', {}, ws.slug)], ['Description', ws.description], ['Members', ws.member_count],
      ['Groups', ws.group_count], ['Created', fmtDate(ws.created_at)], ['Id', h('code', {}, ws.id)],
    ])),
    h('div', { class: 'row' },
      button('Delete workspace', async (e) => {
        if (!await confirmAction({ title: `Delete ${ws.name}?`, body: 'Its memberships, groups, roles and resource permissions are deleted too. This cannot be undone.', confirm: 'Delete workspace' })) return;
        if (await act(e.currentTarget, () => del(`/admin/workspaces/${id}`), 'Workspace deleted.')) ctx.go('workspaces');
      }, 'danger')),
    membersBox, groupsBox, rolesBox);
  await Promise.all([members(membersBox, id, ctx), groups(groupsBox, id, ctx), roles(rolesBox, id, ctx)]);
}

async function members(box, id, ctx) {
  const list = await get(`/admin/workspaces/${id}/members`).catch((e) => e);
  if (!ctx.current()) return;
  const email = h('input', { type: 'email', name: 'email', required: true });
  const role = select(ROLES, 'viewer');
  const invite = h('form', { class: 'row', 'aria-label': 'Add a member' }, field('Email of an existing user', email), field('Role', role),
    h('button', { type: 'submit', class: 'button primary' }, 'Add member'));
  invite.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(e.submitter, () => post(`/admin/workspaces/${id}/members/invite`, { email: email.value.trim(), role: role.value }), 'Member added.')) await members(box, id, ctx);
  });
  clear(box, h('h2', { id: 'members-h' }, 'Members'),
    list instanceof Error ? h('p', { class: 'alert error', role: 'alert' }, describe(list)) : table('Workspace members', [
      { label: 'Email', value: (m) => h('a', { href: `#/users/${m.user_id}` }, m.email) },
      { label: 'Name', value: (m) => m.name },
      {
        label: 'Role',
        value: (m) => {
          const s = select(ROLES, m.role);
          s.setAttribute('aria-label', `Role of ${m.email}`);
          s.addEventListener('change', async () => {
            if (!await act(s, () => patch(`/admin/workspaces/${id}/members/${m.user_id}`, { role: s.value }), `Role of ${m.email} is now ${s.value}.`)) s.value = m.role;
          });
          return s;
        },
      },
      { label: 'Joined', value: (m) => fmtDate(m.joined_at) },
      {
        label: 'Actions',
        value: (m) => button('Remove', async (e) => {
          if (!await confirmAction({ title: 'Remove this member?', body: `${m.email} loses access to the workspace and is signed out of it.`, confirm: 'Remove member' })) return;
          if (await act(e.currentTarget, () => del(`/admin/workspaces/${id}/members/${m.user_id}`), 'Member removed.')) await members(box, id, ctx);
        }, 'small danger', { 'aria-label': `Remove ${m.email}` }),
      },
    ], list, 'No members yet. Add an existing user by email below.'),
    invite);
}

async function groups(box, id, ctx) {
  const list = await get(`/admin/workspaces/${id}/groups`).catch((e) => e);
  if (!ctx.current()) return;
  const name = h('input', { name: 'name', required: true, maxlength: 255 });
  const description = h('input', { name: 'description' });
  const form = h('form', { class: 'row', 'aria-label': 'Create a group' }, field('Group name', name), field('Group description', description),
    h('button', { type: 'submit', class: 'button primary' }, 'Create group'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(e.submitter, () => post(`/admin/workspaces/${id}/groups`, { name: name.value.trim(), description: description.value.trim() || null }), 'Group created.')) await groups(box, id, ctx);
  });
  clear(box, h('h2', { id: 'groups-h' }, 'Groups'),
    list instanceof Error ? h('p', { class: 'alert error', role: 'alert' }, describe(list)) : table('Groups', [
      { label: 'Name', value: (g) => g.name },
      { label: 'Description', value: (g) => g.description },
      { label: 'Created', value: (g) => fmtDate(g.created_at) },
      {
        label: 'Actions',
        value: (g) => button('Delete', async (e) => {
          if (!await confirmAction({ title: `Delete group ${g.name}?`, body: 'Its members lose what was shared with the group.', confirm: 'Delete group' })) return;
          if (await act(e.currentTarget, () => del(`/admin/groups/${g.id}`), 'Group deleted.')) await groups(box, id, ctx);
        }, 'small danger', { 'aria-label': `Delete group ${g.name}` }),
      },
    ], list, 'No groups in this workspace.'),
    form);
}

async function roles(box, id, ctx) {
  const list = await get(`/admin/workspaces/${id}/roles`).catch((e) => e);
  if (!ctx.current()) return;
  const name = h('input', { name: 'name', required: true, maxlength: 255 });
  const description = h('input', { name: 'description' });
  const form = h('form', { class: 'row', 'aria-label': 'Create a role' }, field('Role name', name), field('Role description', description),
    h('button', { type: 'submit', class: 'button primary' }, 'Create role'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(e.submitter, () => post(`/admin/workspaces/${id}/roles`, { name: name.value.trim(), description: description.value.trim() || null }), 'Role created.')) await roles(box, id, ctx);
  });
  clear(box, h('h2', { id: 'roles-h' }, 'Roles'),
    h('p', { class: 'muted' }, 'Roles grant service actions (RBAC) to their members.'),
    list instanceof Error ? h('p', { class: 'alert error', role: 'alert' }, describe(list)) : table('Roles', [
      { label: 'Name', value: (r) => r.name },
      { label: 'Description', value: (r) => r.description },
      { label: 'Actions granted', value: (r) => r.action_count, num: true },
      { label: 'Members', value: (r) => r.member_count, num: true },
      {
        label: 'Actions',
        value: (r) => button('Delete', async (e) => {
          if (!await confirmAction({ title: `Delete role ${r.name}?`, body: 'Its members lose the actions it granted.', confirm: 'Delete role' })) return;
          if (await act(e.currentTarget, () => del(`/admin/roles/${r.id}`), 'Role deleted.')) await roles(box, id, ctx);
        }, 'small danger', { 'aria-label': `Delete role ${r.name}` }),
      },
    ], list, 'No roles in this workspace.'),
    form);
}
