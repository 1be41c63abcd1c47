import { get, post, patch, del } from '../api.js';
import { h, clear, table, pager, field, filterForm, fmtDate, button, confirmAction, act, props, select, loading, describe, errorBox, toast } from '../ui.js';

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
    editForm('Edit workspace', ws, async (body) => patch(`/admin/workspaces/${id}`, body), 'Workspace saved.', () => workspaceDetail(main, ctx)),
    h('div', { class: 'row' },
      button('Delete workspace', async (e) => {
        if (!await confirmAction({ title: `Delete ${ws.name}?`, body: 'Its memberships, groups, roles and resource permissions are deleted too. This cannot be undone.', confirm: 'Delete workspace' })) return;
        if (await act(e.currentTarget, () => del(`/admin/workspaces/${id}`), 'Workspace deleted.')) ctx.go('workspaces');
      }, 'danger')),
    membersBox, groupsBox, rolesBox);
  const memberList = await get(`/admin/workspaces/${id}/members`).catch((e) => e);
  if (!ctx.current()) return;
  await Promise.all([members(membersBox, id, ctx, memberList), groups(groupsBox, id, ctx, memberList), roles(rolesBox, id, ctx, memberList)]);
}

async function members(box, id, ctx, given) {
  const list = given ?? await get(`/admin/workspaces/${id}/members`).catch((e) => e);
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

async function groups(box, id, ctx, people) {
  const list = await get(`/admin/workspaces/${id}/groups`).catch((e) => e);
  if (!ctx.current()) return;
  const name = h('input', { name: 'name', required: true, maxlength: 255 });
  const description = h('input', { name: 'description' });
  const form = h('form', { class: 'row', 'aria-label': 'Create a group' }, field('Group name', name), field('Group description', description),
    h('button', { type: 'submit', class: 'button primary' }, 'Create group'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(e.submitter, () => post(`/admin/workspaces/${id}/groups`, { name: name.value.trim(), description: description.value.trim() || null }), 'Group created.')) await groups(box, id, ctx, people);
  });
  const detail = h('div', { 'aria-live': 'polite' });
  clear(box, h('h2', { id: 'groups-h' }, 'Groups'),
    list instanceof Error ? h('p', { class: 'alert error', role: 'alert' }, describe(list)) : table('Groups', [
      { label: 'Name', value: (g) => g.name },
      { label: 'Description', value: (g) => g.description },
      { label: 'Created', value: (g) => fmtDate(g.created_at) },
      {
        label: 'Actions',
        value: (g) => h('div', { class: 'row tight' },
          button('Edit', () => clear(detail, editForm(`Edit group ${g.name}`, g, (body) => patch(`/admin/groups/${g.id}`, body), 'Group saved.', () => groups(box, id, ctx, people))), 'small', { 'aria-label': `Edit group ${g.name}` }),
          button('Members', () => groupMembers(detail, g, people), 'small', { 'aria-label': `Members of group ${g.name}` }),
          button('Delete', async (e) => {
            if (!await confirmAction({ title: `Delete group ${g.name}?`, body: 'Its members lose what was shared with the group.', confirm: 'Delete group' })) return;
            if (await act(e.currentTarget, () => del(`/admin/groups/${g.id}`), 'Group deleted.')) await groups(box, id, ctx, people);
          }, 'small danger', { 'aria-label': `Delete group ${g.name}` })),
      },
    ], list, 'No groups in this workspace.'),
    detail,
    form);
}

