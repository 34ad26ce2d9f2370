// A list: filter box, table, pager. `load({ page, pageSize, filter })` returns an API answer
// whose data is a page ({ total, items }) or a plain array (the driver center's lists), which is
// then filtered and paged here. While a row is on its way between states (`isMoving`), the list
// refreshes itself so that the user sees it arrive.
import { h, replace, failureText, button } from './ui.js';
import { t } from './i18n.js';

const movingRefreshMilliseconds = 1500;
const movingStates = new Set(['creating', 'attaching', 'detaching', 'deleting', 'destroying', 'starting', 'stopping']);

/** A row whose status is a step between settled states. */
export const isMovingStatus = item => movingStates.has(item.status);

export function listView({ label, columns, load, rowActions, rowKey, isMoving, filter = true, pageSize = 20, extraFilters = [] }) {
  let page = 1;
  let filterText = '';
  let followUp;
  const status = h('p', { class: 'list-status', role: 'status' });
  const body = h('tbody');
  const pager = h('div', { class: 'pager' });
  const filterInput = h('input', { type: 'search', 'aria-label': t('common.filter'), placeholder: t('common.filter') });
  let debounce;
  filterInput.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { filterText = filterInput.value.trim(); page = 1; refresh(); }, 250);
  });
  for (const extra of extraFilters) extra.addEventListener('change', () => { page = 1; refresh(); });
  const table = h('table', { class: 'list', 'aria-label': label },
    h('thead', {}, h('tr', {}, columns.map(column => h('th', { scope: 'col' }, column.label)), rowActions ? h('th', { scope: 'col' }, t('common.actions')) : null)),
    body);

  async function refresh() {
    status.textContent = t('common.loading');
    const answer = await load({ page, pageSize, filter: filterText });
    if (!answer.ok) {
      status.textContent = failureText(answer);
      status.classList.add('error');
      return;
    }
    status.classList.remove('error');
    let { items, total } = Array.isArray(answer.data) ? pageOf(answer.data) : answer.data;
    const rows = items.map(item => h('tr', { dataset: { key: rowKey(item) } },
      columns.map(column => h('td', { dataset: { label: column.label } }, column.value(item))),
      rowActions ? h('td', { class: 'row-actions' }, rowActions(item, refresh)) : null));
    replace(body, rows);
    status.textContent = total === 0 ? t('common.empty') : t('common.showing', { from: (page - 1) * pageSize + 1, to: (page - 1) * pageSize + items.length, total });
    clearTimeout(followUp);
    if (isMoving && items.some(isMoving)) followUp = setTimeout(() => { if (element.isConnected) refresh(); }, movingRefreshMilliseconds);
    const pages = Math.max(1, Math.ceil(total / pageSize));
    replace(pager,
      button(t('common.previous'), () => { page--; refresh(); }, { disabled: page <= 1 }),
      h('span', {}, t('common.page', { page, pages })),
      button(t('common.next'), () => { page++; refresh(); }, { disabled: page >= pages }));
  }

  function pageOf(all) {
    const needle = filterText.toLowerCase();
    const matching = needle ? all.filter(item => JSON.stringify(item).toLowerCase().includes(needle)) : all;
    return { total: matching.length, items: matching.slice((page - 1) * pageSize, page * pageSize) };
  }

  const element = h('section', { class: 'list-view' },
    h('div', { class: 'list-tools' }, filter ? filterInput : null, extraFilters, button(t('common.refresh'), () => refresh())),
    h('div', { class: 'table-scroll' }, table), status, pager);
  return { element, refresh };
}
