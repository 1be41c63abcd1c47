import { get } from '../api.js';
import { h, clear, table, errorBox, fmtDate, loading } from '../ui.js';
import { lineChart } from '../chart.js';

const POLL_MS = 5000;
const CHART_POLL_MS = 10000;

/** `Sentinel.Grains.Sessions.UserSessionGrain,Sentinel.Grains` → `UserSessionGrain`. */
export const shortType = (t) => String(t ?? '').split(',')[0].replace(/`.*$/, '').split(/[.+]/).pop();

function stat(label, value) {
  return h('div', { class: 'stat' }, h('span', { class: 'value' }, value ?? '—'), h('span', { class: 'label' }, label));
}

export function activityRow(a) {
  return a.actor_name || a.actor_email || (a.actor_id ? a.actor_id.slice(0, 8) : 'system');
}

export async function dashboard(main, ctx) {
  const statsBox = h('section', { 'aria-labelledby': 'stats-h' }, h('h2', { id: 'stats-h' }, 'Overview'), loading());
  const clusterBox = h('section', { 'aria-labelledby': 'cluster-h' }, h('h2', { id: 'cluster-h' }, 'Cluster health'), loading());
  const activityBox = h('section', { 'aria-labelledby': 'recent-h' }, h('h2', { id: 'recent-h' }, 'Recent activity'), loading());
  const chartsBox = h('section', { 'aria-labelledby': 'charts-h' }, h('h2', { id: 'charts-h' }, 'Last hour'), loading());
  clear(main, h('h1', {}, 'Dashboard'), statsBox, chartsBox, clusterBox, activityBox);

  const [stats, recent] = await Promise.allSettled([get('/admin/stats'), get('/admin/activity', { page_size: 10 })]);
  if (!ctx.current()) return;
  if (stats.status === 'fulfilled') {
    const s = stats.value;
    clear(statsBox, h('h2', { id: 'stats-h' }, 'Overview'),
      h('div', { class: 'grid' },
        stat('Users', s.total_users), stat('Active users', s.active_users), stat('Inactive users', s.inactive_users),
        stat('Workspaces', s.total_workspaces), stat('Groups', s.total_groups), stat('Resources', s.total_resources)),
      h('div', { class: 'grid' }),
      table('Newest users', [
        { label: 'Email', value: (u) => h('a', { href: `#/users/${u.id}` }, u.email) },
        { label: 'Name', value: (u) => u.name },
        { label: 'Joined', value: (u) => fmtDate(u.created_at) },
      ], s.recent_users, 'No users yet.'),
      table('Largest workspaces', [
        { label: 'Workspace', value: (w) => h('a', { href: `#/workspaces/${w.id}` }, w.name) },
        { label: 'Slug', value: (w) => h('code', {}, w.slug) },
        { label: 'Members', value: (w) => w.member_count, num: true },
      ], s.top_workspaces, 'No workspaces yet.'));
  } else {
    clear(statsBox, h('h2', { id: 'stats-h' }, 'Overview'), errorBox(stats.reason));
  }
  if (recent.status === 'fulfilled') {
    clear(activityBox, h('h2', { id: 'recent-h' }, 'Recent activity'),
      table('The ten latest events', [
        { label: 'When', value: (a) => fmtDate(a.created_at) },
        { label: 'Action', value: (a) => h('code', {}, a.action) },
        { label: 'By', value: activityRow },
        { label: 'Target', value: (a) => a.target_type ? `${a.target_type} ${a.target_id?.slice(0, 8) ?? ''}` : '—' },
      ], recent.value.items, 'No activity recorded yet.'),
      h('p', {}, h('a', { href: '#/activity' }, 'See the full activity log')));
  } else {
    clear(activityBox, h('h2', { id: 'recent-h' }, 'Recent activity'), errorBox(recent.reason));
  }

  const controller = new AbortController();
  let timer;
  const poll = async () => {
    try {
      const cluster = await get('/admin/cluster', undefined, controller.signal);
      if (!ctx.current()) return;
      renderCluster(clusterBox, cluster);
    } catch (e) {
      if (e.name === 'AbortError' || !ctx.current()) return;
      clear(clusterBox, h('h2', { id: 'cluster-h' }, 'Cluster health'), errorBox(e));
    }
    if (ctx.current()) timer = setTimeout(poll, POLL_MS);
  };
  let chartTimer;
  const pollCharts = async () => {
    try {
      const m = await get('/admin/metrics', undefined, controller.signal);
      if (!ctx.current()) return;
      renderCharts(chartsBox, m);
    } catch (e) {
      if (e.name === 'AbortError' || !ctx.current()) return;
      clear(chartsBox, h('h2', { id: 'charts-h' }, 'Last hour'), errorBox(e));
    }
    if (ctx.current()) chartTimer = setTimeout(pollCharts, CHART_POLL_MS);
  };
  ctx.onLeave(() => { clearTimeout(timer); clearTimeout(chartTimer); controller.abort(); });
  await Promise.all([poll(), pollCharts()]);
}

