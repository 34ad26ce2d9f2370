// Driver center, the driver disk: its state (1 normal, 2 merging, 3 error, 4 restoring), save
// (an asynchronous merge), restore from the backup, and auto-update of the terminals.
import { get, post } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { h, badge, pageHeader, button, notify, facts, failureText, replace } from '../ui.js';
import { stateMachine } from '../states.js';
import { taskPanel } from '../tasks.js';
import { confirmAction } from '../forms.js';

const busyPollMilliseconds = 1000;
const idlePollMilliseconds = 5000;

export async function render(container) {
  const body = h('div', { class: 'driver-disk' });
  const tasks = h('div', { class: 'task-area' });
  container.append(pageHeader(t('nav.driver-disk')), body, tasks, stateMachine('disk'));

  const change = async (request, message) => {
    const answer = await post('/thor/voi/driver/mount', request);
    if (!answer.ok) { notify(failureText(answer), 'error'); return; }
    notify(message);
    if (answer.data?.task_id) tasks.prepend(taskPanel(answer.data.task_id, { title: t('driverDisk.task') }));
    await show();
  };

  async function show() {
    const [state, distribution] = await Promise.all([get('/thor/voi/driver/mount'), get('/thor/voi/terminal/update_status')]);
    if (!state.ok) { replace(body, h('p', { class: 'error', role: 'alert' }, failureText(state))); return null; }
    const disk = state.data;
    body.dataset.mountStatus = String(disk.mount_status);
    body.dataset.version = String(disk.version);
    const settled = disk.mount_status === 1 || disk.mount_status === 3;
    const mayChange = can('POST', '/thor/voi/driver/mount');
    replace(body,
      facts([
        [t('driverDisk.state'), badge(String(disk.mount_status))],
        [t('driverDisk.version'), disk.version],
        [t('driverDisk.autoUpdate'), disk.is_auto_update ? t('common.on') : t('common.off')],
        [t('driverDisk.distribution'), distribution.ok ? (distribution.data.is_send_task ? t('driverDisk.distributing') : t('driverDisk.idle')) : failureText(distribution)],
        [t('field.error'), disk.error ?? disk.last_error ?? ''],
      ]),
      mayChange ? h('div', { class: 'actions' },
        button(t('driverDisk.save'), () => change({ is_mounted: false }, t('driverDisk.saving')), { kind: 'primary', disabled: disk.mount_status !== 1 }),
        button(t('driverDisk.restore'), () => confirmAction({
          title: t('driverDisk.restore'), text: t('driverDisk.restoreText'), confirmLabel: t('driverDisk.restore'),
          submit: () => post('/thor/voi/driver/mount', { is_init: true }),
          done: answer => { notify(t('driverDisk.restoring')); if (answer.data?.task_id) tasks.prepend(taskPanel(answer.data.task_id, { title: t('driverDisk.task') })); show(); },
        }), { disabled: !settled }),
        button(disk.is_auto_update ? t('driverDisk.autoOff') : t('driverDisk.autoOn'), () => change({ is_auto_update: !disk.is_auto_update }, t('common.saved')))) : null);
    return disk;
  }

  // Follow the state while the page is shown: fast while merging or restoring.
  while (container.isConnected) {
    const disk = await show();
    const busy = disk && (disk.mount_status === 2 || disk.mount_status === 4);
    await new Promise(resolve => setTimeout(resolve, busy ? busyPollMilliseconds : idlePollMilliseconds));
  }
}
