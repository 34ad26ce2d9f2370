// Driver center, printer drivers: upload, rename, duplicate, delete, and the public config editor
// (local / shared / network). The stored password is never shown: the API answers only whether
// one is stored, and an empty password field leaves it as it is.
import { get, put, post } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { bytes, time, badge, pageHeader, button, notify } from '../ui.js';
import { openForm, confirmDelete } from '../forms.js';
import { listView } from '../listview.js';
import { uploadForm, environments } from './drivers.js';

/** The seed's paper codes and the other sizes by name, as the controller accepts them. */
const papers = [['8', 'A3'], ['9', 'A4'], ['11', 'A5'], ['12', 'B4'], ['13', 'B5'], ...['A1', 'A2', 'A6', 'A7', 'A8', 'B1', 'B2', 'B3', 'B6', 'B7', 'B8'].map(name => [name, name])]
  .map(([value, label]) => ({ value, label }));
/** Which config fields each printer type uses (as the controller reads them). */
const fieldsOfType = { 1: ['paper', 'duplex_print'], 2: ['paper', 'duplex_print', 'ip', 'accounts', 'password'], 3: ['paper', 'duplex_print', 'ip', 'port'] };

export async function render(container) {
  const list = listView({
    label: t('nav.printers'),
    rowKey: printer => String(printer.id),
    columns: [
      { label: t('field.name'), value: printer => printer.name },
      { label: t('drivers.environment'), value: printer => printer.environment },
      { label: t('printers.type'), value: printer => t(`printers.type${printer.type}`) },
      { label: t('printers.uploadedBy'), value: printer => printer.upload_type === 1 ? `${t('printers.terminal')} ${printer.client_name ?? ''} ${printer.client_mac ?? ''}` : t('printers.console') },
      { label: t('printers.terminals'), value: printer => printer.client_nums },
      { label: t('field.size'), value: printer => bytes(printer.size) },
      { label: t('field.status'), value: printer => badge(printer.status) },
      { label: t('field.created'), value: printer => time(printer.create_at) },
    ],
    load: () => get('/thor/voi/printer'),
    rowActions: (printer, refresh) => [
      can('POST', '/thor/voi/printer/config') ? button(t('printers.config'), () => configure(printer, refresh)) : null,
      can('PUT', '/thor/voi/printer') ? button(t('action.edit'), () => edit(printer, refresh)) : null,
      can('POST', '/thor/voi/printer/duplicate') ? button(t('printers.duplicate'), async () => {
        const answer = await post('/thor/voi/printer/duplicate', { id: printer.id });
        notify(answer.ok ? t('printers.duplicated', { name: printer.name }) : answer.message, answer.ok ? 'info' : 'error');
        refresh();
      }) : null,
      can('POST', '/thor/voi/printer') ? button(t('action.delete'), () => remove(printer, refresh), { kind: 'danger' }) : null,
    ],
  });
  container.append(
    pageHeader(t('nav.printers'), can('POST', '/thor/voi/printer/upload') ? button(t('printers.upload'), () => uploadForm({
      title: t('printers.upload'), path: '/thor/voi/printer/upload', accept: '.zip',
      fields: [
        { name: 'name', label: t('field.name'), maxLength: 64, help: t('drivers.nameHelp') },
        { name: 'os_type', label: t('drivers.environment'), type: 'select', options: environments, value: '4' },
        { name: 'describe', label: t('field.describe'), type: 'textarea', maxLength: 1024 },
      ],
      done: () => { notify(t('drivers.uploaded')); list.refresh(); },
    }), { kind: 'primary' }) : null),
    list.element);
  await list.refresh();
}

function configure(printer, refresh) {
  const { form } = openForm({
    title: t('printers.configOf', { name: printer.name }),
    fields: [
      { name: 'type', label: t('printers.type'), type: 'select', options: [1, 2, 3].map(type => ({ value: String(type), label: t(`printers.type${type}`) })), value: String(printer.type), onchange: (value, owner) => showFieldsOf(owner, value) },
      { name: 'paper', label: t('printers.paper'), type: 'select', options: papers, value: printer.paper ?? '9' },
      { name: 'duplex_print', label: t('printers.duplex'), type: 'select', value: String(printer.duplex_print ?? 1),
        options: [['1', 'printers.simplex'], ['21', 'printers.longEdge'], ['22', 'printers.shortEdge']].map(([value, key]) => ({ value, label: t(key) })) },
      { name: 'ip', label: t('printers.ip'), value: printer.ip ?? '' },
      { name: 'accounts', label: t('printers.account'), value: printer.accounts ?? '' },
      { name: 'password', label: t('printers.password'), type: 'password', autocomplete: 'new-password', help: printer.has_password ? t('printers.passwordKept') : t('printers.passwordNone') },
      { name: 'port', label: t('printers.port'), type: 'number', min: 1, max: 65535, value: printer.port ?? '' },
    ],
    submit: values => {
      const used = fieldsOfType[values.type];
      const body = { id: printer.id, type: Number(values.type) };
      for (const name of used) {
        // An empty password means "keep the stored one"; the API removes it only on "".
        if (name === 'password' && values.password === '') continue;
        if (values[name] !== '') body[name] = name === 'duplex_print' ? Number(values[name]) : values[name];
      }
      return post('/thor/voi/printer/config', body);
    },
    done: () => { notify(t('common.saved')); refresh(); },
  });
  showFieldsOf(form, String(printer.type));
}

function showFieldsOf(form, type) {
  for (const name of ['ip', 'accounts', 'password', 'port']) {
    form.querySelector(`[data-field="${name}"]`).hidden = !fieldsOfType[type].includes(name);
  }
}

function edit(printer, refresh) {
  openForm({
    title: t('printers.edit', { name: printer.name }),
    fields: [
      { name: 'name', label: t('field.name'), required: true, value: printer.name, maxLength: 64 },
      { name: 'describe', label: t('field.describe'), type: 'textarea', value: printer.describe, maxLength: 1024 },
    ],
    submit: values => put('/thor/voi/printer', { id: printer.id, ...values }),
    done: () => { notify(t('common.saved')); refresh(); },
  });
}

function remove(printer, refresh) {
  confirmDelete({
    title: t('printers.delete', { name: printer.name }),
    submit: () => post('/thor/voi/printer', { action: 'delete', ids: [printer.id] }),
    done: () => { notify(t('printers.deleted', { name: printer.name })); refresh(); },
  });
}
