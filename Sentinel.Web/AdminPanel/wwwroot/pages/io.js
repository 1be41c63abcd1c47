import { api } from '../api.js';
import { h, clear, table, field, button, act, confirmAction } from '../ui.js';

export async function importExport(main) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true });
  const previewBox = h('section', { 'aria-live': 'polite', 'aria-label': 'Import preview' });
  const form = h('form', { class: 'card', 'aria-label': 'Import users from CSV' },
    h('p', {}, 'The file needs the header ', h('code', {}, 'email,name,workspace_slug,role'), '. A blank role means viewer. New users are linked to their identity provider account by email when they first sign in.'),
    h('div', { class: 'row' }, field('CSV file (up to 5 MB)', file), h('button', { type: 'submit', class: 'button primary' }, 'Preview import')));
  const send = (path) => {
    const body = new FormData();
    body.append('file', file.files[0]);
    return api('POST', path, { form: body });
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!file.files.length) return;
    const preview = await act(e.submitter, () => send('/admin/import/csv/preview'));
    if (!preview) return;
    const execute = button(`Import ${preview.valid_count} valid row${preview.valid_count === 1 ? '' : 's'}`, async (ev) => {
      if (!await confirmAction({ title: 'Import these users?', body: `${preview.valid_count} row(s) will be imported; ${preview.error_count} row(s) with errors are skipped.`, confirm: 'Import' })) return;
      const result = await act(ev.currentTarget, () => send('/admin/import/csv/execute'));
      if (!result) return;
      clear(previewBox, h('h2', {}, 'Import finished'),
        h('p', { class: 'alert ok', role: 'status' }, `${result.users_created} user(s) created, ${result.memberships_added} membership(s) added.`),
        result.errors?.length ? h('div', {}, h('h3', {}, 'Rows not imported'), h('ul', {}, result.errors.map((x) => h('li', {}, x)))) : null,
        h('p', {}, h('a', { href: '#/users' }, 'See the users')));
    }, 'primary', { disabled: preview.valid_count === 0 });
    clear(previewBox, h('h2', {}, 'Preview'),
      h('p', {}, `${preview.valid_count} valid row(s), ${preview.error_count} with errors. Nothing has been imported yet.`),
      table('Rows in the file', [
        { label: 'Email', value: (r) => r.email || '—' },
        { label: 'Name', value: (r) => r.name || '—' },
        { label: 'Workspace', value: (r) => r.workspace_slug || '—' },
        { label: 'Role', value: (r) => r.role || '—' },
        { label: 'Problem', value: (r) => (r.error ? h('span', { class: 'badge off' }, r.error) : 'OK') },
      ], preview.rows, preview.error_count ? 'The file could not be read: check the header line.' : 'The file has no rows.'),
      h('div', { class: 'row' }, execute));
  });
  file.addEventListener('change', () => clear(previewBox));
  clear(main, h('h1', {}, 'Import and export'),
    h('h2', {}, 'Import users from CSV'), form, previewBox,
    h('h2', {}, 'Export'),
    h('ul', {},
      h('li', {}, h('a', { href: '/admin/export/users', download: 'users.csv' }, 'Download all users (CSV)')),
      h('li', {}, h('a', { href: '/admin/export/workspaces', download: 'workspaces.csv' }, 'Download all workspaces (CSV)'))));
}
