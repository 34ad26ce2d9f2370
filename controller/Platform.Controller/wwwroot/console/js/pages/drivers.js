// Driver center, system drivers: upload (.iso universal, .tq extracted) with progress, edit, delete.
import { get, put, post, upload } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { h, bytes, time, badge, pageHeader, button, notify, replace, progressBar } from '../ui.js';
import { openForm, confirmDelete } from '../forms.js';
import { listView } from '../listview.js';

export const environments = ['Windows7_32', 'Windows7_64', 'Windows10_32', 'Windows10_64'].map((name, index) => ({ value: String(index + 1), label: name }));

export async function render(container) {
  const list = listView({
    label: t('nav.drivers'),
    rowKey: driver => String(driver.id),
    columns: [
      { label: t('field.name'), value: driver => driver.name },
      { label: t('drivers.environment'), value: driver => driver.environment },
      { label: t('drivers.type'), value: driver => t(`drivers.type${driver.type}`) },
      { label: t('field.size'), value: driver => bytes(driver.size) },
      { label: t('drivers.templates'), value: driver => driver.tpl_num },
      { label: t('field.status'), value: driver => badge(driver.status) },
      { label: t('field.describe'), value: driver => driver.describe },
      { label: t('field.created'), value: driver => time(driver.create_at) },
    ],
    load: () => get('/thor/voi/driver'),
    rowActions: (driver, refresh) => [
      can('PUT', '/thor/voi/driver') ? button(t('action.edit'), () => edit(driver, refresh)) : null,
      can('POST', '/thor/voi/driver') ? button(t('action.delete'), () => remove(driver, refresh), { kind: 'danger' }) : null,
    ],
  });
  container.append(
    pageHeader(t('nav.drivers'), can('POST', '/thor/voi/driver/upload') ? button(t('drivers.upload'), () => uploadDriver(list.refresh), { kind: 'primary' }) : null),
    h('p', { class: 'hint' }, t('drivers.help')),
    list.element);
  await list.refresh();
}

/** The upload form of both driver kinds: the file, its fields, and a bar of the bytes sent. */
export function uploadForm({ title, path, accept, fields, done }) {
  const bar = progressBar(0, t('common.uploadProgress'));
  const status = h('p', { class: 'hint upload-status', role: 'status' });
  openForm({
    title,
    fields: [{ name: 'file', label: t('drivers.file'), type: 'file', required: true, accept }, ...fields],
    extra: h('div', { class: 'upload-progress' }, bar, status),
    submitLabel: title,
    submit: async ({ file, ...values }) => {
      if (!file) return { ok: false, code: -1, message: t('drivers.chooseFile'), errors: [] };
      const answer = await upload(path, file, values, (sent, total) => {
        bar.value = Math.round(sent * 100 / total);
        replace(status, t('common.sent', { sent: bytes(sent), total: bytes(total) }));
      });
      replace(status, answer.ok ? t('common.done') : '');
      return answer;
    },
    done,
  });
}

function uploadDriver(refresh) {
  uploadForm({
    title: t('drivers.upload'),
    path: '/thor/voi/driver/upload',
    accept: '.iso,.tq',
    fields: [
      { name: 'name', label: t('field.name'), maxLength: 64, help: t('drivers.nameHelp') },
      { name: 'os_type', label: t('drivers.environment'), type: 'select', options: environments, value: '4' },
      { name: 'describe', label: t('field.describe'), type: 'textarea', maxLength: 1024 },
    ],
    done: () => { notify(t('drivers.uploaded')); refresh(); },
  });
}

function edit(driver, refresh) {
  openForm({
    title: t('drivers.edit', { name: driver.name }),
    fields: [
      { name: 'name', label: t('field.name'), required: true, value: driver.name, maxLength: 64 },
      { name: 'os_type', label: t('drivers.environment'), type: 'select', options: environments, value: String(driver.os_type) },
      { name: 'describe', label: t('field.describe'), type: 'textarea', value: driver.describe, maxLength: 1024 },
    ],
    submit: values => put('/thor/voi/driver', { id: driver.id, ...values }),
    done: () => { notify(t('common.saved')); refresh(); },
  });
}

function remove(driver, refresh) {
  confirmDelete({
    title: t('drivers.delete', { name: driver.name }),
    text: driver.tpl_num > 0 ? t('drivers.deleteUsed', { count: driver.tpl_num }) : undefined,
    submit: () => post('/thor/voi/driver', { action: 'delete', ids: [driver.id] }),
    done: () => { notify(t('drivers.deleted', { name: driver.name })); refresh(); },
  });
}