async function roles(box, id, ctx, people) {
  const list = await get(`/admin/workspaces/${id}/roles`).catch((e) => e);
  if (!ctx.current()) return;
  const name = h('input', { name: 'name', required: true, maxlength: 255 });
  const description = h('input', { name: 'description' });
  const form = h('form', { class: 'row', 'aria-label': 'Create a role' }, field('Role name', name), field('Role description', description),
    h('button', { type: 'submit', class: 'button primary' }, 'Create role'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(e.submitter, () => post(`/admin/workspaces/${id}/roles`, { name: name.value.trim(), description: description.value.trim() || null }), 'Role created.')) await roles(box, id, ctx, people);
  });
  const detail = h('div', { 'aria-live': 'polite' });
  clear(box, h('h2', { id: 'roles-h' }, 'Roles'),
    h('p', { class: 'muted' }, 'Roles grant service actions (RBAC) to their members.'),
    list instanceof Error ? h('p', { class: 'alert error', role: 'alert' }, describe(list)) : table('Roles', [
      { label: 'Name', value: (r) => r.name },
      { label: 'Description', value: (r) => r.description },
      { label: 'Actions granted', value: (r) => r.action_count, num: true },
      { label: 'Members', value: (r) => r.member_count, num: true },
      {
        label: 'Actions',
        value: (r) => h('div', { class: 'row tight' },
          button('Edit', () => clear(detail, editForm(`Edit role ${r.name}`, r, (body) => patch(`/admin/roles/${r.id}`, body), 'Role saved.', () => roles(box, id, ctx, people))), 'small', { 'aria-label': `Edit role ${r.name}` }),
          button('Actions', () => roleActions(detail, r), 'small', { 'aria-label': `Actions of role ${r.name}` }),
          button('Members', () => roleMembers(detail, r, people), 'small', { 'aria-label': `Members of role ${r.name}` }),
          button('Delete', async (e) => {
            if (!await confirmAction({ title: `Delete role ${r.name}?`, body: 'Its members lose the actions it granted.', confirm: 'Delete role' })) return;
            if (await act(e.currentTarget, () => del(`/admin/roles/${r.id}`), 'Role deleted.')) await roles(box, id, ctx, people);
          }, 'small danger', { 'aria-label': `Delete role ${r.name}` })),
      },
    ], list, 'No roles in this workspace.'),
    detail,
    form);
}

