// Each resource's life cycle as the controller runs it, shown on its page so that a user can see
// where a row stands and which action moves it on. The server decides; a refused move comes back
// with its reason (409) and is shown as such.
import { h } from './ui.js';
import { t } from './i18n.js';

const machines = {
  image: [['creating', 'available', 'action.create'], ['creating', 'error', 'state.failed'], ['available', '—', 'action.delete']],
  volume: [
    ['creating', 'available', 'action.create'], ['available', 'attaching', 'action.mount'], ['attaching', 'in-use', ''],
    ['in-use', 'detaching', 'action.unmount'], ['detaching', 'available', ''], ['available', 'deleting', 'action.delete'],
    ['*', 'error', 'state.failed'], ['error', 'detaching', 'action.unmount'], ['error', 'deleting', 'action.delete'],
  ],
  nic: [
    ['idle', 'attaching', 'action.attach'], ['attaching', 'attached', ''], ['attached', 'detaching', 'action.detach'],
    ['detaching', 'idle', ''], ['idle', '—', 'action.delete'], ['*', 'error', 'state.failed'], ['error', 'detaching', 'action.detach'],
  ],
  instance: [
    ['creating', 'running', 'action.create'], ['running', 'stopping', 'action.turnOff'], ['stopping', 'stopped', ''],
    ['stopped', 'starting', 'action.turnOn'], ['starting', 'running', ''], ['*', 'destroying', 'action.destroy'],
    ['*', 'error', 'state.failed'], ['running', 'paused | crashed', 'state.observed'],
  ],
  disk: [['1', '2', 'driverDisk.save'], ['2', '1', ''], ['*', '3', 'state.failed'], ['3', '4', 'driverDisk.restore'], ['4', '1', '']],
};

export function stateMachine(kind) {
  return h('details', { class: 'state-machine' },
    h('summary', {}, t('common.stateMachine')),
    h('ul', {}, machines[kind].map(([from, to, action]) => h('li', {},
      from === '*' ? t('common.anyState') : t(`state.${from}`), ' → ', to === '—' ? t('common.gone') : to.split(' | ').map(state => t(`state.${state}`)).join(' | '),
      action ? h('span', { class: 'hint' }, ` (${t(action)})`) : null))));
}
