// Network interfaces: list/search, create (address and MAC allocated), attach, detach, delete.
import { get, post } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { h, time, pageHeader, button, notify, stateWithError } from '../ui.js';
import { openForm, confirmAction, confirmDelete } from '../forms.js';
import { listView, isMovingStatus } from '../listview.js';
import { stateMachine } from '../states.js';
import { taskPanel } from '../tasks.js';
import { chooseInstance } from './choices.js';

const statuses = ['', 'idle', 'attaching', 'attached', 'detaching', 'error'];

export async function render(container) {
  const tasks = h('div', { class: 'task-area' });
  const statusFilter = h('select', { 'aria-label': t('field.status') }, statuses.map(status => h('option', { value: status }, status ? t(`state.${status}`) : t('common.allStates'))));
  const list = listView({
    isMoving: isMovingStatus,
    label: t('nav.nics'),
    rowKey: nic => nic.network_interface_id,
    extraFilters: [statusFilter],
    columns: [
      { label: t('field.id'), value: nic => nic.network_interface_id },
      { label: t('field.name'), value: nic => nic.network_interface_name },
      { label: 'IP', value: nic => nic.ip },
      { label: 'MAC', value: nic => nic.mac },
      { label: t('field.status'), value: nic => stateWithError(nic) },
      { label: t('field.instance'), value: nic => nic.instance_id ? h('a', { href: `#/instances/${nic.instance_id}` }, nic.instance_name ?? nic.instance_id) : '' },
      { label: t('field.created'), value: nic => time(nic.create_time) },
    ],
    load: ({ page, pageSize, filter }) => get('/api/v1/network/search', { filter_name: filter, status: statusFilter.value, page_num: page, page_size: pageSize }),
    rowActions: (nic, refresh) => {
      const watch = answer => {
        refresh();
        if (answer.data?.task_id) tasks.prepend(taskPanel(answer.data.task_id, { title: t('nics.taskTitle', { id: nic.network_interface_id }), onFinished: () => refresh() }));
      };
      return [
        can('POST', '/api/v1/network/attach') && !nic.instance_id ? button(t('action.attach'), () => attach(nic, watch)) : null,
        can('POST', '/api/v1/network/detach') && nic.instance_id ? button(t('action.detach'), () => detach(nic, watch)) : null,
        can('POST', '/api/v1/network/delete') ? button(t('action.delete'), () => remove(nic, refresh), { kind: 'danger' }) : null,
      ];
    },
  });
  container.append(
    pageHeader(t('nav.nics'), can('POST', '/api/v1/network/create') ? button(t('nics.create'), () => create(list.refresh), { kind: 'primary' }) : null),
    stateMachine('nic'), tasks, list.element);
  await list.refresh();
}

function create(refresh) {
  openForm({
    title: t('nics.create'),
    fields: [
      { name: 'network_interface_name', label: t('field.name'), required: true, maxLength: 64 },
      { name: 'describe', label: t('field.describe'), type: 'textarea', maxLength: 1024 },
    ],
    submitLabel: t('action.create'),
    submit: values => post('/api/v1/network/create', values),
    done: answer => { notify(t('nics.created', { id: answer.data.network_interface_id, ip: answer.data.ip })); refresh(); },
  });
}

function attach(nic, watch) {
  chooseInstance({
    title: t('nics.attach', { id: nic.network_interface_id }),
    submitLabel: t('action.attach'),
    submit: instanceId => post('/api/v1/network/attach', { network_interface_id: nic.network_interface_id, instance_id: instanceId }),
    done: watch,
  });
}

function detach(nic, watch) {
  confirmAction({
    title: t('nics.detach', { id: nic.network_interface_id }),
    text: t('nics.detachText', { instance: nic.instance_id }),
    confirmLabel: t('action.detach'),
    submit: () => post('/api/v1/network/detach', { network_interface_id: nic.network_interface_id, instance_id: nic.instance_id }),
    done: watch,
  });
}

function remove(nic, refresh) {
  confirmDelete({
    title: t('nics.delete', { id: nic.network_interface_id }),
    submit: () => post('/api/v1/network/delete', { network_interface_id: nic.network_interface_id }),
    done: () => { notify(t('nics.deleted', { id: nic.network_interface_id })); refresh(); },
  });
}
