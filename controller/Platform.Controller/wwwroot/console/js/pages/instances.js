// Instances: list/search, create (with data volumes and NICs, then a live view of its task),
// turn on/off, destroy; #/instances/ID shows one with its volumes, NICs and latest task.
import { get, post, all } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { h, badge, time, bytes, pageHeader, button, notify, facts, failureText, replace, progressBar, stateWithError } from '../ui.js';
import { openForm, confirmAction, rowsField } from '../forms.js';
import { listView, isMovingStatus } from '../listview.js';
import { stateMachine } from '../states.js';

const statuses = ['', 'creating', 'running', 'stopped', 'starting', 'stopping', 'paused', 'crashed', 'destroying', 'error'];
const progressPollMilliseconds = 1000;

export async function render(container, [instanceId]) {
  if (instanceId) { await renderDetail(container, instanceId); return; }
  const statusFilter = h('select', { 'aria-label': t('field.status') }, statuses.map(status => h('option', { value: status }, status ? t(`state.${status}`) : t('common.allStates'))));
  const list = listView({
    isMoving: isMovingStatus,
    label: t('nav.instances'),
    rowKey: instance => instance.instance_id,
    extraFilters: [statusFilter],
    columns: [
      { label: t('field.id'), value: instance => h('a', { href: `#/instances/${instance.instance_id}` }, instance.instance_id) },
      { label: t('field.name'), value: instance => instance.instance_name },
      { label: t('field.status'), value: instance => stateWithError(instance) },
      { label: 'IP', value: instance => instance.ip },
      { label: t('field.host'), value: instance => instance.host_ip },
      { label: 'CPU', value: instance => instance.cpu },
      { label: t('field.memoryMiB'), value: instance => instance.memory },
      { label: t('field.created'), value: instance => time(instance.create_time) },
    ],
    load: ({ page, pageSize, filter }) => get('/api/v1/instance/search', { filter_name: filter, status: statusFilter.value, page_num: page, page_size: pageSize }),
    rowActions: (instance, refresh) => actionsFor(instance, refresh),
  });
  container.append(
    pageHeader(t('nav.instances'), can('POST', '/api/v1/instance/create') ? button(t('instances.create'), () => create(), { kind: 'primary' }) : null),
    stateMachine('instance'), list.element);
  await list.refresh();
}

function actionsFor(instance, refresh) {
  const after = answer => { notify(t('instances.requested', { id: instance.instance_id, status: t(`state.${answer.data.status}`) })); refresh(); };
  return [
    can('POST', '/api/v1/instance/turnon') && ['stopped', 'crashed', 'error'].includes(instance.status)
      ? button(t('action.turnOn'), async () => { const answer = await post('/api/v1/instance/turnon', { instance_id: instance.instance_id }); answer.ok ? after(answer) : notify(failureText(answer), 'error'); }) : null,
    can('POST', '/api/v1/instance/turnoff') && ['running', 'paused', 'starting'].includes(instance.status)
      ? button(t('action.turnOff'), () => turnOff(instance, after)) : null,
    can('POST', '/api/v1/instance/destroy') ? button(t('action.destroy'), () => destroy(instance, after), { kind: 'danger' }) : null,
  ];
}

function turnOff(instance, after) {
  confirmAction({
    title: t('instances.turnOff', { id: instance.instance_id }),
    text: t('instances.turnOffText'),
    fields: [{ name: 'force', label: t('instances.force'), type: 'checkbox', value: false }],
    confirmLabel: t('action.turnOff'),
    submit: values => post('/api/v1/instance/turnoff', { instance_id: instance.instance_id, force: values.force }),
    done: after,
  });
}

function destroy(instance, after) {
  confirmAction({
    title: t('instances.destroy', { id: instance.instance_id }),
    text: t('instances.destroyText'),
    confirmLabel: t('action.destroy'),
    submit: () => post('/api/v1/instance/destroy', { instance_id: instance.instance_id }),
    done: after,
  });
}