/** A form for a name and a description (workspaces, groups, roles): PATCH only what changed; the API's detail on refusal. */
function editForm(title, item, save, success, after) {
  const name = h('input', { name: 'name', required: true, maxlength: 255, value: item.name ?? '' });
  const description = h('textarea', { name: 'description', maxlength: 2000 });
  description.value = item.description ?? '';
  const form = h('form', { class: 'card', 'aria-label': title },
    h('h3', {}, title),
    h('div', { class: 'row' }, field('Name', name), field('Description', description, 'Leave empty to clear it'),
      h('button', { type: 'submit', class: 'button primary' }, 'Save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    if (name.value.trim() !== (item.name ?? '')) body.name = name.value.trim();
    if (description.value.trim() !== (item.description ?? '')) body.description = description.value.trim() || null;
    if (!Object.keys(body).length) { toast('Nothing changed.'); return; }
    if (await act(e.submitter, () => save(body), success)) await after();
  });
  return form;
}

/** Workspace members as options for the group and role member pickers. */
function peopleSelect(people, exclude, label) {
  const options = Array.isArray(people) ? people.filter((m) => !exclude.has(m.user_id)).map((m) => [m.user_id, `${m.name || m.email} <${m.email}>`]) : [];
  const s = select([['', options.length ? 'Choose a member…' : 'No other workspace member'], ...options], '');
  s.required = true;
  s.name = 'user_id';
  return field(label, s);
}

async function groupMembers(box, g, people) {
  clear(box, loading());
  const list = await get(`/admin/groups/${g.id}/members`).catch((e) => e);
  if (list instanceof Error) { clear(box, errorBox(list)); return; }
  const picker = peopleSelect(people, new Set(list.map((m) => m.user_id)), `Add to ${g.name}`);
  const form = h('form', { class: 'row', 'aria-label': `Add a member to group ${g.name}` }, picker, h('button', { type: 'submit', class: 'button primary' }, 'Add to group'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const userId = form.elements.user_id.value;
    if (userId && await act(e.submitter, () => post(`/admin/groups/${g.id}/members/${userId}`), 'Added to the group.')) await groupMembers(box, g, people);
  });
  clear(box, h('div', { class: 'card' }, h('h3', {}, `Members of group ${g.name}`),
    table(`Members of group ${g.name}`, [
      { label: 'Email', value: (m) => h('a', { href: `#/users/${m.user_id}` }, m.email) },
      { label: 'Name', value: (m) => m.name },
      { label: 'Added', value: (m) => fmtDate(m.added_at) },
      {
        label: 'Actions',
        value: (m) => button('Remove', async (e) => {
          if (!await confirmAction({ title: `Remove ${m.email} from ${g.name}?`, body: 'They lose what was shared with the group.', confirm: 'Remove from group' })) return;
          if (await act(e.currentTarget, () => del(`/admin/groups/${g.id}/members/${m.user_id}`), 'Removed from the group.')) await groupMembers(box, g, people);
        }, 'small danger', { 'aria-label': `Remove ${m.email} from group ${g.name}` }),
      },
    ], list, 'Nobody is in this group yet. Add a workspace member below.'),
    form));
}

async function roleActions(box, r) {
  clear(box, loading());
  const [granted, all] = await Promise.all([get(`/admin/roles/${r.id}/actions`), get('/admin/service-actions')].map((p) => p.catch((e) => e)));
  if (granted instanceof Error || all instanceof Error) { clear(box, errorBox(granted instanceof Error ? granted : all)); return; }
  const have = new Set(granted.map((a) => a.id));
  const choices = all.filter((a) => !have.has(a.id)).map((a) => [a.id, `${a.service_name}:${a.action}`]);
  const pick = select([['', choices.length ? 'Choose an action…' : 'No other registered action'], ...choices], '');
  pick.required = true;
  const form = h('form', { class: 'row', 'aria-label': `Grant an action to role ${r.name}` }, field(`Grant to ${r.name}`, pick), h('button', { type: 'submit', class: 'button primary' }, 'Grant action'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (pick.value && await act(e.submitter, () => post(`/admin/roles/${r.id}/actions`, { service_action_ids: [pick.value] }), 'Action granted.')) await roleActions(box, r);
  });
  clear(box, h('div', { class: 'card' }, h('h3', {}, `Actions granted by role ${r.name}`),
    table(`Actions of role ${r.name}`, [
      { label: 'Service', value: (a) => h('code', {}, a.service_name) },
      { label: 'Action', value: (a) => h('code', {}, a.action) },
      { label: 'Description', value: (a) => a.description },
      {
        label: 'Actions',
        value: (a) => button('Revoke', async (e) => {
          if (!await confirmAction({ title: `Revoke ${a.service_name}:${a.action}?`, body: `Members of ${r.name} lose this action.`, confirm: 'Revoke action' })) return;
          if (await act(e.currentTarget, () => del(`/admin/roles/${r.id}/actions/${a.id}`), 'Action revoked.')) await roleActions(box, r);
        }, 'small danger', { 'aria-label': `Revoke ${a.service_name}:${a.action} from ${r.name}` }),
      },
    ], granted, 'This role grants no action yet.'),
    form));
}

async function roleMembers(box, r, people) {
  clear(box, loading());
  const list = await get(`/admin/roles/${r.id}/members`).catch((e) => e);
  if (list instanceof Error) { clear(box, errorBox(list)); return; }
  const picker = peopleSelect(people, new Set(list.map((m) => m.user_id)), `Assign ${r.name} to`);
  const form = h('form', { class: 'row', 'aria-label': `Assign role ${r.name}` }, picker, h('button', { type: 'submit', class: 'button primary' }, 'Assign role'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const userId = form.elements.user_id.value;
    if (userId && await act(e.submitter, () => post(`/admin/roles/${r.id}/members/${userId}`), 'Role assigned.')) await roleMembers(box, r, people);
  });
  clear(box, h('div', { class: 'card' }, h('h3', {}, `Members of role ${r.name}`),
    table(`Members of role ${r.name}`, [
      { label: 'Email', value: (m) => h('a', { href: `#/users/${m.user_id}` }, m.email) },
      { label: 'Name', value: (m) => m.name },
      { label: 'Assigned', value: (m) => fmtDate(m.assigned_at) },
      {
        label: 'Actions',
        value: (m) => button('Unassign', async (e) => {
          if (!await confirmAction({ title: `Take ${r.name} from ${m.email}?`, body: 'They lose the actions the role grants.', confirm: 'Unassign role' })) return;
          if (await act(e.currentTarget, () => del(`/admin/roles/${r.id}/members/${m.user_id}`), 'Role unassigned.')) await roleMembers(box, r, people);
        }, 'small danger', { 'aria-label': `Unassign ${r.name} from ${m.email}` }),
      },
    ], list, 'Nobody has this role yet. Assign it to a workspace member below.'),
    form));
}
