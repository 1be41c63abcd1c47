import { get } from '../api.js';
import { h, clear, table, pager, field, filterForm, fmtDate, loading } from '../ui.js';
import { activityRow } from './dashboard.js';

const FILTERS = ['action', 'target_type', 'workspace_id', 'actor_id', 'from_date', 'to_date'];

export async function activity(main, ctx) {
  const q = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) ?? '']));
  const page = Number(ctx.query.get('page') ?? 1) || 1;
  const results = h('section', { 'aria-label': 'Results' }, loading());
  clear(main, h('h1', {}, 'Activity log'),
    filterForm('Filter activity', [
      field('Action', h('input', { name: 'action', value: q.action, placeholder: 'e.g. user_login' })),
      field('Target type', h('input', { name: 'target_type', value: q.target_type, placeholder: 'e.g. user' })),
      field('Workspace id', h('input', { name: 'workspace_id', value: q.workspace_id })),
      field('Actor id', h('input', { name: 'actor_id', value: q.actor_id })),
      field('From', h('input', { type: 'date', name: 'from_date', value: q.from_date })),
      field('To', h('input', { type: 'date', name: 'to_date', value: q.to_date })),
    ], (v) => ctx.go('activity', v), 'Filter'),
    results);
  const data = await get('/admin/activity', { ...q, page, page_size: 25 });
  if (!ctx.current()) return;
  const filtered = FILTERS.some((k) => q[k]);
  clear(results,
    table('Events, newest first', [
      { label: 'When', value: (a) => fmtDate(a.created_at) },
      { label: 'Action', value: (a) => h('code', {}, a.action) },
      { label: 'By', value: activityRow },
      { label: 'Target', value: (a) => (a.target_type ? `${a.target_type} ${a.target_id ?? ''}` : '—') },
      { label: 'Details', value: (a) => (a.detail && Object.keys(a.detail).length ? h('code', {}, JSON.stringify(a.detail)) : '—') },
    ], data.items, filtered ? 'No events match these filters.' : 'No activity recorded yet.'),
    data.total > 0 ? pager(data, (p) => ctx.go('activity', { ...q, page: p }), 'Activity pages') : null);
}
