// Audit: who changed what, when, and how it ended; filtered by resource and action.
import { get } from '../api.js';
import { t } from '../i18n.js';
import { h, time, pageHeader } from '../ui.js';
import { listView } from '../listview.js';

export async function render(container) {
  const action = h('input', { type: 'search', 'aria-label': t('audit.action'), placeholder: t('audit.action') });
  const list = listView({
    label: t('nav.audit'),
    rowKey: event => String(event.event_id),
    extraFilters: [action],
    columns: [
      { label: t('audit.at'), value: event => time(event.at) },
      { label: t('audit.principal'), value: event => event.principal ?? '' },
      { label: t('audit.action'), value: event => event.action },
      { label: t('tasks.resource'), value: event => event.resource_id },
      { label: t('audit.outcome'), value: event => event.outcome },
      { label: t('field.error'), value: event => event.error ? `${event.error}${event.error_code ? ` (${event.error_code})` : ''}` : '' },
      { label: t('audit.address'), value: event => event.remote_address ?? '' },
    ],
    load: ({ page, pageSize, filter }) => get('/api/v1/audit/list', { resource_id: filter, action: action.value.trim(), page_num: page, page_size: pageSize }),
  });
  container.append(pageHeader(t('nav.audit')), h('p', { class: 'hint' }, t('audit.filterHelp')), list.element);
  await list.refresh();
}
