import { get, del, post, patch } from '../api.js';
import { h, clear, table, pager, field, filterForm, fmtDate, button, confirmAction, act, select, loading, props, errorBox } from '../ui.js';

export async function permissions(main, ctx) {
  const q = Object.fromEntries(['workspace_id', 'service_name', 'resource_id', 'owner', 'sort_by'].map((k) => [k, ctx.query.get(k) ?? '']));
  const page = Number(ctx.query.get('page') ?? 1) || 1;
  const results = h('section', { 'aria-label': 'Results' }, loading());
  const sort = select([['', 'Newest first'], ['shares', 'Most shared']], q.sort_by);
  sort.name = 'sort_by';
  const purgeName = h('input', { name: 'service', required: true, pattern: '[a-z][a-z0-9_.-]*' });
  const purge = h('form', { class: 'row', 'aria-label': 'Delete all permissions of a service' },
    field('Service name', purgeName), h('button', { type: 'submit', class: 'button danger' }, 'Delete all of its permissions'));
  purge.addEventListener('submit', async (e) => {
    e.preventDefault();
    const svc = purgeName.value.trim();
    if (!await confirmAction({ title: `Delete every permission of ${svc}?`, body: `All resource permissions and shares registered by the service “${svc}” are deleted. This cannot be undone.`, confirm: 'Delete permissions' })) return;
    const r = await act(e.submitter, () => del(`/admin/permissions/service/${encodeURIComponent(svc)}`));
    if (r) { purgeName.value = ''; await permissions(main, ctx); }
  });
  clear(main, h('h1', {}, 'Permissions'),
    filterForm('Filter permissions', [
      field('Service', h('input', { name: 'service_name', value: q.service_name })),
      field('Workspace id', h('input', { name: 'workspace_id', value: q.workspace_id })),
      field('Resource id starts with', h('input', { name: 'resource_id', value: q.resource_id })),
      field('Owner email contains', h('input', { name: 'owner', value: q.owner })),
      field('Order', sort),
    ], (v) => ctx.go('permissions', v), 'Filter'),
    results,
    h('h2', {}, 'Purge a service'), purge);
  const data = await get('/admin/permissions', { ...q, page, page_size: 20 });
  if (!ctx.current()) return;
  const detail = h('section', { 'aria-label': 'Selected permission', 'aria-live': 'polite' });
  clear(results,
    table('Resource permissions', [
      { label: 'Service', value: (p) => h('code', {}, p.service_name) },
      { label: 'Type', value: (p) => p.resource_type },
      { label: 'Resource', value: (p) => h('code', {}, p.resource_id) },
      { label: 'Owner', value: (p) => p.owner_email ?? '—' },
      { label: 'Visibility', value: (p) => p.visibility },
      { label: 'Shares', value: (p) => p.share_count, num: true },
      { label: 'Created', value: (p) => fmtDate(p.created_at) },
      { label: 'Actions', value: (p) => button('Manage', () => manage(detail, p.id), 'small', { 'aria-label': `Manage ${p.resource_type} ${p.resource_id}` }) },
    ], data.items, 'No resource permissions match. Services register them through the API.'),
    detail,
    data.total > 0 ? pager(data, (p) => ctx.go('permissions', { ...q, page: p }), 'Permission pages') : null);
}

export async function serviceActions(main, ctx) {
  const service = ctx.query.get('service_name') ?? '';
  const results = h('section', { 'aria-label': 'Results' }, loading());
  clear(main, h('h1', {}, 'Service actions'),
    h('p', { class: 'muted' }, 'Actions are registered by services; roles grant them to workspace members.'),
    filterForm('Filter service actions', [field('Service', h('input', { name: 'service_name', value: service }))], (v) => ctx.go('service-actions', v), 'Filter'),
    results);
  const list = await get('/admin/service-actions', { service_name: service });
  if (!ctx.current()) return;
  const render = (items) => clear(results, table('Registered actions', [
    { label: 'Service', value: (a) => h('code', {}, a.service_name) },
    { label: 'Action', value: (a) => h('code', {}, a.action) },
    { label: 'Description', value: (a) => a.description },
    { label: 'Registered', value: (a) => fmtDate(a.created_at) },
    {
      label: 'Actions',
      value: (a) => button('Delete', async (e) => {
        if (!await confirmAction({ title: `Delete ${a.service_name}:${a.action}?`, body: 'Roles that grant it lose it.', confirm: 'Delete action' })) return;
        if (await act(e.currentTarget, () => del(`/admin/service-actions/${a.id}`), 'Service action deleted.')) render(items.filter((x) => x.id !== a.id));
      }, 'small danger', { 'aria-label': `Delete ${a.service_name}:${a.action}` }),
    },
  ], items, service ? `The service “${service}” has registered no actions.` : 'No service has registered actions yet.'));
  render(list);
}

