// Images: list, inspect, create, register what the pool holds unregistered, update, delete.
import { get, post } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { h, badge, bytes, time, pageHeader, button, facts, notify, failureText, stateWithError } from '../ui.js';
import { openForm, openPanel, confirmAction } from '../forms.js';
import { listView, isMovingStatus } from '../listview.js';
import { stateMachine } from '../states.js';

const osTypes = [{ value: 'Linux', label: 'Linux' }, { value: 'Windows', label: 'Windows' }];
const GiB = 1024 ** 3;

export async function render(container) {
  const list = listView({
    isMoving: isMovingStatus,
    label: t('nav.images'),
    rowKey: image => image.image_id,
    columns: [
      { label: t('field.id'), value: image => image.image_id },
      { label: t('field.name'), value: image => image.image_name },
      { label: t('field.os_type'), value: image => image.os_type },
      { label: t('field.size'), value: image => bytes(image.image_size) },
      { label: t('field.status'), value: image => stateWithError(image) },
      { label: t('field.created'), value: image => time(image.create_time) },
    ],
    load: ({ page, pageSize, filter }) => get('/api/v1/images/list', { filter_name: filter, page_num: page, page_size: pageSize }),
    rowActions: (image, refresh) => [
      button(t('action.inspect'), () => inspect(image.image_id)),
      can('POST', '/api/v1/images/update') ? button(t('action.edit'), () => edit(image, refresh)) : null,
      can('POST', '/api/v1/images/delete') ? button(t('action.delete'), () => remove(image, refresh), { kind: 'danger' }) : null,
    ],
  });
  container.append(
    pageHeader(t('nav.images'),
      can('POST', '/api/v1/images/create') ? button(t('images.create'), () => create(list.refresh), { kind: 'primary' }) : null,
      can('POST', '/api/v1/images/register') ? button(t('images.register'), () => register(list.refresh)) : null),
    stateMachine('image'),
    list.element);
  await list.refresh();
}

async function inspect(imageId) {
  const answer = await get('/api/v1/images/inspect', { image_id: imageId });
  if (!answer.ok) { notify(failureText(answer), 'error'); return; }
  const image = answer.data;
  openPanel(image.image_name, facts([
    [t('field.id'), image.image_id], [t('field.location'), image.image_location], [t('field.os_type'), image.os_type],
    [t('field.size'), bytes(image.image_size)], [t('field.status'), badge(image.status)], [t('field.error'), image.error],
    [t('field.describe'), image.describe], [t('field.created'), time(image.create_time)],
  ]));
}

function create(refresh) {
  openForm({
    title: t('images.create'),
    fields: [
      { name: 'image_name', label: t('field.name'), required: true, maxLength: 64 },
      { name: 'size_gib', label: t('field.sizeGiB'), type: 'number', required: true, min: 1, value: 2 },
      { name: 'os_type', label: t('field.os_type'), type: 'select', options: osTypes, value: 'Linux' },
      { name: 'describe', label: t('field.describe'), type: 'textarea', maxLength: 1024 },
    ],
    submitLabel: t('action.create'),
    submit: ({ size_gib, ...values }) => post('/api/v1/images/create', { ...values, image_size: size_gib === '' ? undefined : Math.round(size_gib * GiB) }),
    done: answer => { notify(t('images.created', { id: answer.data.image_id })); refresh(); },
  });
}

async function register(refresh) {
  const unregistered = await get('/api/v1/unregister_images/list', { page_num: 1, page_size: 1000 });
  if (!unregistered.ok) { notify(failureText(unregistered), 'error'); return; }
  const offered = unregistered.data.items.map(item => ({ value: item.image_id, label: item.image_id }));
  const refused = unregistered.data.not_registrable;
  openForm({
    title: t('images.register'),
    fields: [
      { name: 'image_id', label: t('images.unregistered'), type: 'select', required: true, options: [{ value: '', label: offered.length ? t('common.choose') : t('images.noneUnregistered') }, ...offered] },
      { name: 'image_name', label: t('field.name'), required: true, maxLength: 64 },
      { name: 'os_type', label: t('field.os_type'), type: 'select', options: osTypes, value: 'Linux' },
      { name: 'describe', label: t('field.describe'), type: 'textarea', maxLength: 1024 },
    ],
    extra: refused.length ? h('details', { class: 'hint' }, h('summary', {}, t('images.notRegistrable', { count: refused.length })),
      h('ul', {}, refused.map(item => h('li', {}, `${item.image_id}: ${item.reason}`)))) : null,
    submitLabel: t('images.register'),
    submit: values => post('/api/v1/images/register', values),
    done: answer => { notify(t('images.registered', { id: answer.data.image_id })); refresh(); },
  });
}

function edit(image, refresh) {
  openForm({
    title: t('images.edit', { id: image.image_id }),
    fields: [
      { name: 'image_name', label: t('field.name'), required: true, value: image.image_name, maxLength: 64 },
      { name: 'os_type', label: t('field.os_type'), type: 'select', options: osTypes, value: image.os_type },
      { name: 'describe', label: t('field.describe'), type: 'textarea', value: image.describe, maxLength: 1024 },
    ],
    submit: values => post('/api/v1/images/update', { image_id: image.image_id, ...values }),
    done: () => { notify(t('common.saved')); refresh(); },
  });
}

function remove(image, refresh) {
  confirmAction({
    title: t('images.delete', { id: image.image_id }),
    text: t('images.deleteText'),
    fields: [{ name: 'del_file', label: t('images.deleteFile'), type: 'checkbox', value: false }],
    confirmLabel: t('action.delete'),
    submit: values => post('/api/v1/images/delete', { image_id: image.image_id, del_file: values.del_file }),
    done: () => { notify(t('images.deleted', { id: image.image_id })); refresh(); },
  });
}
