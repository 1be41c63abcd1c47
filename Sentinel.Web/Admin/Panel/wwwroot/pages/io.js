import { api, get } from '../api.js';
import { h, clear, table, field, button, act, confirmAction, describe, errorBox } from '../ui.js';

// The preview lists at most this many rows (the problems first): a 10,000-row table would freeze the page.
const PREVIEW_ROWS = 100;

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const seconds = (s) => (s == null ? '—' : s < 1 ? 'under a second' : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

export async function importExport(main, ctx) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true });
  const previewBox = h('section', { 'aria-label': 'Import preview' });
  const form = h('form', { class: 'card', 'aria-label': 'Import users from CSV' },
    h('p', {}, 'The file needs the header ', h('code', {}, 'email,name,workspace_slug,role'), '. A blank role means viewer. New users are linked to their identity provider account by email when they first sign in.'),
    h('p', { class: 'muted' }, 'The whole file is checked first; the valid rows are then written in batches in one transaction, so a cancelled or failed import leaves nothing behind.'),
    h('div', { class: 'row' }, field('CSV file (up to 5 MB)', file), h('button', { type: 'submit', class: 'button primary' }, 'Preview import')));
  const send = (path) => {
    const body = new FormData();
    body.append('file', file.files[0]);
    return api('POST', path, { form: body });
  };
  let stopped = false;
  ctx?.onLeave?.(() => { stopped = true; });

  /** Polls the job until it ends, drawing the progress bar, rows per second and the ETA. */
  async function follow(job) {
    const bar = h('progress', { max: String(Math.max(job.valid_rows, 1)), value: '0', 'aria-label': 'Rows written' });
    const line = h('p', { role: 'status', 'aria-live': 'polite' }, 'Starting…');
    const cancel = button('Cancel import', async (ev) => {
      if (!await confirmAction({ title: 'Cancel this import?', body: 'The rows written so far are rolled back: no user from this file will be imported.', confirm: 'Cancel import' })) return;
      await act(ev.currentTarget, () => api('POST', `/admin/import/csv/jobs/${job.job_id}/cancel`));
    }, 'danger');
    const box = h('div', { class: 'card', 'data-job': job.job_id }, h('h2', {}, 'Importing'), bar, line, h('div', { class: 'row' }, cancel));
    clear(previewBox, box);
    let s = job;
    while (!stopped) {
      bar.value = s.processed;
      line.textContent = `${s.processed} of ${s.valid_rows} valid rows written · ${s.rows_per_second} rows/s · about ${seconds(s.eta_seconds)} left · state: ${s.state}`;
      if (s.done) break;
      await new Promise((r) => setTimeout(r, 500));
      try {
        s = await get(`/admin/import/csv/jobs/${job.job_id}`);
      } catch (e) {
        clear(previewBox, errorBox(e));
        return;
      }
    }
    if (stopped) return;
    const report = h('a', { class: 'button', href: `/admin/import/csv/jobs/${s.job_id}/errors.csv`, download: `import-errors.csv` }, `Download the error report (${plural(s.error_count, 'row')})`);
    if (s.state === 'completed') {
      clear(previewBox, h('h2', {}, 'Import finished'),
        h('p', { class: 'alert ok', role: 'status' }, `${s.users_created} user(s) created, ${s.memberships_added} membership(s) added.`),
        h('p', {}, `${s.rows_landed} valid rows written in ${seconds(s.elapsed_seconds)} (${s.rows_per_second} rows/s).`),
        s.error_count ? h('p', {}, `${plural(s.error_count, 'row')} not imported. `, report) : h('p', {}, 'Every row was imported.'),
        h('p', {}, h('a', { href: '#/users' }, 'See the users')));
    } else {
      clear(previewBox, h('h2', {}, s.state === 'cancelled' ? 'Import cancelled' : 'Import failed'),
        h('p', { class: 'alert error', role: 'alert' }, s.message ?? 'Nothing was imported.'),
        s.error_count ? h('p', {}, report) : null);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!file.files.length) return;
    const preview = await act(e.submitter, () => send('/admin/import/csv/preview'));
    if (!preview) return;
    const execute = button(`Import ${preview.valid_count} valid row${preview.valid_count === 1 ? '' : 's'}`, async (ev) => {
      if (!await confirmAction({ title: 'Import these users?', body: `${preview.valid_count} row(s) will be imported; ${preview.error_count} row(s) with errors are skipped.`, confirm: 'Import' })) return;
      const job = await act(ev.currentTarget, () => send('/admin/import/csv/jobs'));
      if (job) await follow(job);
    }, 'primary', { disabled: preview.valid_count === 0 });
    const shown = [...preview.rows.map((r, i) => ({ ...r, line: i + 2 })).filter((r) => r.error), ...preview.rows.map((r, i) => ({ ...r, line: i + 2 })).filter((r) => !r.error)].slice(0, PREVIEW_ROWS);
    clear(previewBox, h('h2', {}, 'Preview'),
      h('p', { role: 'status' }, `${preview.valid_count} valid row(s), ${preview.error_count} with errors. Nothing has been imported yet.`),
      preview.rows.length > PREVIEW_ROWS ? h('p', { class: 'muted' }, `Showing ${PREVIEW_ROWS} of ${preview.rows.length} rows, those with problems first.`) : null,
      table('Rows in the file', [
        { label: 'Row', value: (r) => String(r.line), num: true },
        { label: 'Email', value: (r) => r.email || '—' },
        { label: 'Name', value: (r) => r.name || '—' },
        { label: 'Workspace', value: (r) => r.workspace_slug || '—' },
        { label: 'Role', value: (r) => r.role || '—' },
        { label: 'Problem', value: (r) => (r.error ? h('span', { class: 'badge off' }, r.error) : 'OK') },
      ], shown, preview.error_count ? 'The file could not be read: check the header line.' : 'The file has no rows.'),
      h('div', { class: 'row' }, execute));
  });
  file.addEventListener('change', () => clear(previewBox));

  clear(main, h('h1', {}, 'Import and export'),
    h('h2', {}, 'Import users from CSV'), form, previewBox,
    h('h2', {}, 'Export'),
    h('p', { class: 'muted' }, 'Exports are streamed page by page; the progress counts rows as they arrive, and Cancel stops the download (nothing is written anywhere).'),
    exporter('users', 'Download all users (CSV)', () => get('/admin/stats').then((s) => s.total_users)),
    exporter('workspaces', 'Download all workspaces (CSV)', () => get('/admin/stats').then((s) => s.total_workspaces)),
    h('p', {}, 'Plain links, without progress: ',
      h('a', { href: '/admin/export/users', download: 'users.csv' }, 'users.csv'), ' · ',
      h('a', { href: '/admin/export/workspaces', download: 'workspaces.csv' }, 'workspaces.csv')));

  /** A streamed export with a progress bar (rows received of the expected total), rows/s and a Cancel. */
  function exporter(kind, label, total) {
    const bar = h('progress', { max: '1', value: '0', 'aria-label': `${kind} export progress`, hidden: true });
    const line = h('span', { role: 'status', class: 'muted' });
    let abort = null;
    const cancel = button('Cancel', () => abort?.abort(), '', { hidden: true });
    const start = button(label, async () => {
      abort = new AbortController();
      start.disabled = true;
      cancel.hidden = false;
      bar.hidden = false;
      const began = performance.now();
      let expected = 0;
      try {
        expected = (await total()) ?? 0;
      } catch { /* the count only sizes the bar */ }
      bar.max = Math.max(expected, 1);
      try {
        const response = await fetch(`/admin/export/${kind}`, { credentials: 'same-origin', signal: abort.signal });
        if (!response.ok) throw new Error(`The export failed (HTTP ${response.status}).`);
        const reader = response.body.getReader();
        const chunks = [];
        let rows = -1;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          for (const b of value) if (b === 10) rows++;
          const secs = (performance.now() - began) / 1000;
          bar.value = Math.max(rows, 0);
          line.textContent = `${Math.max(rows, 0)} of about ${expected} rows · ${Math.round(Math.max(rows, 0) / Math.max(secs, 0.001))} rows/s`;
        }
        const url = URL.createObjectURL(new Blob(chunks, { type: 'text/csv' }));
        const a = h('a', { href: url, download: `${kind}.csv` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        line.textContent = `${Math.max(rows, 0)} rows exported.`;
      } catch (e) {
        line.textContent = e.name === 'AbortError' ? 'Export cancelled.' : describe(e);
      } finally {
        start.disabled = false;
        cancel.hidden = true;
      }
    });
    return h('div', { class: 'row' }, start, cancel, bar, line);
  }
}