/** One resource permission: its visibility, its shares, a share form (user or group of the workspace, view or edit). */
async function manage(box, id) {
  clear(box, loading());
  const p = await get(`/admin/permissions/${id}`).catch((e) => e);
  if (p instanceof Error) { clear(box, errorBox(p)); return; }
  const [people, groups] = await Promise.all([get(`/admin/workspaces/${p.workspace_id}/members`), get(`/admin/workspaces/${p.workspace_id}/groups`)].map((x) => x.catch(() => [])));
  const names = new Map([...people.map((m) => [m.user_id, m.email]), ...groups.map((g) => [g.id, `group ${g.name}`])]);
  const visibility = select([['workspace', 'Workspace (every member)'], ['private', 'Private (owner and shares)']], p.visibility);
  visibility.name = 'visibility';
  const visForm = h('form', { class: 'row', 'aria-label': 'Change visibility' }, field('Visibility', visibility), h('button', { type: 'submit', class: 'button' }, 'Save visibility'));
  visForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (visibility.value === p.visibility) return;
    if (visibility.value === 'private' && !await confirmAction({ title: 'Make this resource private?', body: 'Workspace members without a share lose access to it.', confirm: 'Make private' })) return;
    if (await act(e.submitter, () => patch(`/admin/permissions/${id}/visibility`, { visibility: visibility.value }), `Visibility is now ${visibility.value}.`)) await manage(box, id);
  });
  const grantee = select([['', 'Choose a member or group…'], ...people.map((m) => [`user:${m.user_id}`, m.email]), ...groups.map((g) => [`group:${g.id}`, `Group: ${g.name}`])], '');
  grantee.required = true;
  const permission = select([['view', 'View'], ['edit', 'Edit']], 'view');
  const shareForm = h('form', { class: 'row', 'aria-label': 'Share this resource' }, field('Share with', grantee), field('Permission', permission), h('button', { type: 'submit', class: 'button primary' }, 'Share'));
  shareForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!grantee.value) return;
    const [type, granteeId] = grantee.value.split(':');
    if (await act(e.submitter, () => post(`/admin/permissions/${id}/share`, { grantee_type: type, grantee_id: granteeId, permission: permission.value }), 'Shared.')) await manage(box, id);
  });
  clear(box, h('div', { class: 'card' },
    h('h2', {}, `${p.service_name} · ${p.resource_type} `, h('code', {}, p.resource_id)),
    props([['Owner', p.owner_email], ['Visibility', p.visibility], ['Workspace', h('a', { href: `#/workspaces/${p.workspace_id}` }, p.workspace_id)], ['Created', fmtDate(p.created_at)]]),
    visForm,
    h('h3', {}, 'Shares'),
    table('Shares of this resource', [
      { label: 'Grantee', value: (s) => names.get(s.grantee_id) ?? `${s.grantee_type} ${s.grantee_id}` },
      { label: 'Type', value: (s) => s.grantee_type },
      { label: 'Permission', value: (s) => s.permission },
      { label: 'Granted', value: (s) => fmtDate(s.granted_at) },
      {
        label: 'Actions',
        value: (s) => button('Unshare', async (e) => {
          if (!await confirmAction({ title: 'Remove this share?', body: `${names.get(s.grantee_id) ?? s.grantee_id} loses the ${s.permission} permission on this resource.`, confirm: 'Unshare' })) return;
          if (await act(e.currentTarget, () => del(`/admin/permissions/${id}/share`, { grantee_type: s.grantee_type, grantee_id: s.grantee_id }), 'Share removed.')) await manage(box, id);
        }, 'small danger', { 'aria-label': `Unshare ${names.get(s.grantee_id) ?? s.grantee_id}` }),
      },
    ], p.shares, 'Not shared with anyone. Share it with a member or a group below.'),
    shareForm));
}
