// Volumes: list, create (empty or a clone of an image), mount on / unmount from an instance, delete.
import { get, post, all } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { h, time, pageHeader, button, notify, stateWithError } from '../ui.js';
import { openForm, confirmAction, confirmDelete } from '../forms.js';
import { listView, isMovingStatus } from '../listview.js';
import { stateMachine } from '../states.js';
import { taskPanel } from '../tasks.js';
import { chooseInstance } from './choices.js';

export async function render(container) {
  const tasks = h('div', { class: 'task-area' });
  const list = listView({
    isMoving: isMovingStatus,
    label: t('nav.volumes'),
    rowKey: volume => volume.volume_id,
    columns: [
      { label: t('field.id'), value: volume => volume.volume_id },
      { label: t('field.name'), value: volume => volume.volume_name },
      { label: t('field.sizeGiB'), value: volume => volume.volume_size },
      { label: t('field.status'), value: volume => stateWithError(volume) },
      { label: t('field.instance'), value: volume => volume.instance_id ? [h('a', { href: `#/instances/${volume.instance_id}` }, volume.instance_id), volume.device ? ` (${volume.device})` : ''] : '' },
      { label: t('field.image'), value: volume => volume.image_id ?? '' },
      { label: t('field.created'), value: volume => time(volume.create_time) },
    ],
    load: ({ page, pageSize, filter }) => get('/api/v1/volume/list', { filter_name: filter, page_num: page, page_size: pageSize }),
    rowActions: (volume, refresh) => {
      const watch = answer => follow(tasks, answer, refresh);
      return [
        can('POST', '/api/v1/volume/mount') && !volume.instance_id ? button(t('action.mount'), () => mount(volume, watch)) : null,
        can('POST', '/api/v1/volume/unmount') && volume.instance_id ? button(t('action.unmount'), () => unmount(volume, watch)) : null,
        can('POST', '/api/v1/volume/delete') ? button(t('action.delete'), () => remove(volume, refresh), { kind: 'danger' }) : null,
      ];
    },
  });
  container.append(
    pageHeader(t('nav.volumes'), can('POST', '/api/v1/volume/create') ? button(t('volumes.create'), () => create(list.refresh), { kind: 'primary' }) : null),
    stateMachine('volume'), tasks, list.element);
  await list.refresh();
}

/** Shows the task a mount or unmount started, and refreshes the list when it ends. */
function follow(area, answer, refresh) {
  refresh();
  if (answer.data?.task_id) area.prepend(taskPanel(answer.data.task_id, { title: t('volumes.taskTitle', { id: answer.data.volume_id }), onFinished: () => refresh() }));
}

async function create(refresh) {
  const images = await all('/api/v1/images/list');
  const imageOptions = [{ value: '', label: t('volumes.empty') }, ...(images.ok ? images.data : []).filter(image => image.status === 'available').map(image => ({ value: image.image_id, label: `${image.image_name} (${image.image_id})` }))];
  openForm({
    title: t('volumes.create'),
    fields: [
      { name: 'volume_name', label: t('field.name'), required: true, maxLength: 64 },
      { name: 'volume_size', label: t('field.sizeGiB'), type: 'number', required: true, min: 1, value: 1 },
      { name: 'image_id', label: t('volumes.fromImage'), type: 'select', options: imageOptions },
      { name: 'describe', label: t('field.describe'), type: 'textarea', maxLength: 1024 },
    ],
    submitLabel: t('action.create'),
    submit: values => post('/api/v1/volume/create', { ...values, image_id: values.image_id || undefined }),
    done: answer => { notify(t('volumes.created', { id: answer.data.volume_id })); refresh(); },
  });
}

function mount(volume, watch) {
  chooseInstance({
    title: t('volumes.mount', { id: volume.volume_id }),
    submitLabel: t('action.mount'),
    submit: instanceId => post('/api/v1/volume/mount', { volume_id: volume.volume_id, instance_id: instanceId }),
    done: watch,
  });
}

function unmount(volume, watch) {
  confirmAction({
    title: t('volumes.unmount', { id: volume.volume_id }),
    text: t('volumes.unmountText', { instance: volume.instance_id }),
    confirmLabel: t('action.unmount'),
    submit: () => post('/api/v1/volume/unmount', { volume_id: volume.volume_id, instance_id: volume.instance_id }),
    done: watch,
  });
}

function remove(volume, refresh) {
  confirmDelete({
    title: t('volumes.delete', { id: volume.volume_id }),
    submit: () => post('/api/v1/volume/delete', { volume_id: volume.volume_id }),
    done: () => { notify(t('volumes.deleted', { id: volume.volume_id })); refresh(); },
  });
}
