import { get } from '../api.js';
import { h, clear, table, props, yesNo, errorBox, loading } from '../ui.js';

const ok = (s) => String(s ?? '').toLowerCase() === 'ok' || String(s ?? '').toLowerCase() === 'healthy';

export async function system(main, ctx) {
  const healthBox = h('section', { 'aria-labelledby': 'health-h' }, h('h2', { id: 'health-h' }, 'Health'), loading());
  const settingsBox = h('section', { 'aria-labelledby': 'settings-h' }, h('h2', { id: 'settings-h' }, 'Settings'), loading());
  clear(main, h('h1', {}, 'System'), healthBox, settingsBox);
  const [health, settings] = await Promise.allSettled([get('/admin/system/health'), get('/admin/system/settings')]);
  if (!ctx.current()) return;
  if (health.status === 'fulfilled') {
    const v = health.value;
    const checks = Object.entries(v.checks ?? {}).map(([name, c]) => ({ name, ...c }));
    clear(healthBox, h('h2', { id: 'health-h' }, 'Health'),
      h('p', { class: `alert ${ok(v.status) ? 'ok' : 'warn'}` }, `Overall: ${v.status}. Up for ${Math.round((v.uptime_seconds ?? 0) / 60)} minute(s). Version ${v.version ?? '—'}.`),
      table('Dependency checks', [
        { label: 'Dependency', value: (c) => c.name },
        { label: 'Status', value: (c) => yesNo(ok(c.status), 'OK', 'Error') },
        { label: 'Latency (ms)', value: (c) => (c.latency_ms == null ? '—' : Number(c.latency_ms).toFixed(1)), num: true },
        { label: 'Error', value: (c) => c.error ?? '—' },
      ], checks, 'No checks reported.'));
  } else clear(healthBox, h('h2', { id: 'health-h' }, 'Health'), errorBox(health.reason));
  if (settings.status === 'fulfilled') {
    const s = settings.value;
    clear(settingsBox, h('h2', { id: 'settings-h' }, 'Settings'),
      h('h3', {}, 'Identity providers'),
      table('Identity providers', [
        { label: 'Provider', value: (p) => p.name },
        { label: 'Configured', value: (p) => yesNo(p.configured) },
      ], s.oauth_providers, 'No providers listed.'),
      h('h3', {}, 'Tokens'),
      h('div', { class: 'card' }, props([
        ['Algorithm', s.jwt?.algorithm], ['Access token lifetime', `${s.jwt?.access_token_expire_minutes ?? '—'} minutes`],
        ['Refresh token lifetime', `${s.jwt?.refresh_token_expire_days ?? '—'} days`], ['Public key', h('code', {}, s.jwt?.public_key_preview ?? '—')],
        ['Revoked tokens still live', s.jwt?.denylist_count],
      ])),
      h('h3', {}, 'Security'),
      h('div', { class: 'card' }, props([
        ['Secure cookies', yesNo(s.security?.cookie_secure)], ['Allowed hosts', (s.security?.allowed_hosts ?? []).join(', ') || '—'],
        ['CORS origins', (s.security?.cors_origins ?? []).join(', ') || '—'], ['Session secret set', yesNo(s.security?.session_secret_configured)],
        ['Admin emails', (s.security?.admin_emails ?? []).join(', ') || '—'],
      ])),
      h('h3', {}, 'Rate limits'),
      table('Rate limits', [
        { label: 'Endpoint', value: (r) => h('code', {}, r.endpoint) },
        { label: 'Limit', value: (r) => r.limit },
      ], s.rate_limits, 'No rate limits listed.'),
      h('h3', {}, 'Addresses'),
      h('div', { class: 'card' }, props([
        ['API', s.service?.base_url], ['Frontend', s.service?.frontend_url], ['Admin panel', s.service?.admin_url],
      ])));
  } else clear(settingsBox, h('h2', { id: 'settings-h' }, 'Settings'), errorBox(settings.reason));
}
