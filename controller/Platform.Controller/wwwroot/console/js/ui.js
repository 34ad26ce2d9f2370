// Small DOM helpers. Text from the server only ever becomes text nodes or attribute values
// (never HTML), so a name like "<img onerror=…>" shows as typed.
import { t } from './i18n.js';

/** h('button', { class: 'x', onclick }, 'label', child…) */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function bytes(value) {
  if (value === null || value === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = Number(value);
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit++; }
  return `${size.toFixed(unit === 0 || size >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function time(unixSeconds) {
  if (!unixSeconds) return '';
  return new Date(unixSeconds * 1000).toLocaleString();
}

/** A state as a badge whose colour says whether it is settled, moving or failed. */
export function badge(state) {
  const tone = ['error', 'failed', 'down', 'crashed', '3'].includes(String(state)) ? 'bad'
    : ['creating', 'attaching', 'detaching', 'deleting', 'destroying', 'starting', 'stopping', 'pending', 'running-task', '2', '4'].includes(String(state)) ? 'busy'
      : 'ok';
  return h('span', { class: `badge ${tone}`, dataset: { state: String(state) } }, t(`state.${state}`));
}

/** A transient message; failures stay until dismissed. */
export function notify(message, kind = 'info') {
  const box = document.getElementById('notices');
  const note = h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', {}, message),
    h('button', { type: 'button', class: 'link', 'aria-label': t('common.dismiss'), onclick: () => note.remove() }, '×'));
  box.append(note);
  if (kind !== 'error') setTimeout(() => note.remove(), 6000);
}

/** The server's failure as the user sees it: its message (and the stable code, for support). */
export function failureText(answer) {
  return answer.code > 0 ? `${answer.message} (${answer.code})` : answer.message;
}

export function progressBar(percent, label) {
  const bar = h('progress', { max: 100, value: Math.max(0, Math.min(100, percent ?? 0)), 'aria-label': label ?? t('common.progress') });
  return bar;
}

/** A page's heading with its actions. */
export function pageHeader(title, ...actions) {
  return h('div', { class: 'page-header' }, h('h1', {}, title), h('div', { class: 'actions' }, actions));
}

export function button(label, onclick, { kind = '', disabled = false, title, testId } = {}) {
  return h('button', { type: 'button', class: `btn ${kind}`, onclick, disabled, title, dataset: testId ? { testid: testId } : undefined }, label);
}

/** Definition list of label → value pairs for detail panels. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '')]));
}

/** A row's state, with the reason under it when it failed. */
export function stateWithError(item, state = item.status) {
  return [badge(state), item.error ? h('small', { class: 'row-error' }, item.error) : null];
}
