// Small DOM helpers. Text always goes in as text (never as HTML), so API data cannot inject markup.
import { ApiError } from './api.js';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let idSeq = 0;
export const uid = (prefix = 'f') => `${prefix}-${++idSeq}`;

/** A labelled control: <div class="field"><label for=id>Label</label><input id=id …></div>. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid();
  const parts = [h('label', { for: control.id, text: label }), control];
  if (hint) {
    const hintId = uid('hint');
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'muted', text: hint }));
  }
  return h('div', { class: 'field' }, parts);
}

export function select(options, value) {
  const el = h('select');
  for (const o of options) {
    const [v, label] = Array.isArray(o) ? o : [o, o];
    el.append(h('option', { value: v, text: label, selected: v === value }));
  }
  return el;
}

export function button(label, onclick, cls = '', attrs = {}) {
  return h('button', { type: 'button', class: `button ${cls}`.trim(), onclick, ...attrs }, label);
}

/** A message a person can act on; API errors show the API's own `detail`. */
export function describe(err) {
  if (err instanceof ApiError) {
    if (err.status === 404) return `Not found: ${err.detail}`;
    if (err.status === 403) return `Not allowed: ${err.detail}`;
    return err.detail;
  }
  return err?.message ?? String(err);
}

export function errorBox(err) {
  return h('p', { class: 'alert error', role: 'alert' }, describe(err));
}

export function toast(message, kind = 'ok') {
  const host = document.getElementById('toasts');
  const t = h('div', { class: `toast ${kind === 'error' ? 'error' : ''}` }, message);
  t.dataset.page = location.hash;
  t.dataset.at = String(Date.now());
  host.append(t);
  setTimeout(() => t.remove(), 6000);
}

/**
 * Drops the toasts of the page being left: a toast ("Key rotated.") belongs to the page where its action ran. A toast
 * raised by an action that itself navigates (delete, then back to the list) names the page it was raised on, which is
 * the page being left, so it is kept when raised within the last second.
 */
export function clearToasts() {
  const now = location.hash;
  for (const t of document.querySelectorAll('#toasts .toast')) {
    const fresh = Date.now() - Number(t.dataset.at ?? 0) < 1000;
    if (t.dataset.page !== now && !fresh) t.remove();
  }
}

/** Confirmation before anything destructive. Resolves true only when the person confirms. */
export function confirmAction({ title, body, confirm = 'Confirm' }) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-body').textContent = body;
  document.getElementById('confirm-ok').textContent = confirm;
  const opener = document.activeElement;
  dialog.returnValue = '';
  dialog.showModal();
  document.getElementById('confirm-cancel').focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
  });
}

/** Runs an action with the button disabled; reports failure as a toast and returns undefined. */
export async function act(btn, fn, success) {
  if (btn) btn.disabled = true;
  try {
    const result = await fn();
    if (success) toast(success);
    return result ?? true;
  } catch (e) {
    toast(describe(e), 'error');
    return undefined;
  } finally {
    if (btn?.isConnected) btn.disabled = false;
  }
}

export function fmtDate(value) {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}

export function yesNo(value, yes = 'Yes', no = 'No') {
  return h('span', { class: `badge ${value ? 'ok' : 'off'}` }, value ? yes : no);
}

/**
 * A table with a caption and header cells. columns: [{ label, value(row) → Node|string, num? }].
 * With no rows, an empty state sentence instead.
 */
export function table(caption, columns, rows, empty) {
  if (!rows?.length) return h('p', { class: 'empty' }, empty ?? 'Nothing here yet.');
  // A wide table scrolls inside its own region, which the keyboard can reach and scroll too.
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : '' }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.num ? 'num' : '' }, c.value(r) ?? '—')))))));
}

/** Paging for the API's {items,total,page,page_size}. */
export function pager(data, onPage, label = 'Pages') {
  const pages = Math.max(1, Math.ceil((data.total ?? 0) / (data.page_size || 20)));
  const page = data.page ?? 1;
  return h('nav', { class: 'pager', 'aria-label': label },
    button('Previous', () => onPage(page - 1), 'small', { disabled: page <= 1 }),
    h('span', {}, `Page ${page} of ${pages} · ${data.total ?? 0} in all`),
    button('Next', () => onPage(page + 1), 'small', { disabled: page >= pages }));
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'muted', role: 'status' }, text);
}

export function props(pairs) {
  return h('dl', { class: 'props' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

/** A labelled search/filter form that calls onSubmit with its values (by control name). */
export function filterForm(label, controls, onSubmit, submit = 'Search') {
  const form = h('form', { class: 'row', role: 'search', 'aria-label': label }, controls, h('button', { type: 'submit', class: 'button primary' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const values = {};
    for (const el of form.elements) if (el.name) values[el.name] = el.value.trim();
    onSubmit(values);
  });
  return form;
}