/** Series of one name as chart lines; counters become per-second rates, gaps inside the recorded span become 0. */
function lines(m, name, { counter = false, label = (l) => l || name, top = 0 } = {}) {
  let found = m.series.filter((s) => s.name === name);
  if (top && found.length > top) {
    const last = (s) => [...s.values].reverse().find((v) => v != null) ?? 0;
    found = [...found].sort((a, b) => last(b) - last(a)).slice(0, top);
  }
  const first = counter ? Math.min(...m.series.filter((s) => ['sign_ins', 'refreshes', 'reuse_detections', 'rate_limited'].includes(s.name))
    .map((s) => s.values.findIndex((v) => v != null)).filter((i) => i >= 0)) : 0;
  return found.map((s) => ({
    label: label(s.label),
    values: s.values.map((v, i) => (counter ? (v == null ? (i >= first ? 0 : null) : v / m.bucket_seconds) : v)),
  }));
}

function renderCharts(box, m) {
  const opts = { start: new Date(m.start), step: m.bucket_seconds };
  clear(box, h('h2', { id: 'charts-h' }, 'Last hour'),
    h('p', { class: 'muted' }, `${m.bucket_seconds}-second buckets, summed over ${m.replicas} web replica(s) reporting · refreshes every ${CHART_POLL_MS / 1000} seconds · updated ${new Date().toLocaleTimeString()}`),
    h('div', { class: 'charts' },
      lineChart('Sign-ins per second by outcome', lines(m, 'sign_ins', { counter: true }), { ...opts, unit: '/s' }),
      lineChart('Refreshes per second', lines(m, 'refreshes', { counter: true, label: () => 'refreshes' }), { ...opts, unit: '/s' }),
      lineChart('Refresh token reuse detections per second', lines(m, 'reuse_detections', { counter: true, label: () => 'reuse detected' }), { ...opts, unit: '/s' }),
      lineChart('429 responses per second by tier', lines(m, 'rate_limited', { counter: true }), { ...opts, unit: '/s' }),
      lineChart('Grain calls per second (cluster)', lines(m, 'calls_per_second', { label: () => 'calls' }), { ...opts, unit: '/s' }),
      lineChart('Active grains by type', lines(m, 'grains', { top: 8 }), opts),
      lineChart('Grain calls per second by silo', lines(m, 'silo_calls_per_second'), { ...opts, unit: '/s' }),
      lineChart('Activations by silo', lines(m, 'silo_activations'), opts)));
}

const pick = (o, ...names) => names.map((n) => o?.[n]).find((v) => v !== undefined && v !== null);

function renderCluster(box, c) {
  const silos = pick(c, 'silos') ?? [];
  const grainsRaw = pick(c, 'grains', 'grain_counts', 'active_grains', 'grains_by_type') ?? [];
  const grains = Array.isArray(grainsRaw)
    ? grainsRaw
    : Object.entries(grainsRaw).map(([type, count]) => ({ type, count }));
  const total = grains.reduce((n, g) => n + (Number(pick(g, 'count', 'activations', 'active')) || 0), 0);
  const cps = pick(c, 'calls_per_second', 'requests_per_second', 'cps');
  const active = silos.filter((s) => String(pick(s, 'status') ?? '').toLowerCase() === 'active').length;
  clear(box, h('h2', { id: 'cluster-h' }, 'Cluster health'),
    h('p', { class: 'muted' }, `Updated ${new Date().toLocaleTimeString()} · refreshes every ${POLL_MS / 1000} seconds`),
    h('div', { class: 'grid' },
      stat('Silos active', `${active} of ${silos.length}`),
      stat('Active grains', total),
      stat('Calls per second', typeof cps === 'number' ? cps.toFixed(1) : (cps ?? '—'))),
    table('Silos', [
      { label: 'Address', value: (s) => h('code', {}, pick(s, 'address', 'silo_address', 'endpoint') ?? '—') },
      { label: 'Name', value: (s) => pick(s, 'name', 'silo_name', 'host_name') ?? '—' },
      { label: 'Status', value: (s) => pick(s, 'status') ?? '—' },
      { label: 'Started', value: (s) => fmtDate(pick(s, 'started', 'started_at', 'start_time')) },
      { label: 'Activations', value: (s) => pick(s, 'activation_count') ?? '—', num: true },
      { label: 'Calls/s', value: (s) => (typeof s.calls_per_second === 'number' ? s.calls_per_second.toFixed(1) : '—'), num: true },
    ], silos, 'No silo is reporting.'),
    table('Active grains by type', [
      { label: 'Grain type', value: (g) => h('code', { title: pick(g, 'type', 'grain_type', 'name') ?? '' }, shortType(pick(g, 'type', 'grain_type', 'name')) || '—') },
      { label: 'Activations', value: (g) => pick(g, 'count', 'activations', 'active') ?? 0, num: true },
    ], grains, 'No grains are active.'));
}
