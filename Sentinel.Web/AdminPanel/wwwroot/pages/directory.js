import { get, del } from '../api.js';
import { h, clear, table, pager, field, filterForm, fmtDate, button, confirmAction, act, select, loading } from '../ui.js';

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
  clear(results,
    table('Resource permissions', [
      { label: 'Service', value: (p) => h('code', {}, p.service_name) },
      { label: 'Type', value: (p) => p.resource_type },
      { label: 'Resource', value: (p) => h('code', {}, p.resource_id) },
      { label: 'Owner', value: (p) => p.owner_email ?? '—' },
      { label: 'Visibility', value: (p) => p.visibility },
      { label: 'Shares', value: (p) => p.share_count, num: true },
      { label: 'Created', value: (p) => fmtDate(p.created_at) },
    ], data.items, 'No resource permissions match. Services register them through the API.'),
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