async function create() {
  const [images, volumes, nics] = await Promise.all([
    all('/api/v1/images/list'), all('/api/v1/volume/list'), all('/api/v1/network/search', { status: 'idle' })]);
  const failed = [images, volumes, nics].find(answer => !answer.ok);
  if (failed) { notify(failureText(failed), 'error'); return; }
  const imageOptions = images.data.filter(image => image.status === 'available').map(image => ({ value: image.image_id, label: `${image.image_name} (${image.image_id}, ${bytes(image.image_size)})` }));
  const dataVolumes = rowsField({ name: 'data_volumes', label: t('instances.newVolumes'), addLabel: t('instances.addVolume'),
    columns: [{ name: 'volume_name', label: t('field.name') }, { name: 'volume_size', label: t('field.sizeGiB'), type: 'number', min: 1, value: 1 }] });
  const newNics = rowsField({ name: 'nics', label: t('instances.newNics'), addLabel: t('instances.addNic'),
    columns: [{ name: 'network_interface_name', label: t('field.name') }] });
  openForm({
    title: t('instances.create'),
    fields: [
      { name: 'instance_name', label: t('field.name'), required: true, maxLength: 64 },
      { name: 'image_id', label: t('field.image'), type: 'select', required: true, options: [{ value: '', label: imageOptions.length ? t('common.choose') : t('instances.noImages') }, ...imageOptions] },
      { name: 'cpu', label: 'CPU', type: 'number', required: true, min: 1, value: 1 },
      { name: 'memory', label: t('field.memoryMiB'), type: 'number', required: true, min: 64, value: 256 },
      { name: 'boot_volume_size', label: t('instances.bootSize'), type: 'number', min: 1, help: t('instances.bootSizeHelp') },
      { name: 'describe', label: t('field.describe'), type: 'textarea', maxLength: 1024 },
      dataVolumes,
      { name: 'volume_ids', label: t('instances.existingVolumes'), type: 'checkboxes', options: volumes.data.filter(volume => volume.status === 'available' && !volume.instance_id).map(volume => ({ value: volume.volume_id, label: `${volume.volume_name} (${volume.volume_id}, ${volume.volume_size} GiB)` })) },
      newNics,
      { name: 'network_interface_ids', label: t('instances.existingNics'), type: 'checkboxes', options: nics.data.map(nic => ({ value: nic.network_interface_id, label: `${nic.network_interface_name} (${nic.ip})` })) },
    ],
    submitLabel: t('action.create'),
    submit: values => post('/api/v1/instance/create', { ...values, boot_volume_size: values.boot_volume_size === '' ? undefined : values.boot_volume_size }),
    done: answer => { window.location.hash = `#/instances/${answer.data.instance_id}`; },
  });
}

async function renderDetail(container, instanceId) {
  const body = h('div', { class: 'instance-detail' });
  const progress = h('section', { class: 'task-panel', 'aria-live': 'polite', 'aria-label': t('instances.progress') });
  container.append(body, progress);
  const reload = async () => {
    const answer = await get('/api/v1/instance/detail', { instance_id: instanceId });
    if (!answer.ok) { replace(body, pageHeader(instanceId), h('p', { class: 'error', role: 'alert' }, failureText(answer))); return null; }
    const { instance, image, volumes, nics } = answer.data;
    replace(body,
      pageHeader(`${instance.instance_name} (${instance.instance_id})`, actionsFor(instance, reload)),
      facts([
        [t('field.status'), [badge(instance.status), instance.status_reason ? ` ${instance.status_reason}` : '']],
        [t('field.error'), instance.error], ['IP', instance.ip], [t('field.host'), instance.host_ip], ['CPU', instance.cpu],
        [t('field.memoryMiB'), instance.memory], [t('field.image'), image ? `${image.image_name} (${image.image_id}) ${image.image_location}` : instance.image_id],
        [t('field.describe'), instance.describe], [t('field.created'), time(instance.create_time)],
      ]),
      stateMachine('instance'),
      h('h2', {}, t('nav.volumes')),
      table([t('field.id'), t('field.name'), t('field.sizeGiB'), t('instances.device'), t('field.status')],
        volumes.map(volume => [volume.volume_id, volume.volume_name, volume.volume_size, `${volume.device ?? ''}${volume.is_boot ? ` (${t('instances.boot')})` : ''}`, badge(volume.status)])),
      h('h2', {}, t('nav.nics')),
      table([t('field.id'), t('field.name'), 'IP', 'MAC', t('field.status')],
        nics.map(nic => [nic.network_interface_id, nic.network_interface_name, nic.ip, nic.mac, badge(nic.status)])));
    return instance;
  };
  await reload();
  watchProgress(instanceId, progress, reload);
}

/** The instance's latest task, polled while the page shows it; the detail refreshes when it moves. */
async function watchProgress(instanceId, panel, reload) {
  let lastState = null;
  while (panel.isConnected) {
    const answer = await get('/api/v1/instance/progress', { instance_id: instanceId });
    if (answer.ok) {
      const task = answer.data;
      panel.dataset.state = task.state;
      replace(panel, h('h2', {}, t('instances.latestTask', { kind: task.kind })), progressBar(task.percent),
        h('p', { class: 'task-line' }, badge(task.state), ` ${task.step} · ${task.percent}%`),
        task.error ? h('p', { class: 'task-error', role: 'alert' }, task.error) : null);
      // A new task or a step of the state machine: show the instance as it now is.
      const seen = `${task.task_id}/${task.state}`;
      if (lastState !== null && seen !== lastState) await reload();
      lastState = seen;
    } else if (answer.status === 404) {
      replace(panel);
    } else {
      replace(panel, h('p', { class: 'error', role: 'alert' }, failureText(answer)));
    }
    await new Promise(resolve => setTimeout(resolve, progressPollMilliseconds));
  }
}

function table(headings, rows) {
  if (rows.length === 0) return h('p', { class: 'hint' }, t('common.none'));
  return h('div', { class: 'table-scroll' }, h('table', { class: 'list' },
    h('thead', {}, h('tr', {}, headings.map(heading => h('th', { scope: 'col' }, heading)))),
    h('tbody', {}, rows.map(cells => h('tr', {}, cells.map((cell, index) => h('td', { dataset: { label: headings[index] } }, cell)))))));
}
