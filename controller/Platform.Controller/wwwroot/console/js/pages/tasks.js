// Tasks, newest first, filtered by state and resource.
import { get } from '../api.js';
import { t } from '../i18n.js';
import { h, badge, time, pageHeader, progressBar } from '../ui.js';
import { listView } from '../listview.js';

export async function render(container) {
  const state = h('select', { 'aria-label': t('field.status') }, ['', 'pending', 'running', 'succeeded', 'failed'].map(value => h('option', { value }, value ? t(`state.${value}`) : t('common.allStates'))));
  const list = listView({
    isMoving: task => task.state === 'pending' || task.state === 'running',
    label: t('nav.tasks'),
    rowKey: task => task.task_id,
    extraFilters: [state],
    columns: [
      { label: t('field.id'), value: task => task.task_id },
      { label: t('tasks.kind'), value: task => task.kind },
      { label: t('tasks.resource'), value: task => task.resource_id },
      { label: t('field.status'), value: task => badge(task.state) },
      { label: t('tasks.step'), value: task => [progressBar(task.percent), ` ${task.step}`] },
      { label: t('field.error'), value: task => task.error ?? '' },
      { label: t('field.created'), value: task => time(task.create_time) },
      { label: t('tasks.finished'), value: task => time(task.finish_time) },
    ],
    // The filter box takes a resource id (the API filters tasks by resource, not by text).
    load: ({ page, pageSize, filter }) => get('/api/v1/tasks/list', { resource_id: filter, state: state.value, page_num: page, page_size: pageSize }),
  });
  container.append(pageHeader(t('nav.tasks')), h('p', { class: 'hint' }, t('tasks.filterHelp')), list.element);
  await list.refresh();
}
