// Dashboard: hosts, instances by state, recent tasks and failures, reconciliation drift.
import { get } from '../api.js';
import { t } from '../i18n.js';
import { h, badge, bytes, time, pageHeader, failureText, progressBar } from '../ui.js';

const instanceStates = ['running', 'stopped', 'creating', 'starting', 'stopping', 'paused', 'crashed', 'destroying', 'error'];

export async function render(container) {
  const [hosts, recent, failed, drift, ...counts] = await Promise.all([
    get('/api/v1/hosts/list'),
    get('/api/v1/tasks/list', { page_size: 8 }),
    get('/api/v1/tasks/list', { state: 'failed', page_size: 5 }),
    get('/api/v1/drift/list', { page_size: 8 }),
    ...instanceStates.map(state => get('/api/v1/instance/search', { status: state, page_size: 1 })),
  ]);
  container.append(
    pageHeader(t('nav.dashboard')),
    h('div', { class: 'cards' },
      card(t('dashboard.hosts'), hosts, data => data.items.length === 0 ? h('p', { class: 'hint' }, t('dashboard.noHosts')) : data.items.map(host => h('div', { class: 'host', dataset: { host: host.host_id } },
        h('p', {}, h('strong', {}, host.hostname), ' ', badge(host.status), ` ${host.host_ip}`),
        h('p', { class: 'hint' }, t('dashboard.hostLine', { cpus: host.cpus, domains: host.running_domains, type: host.domain_type, seen: time(host.last_heartbeat) })),
        h('label', {}, t('dashboard.memory', { used: bytes(host.memory_bytes - host.memory_free_bytes), total: bytes(host.memory_bytes) }),
          progressBar(host.memory_bytes ? Math.round((host.memory_bytes - host.memory_free_bytes) * 100 / host.memory_bytes) : 0, t('dashboard.memoryUse'))),
        host.domain_type_reason ? h('p', { class: 'hint' }, host.domain_type_reason) : null))),
      h('section', { class: 'card', 'aria-labelledby': 'count-title' }, h('h2', { id: 'count-title' }, t('dashboard.instances')),
        h('ul', { class: 'counts' }, instanceStates.map((state, index) => h('li', {},
          h('a', { href: '#/instances' }, badge(state)), ' ', counts[index].ok ? counts[index].data.total : '?')))),
      card(t('dashboard.recentTasks'), recent, data => data.items.length ? taskList(data.items) : h('p', { class: 'hint' }, t('dashboard.noTasks'))),
      card(t('dashboard.failures'), failed, data => data.items.length ? taskList(data.items) : h('p', { class: 'hint' }, t('dashboard.noFailures'))),
      card(t('dashboard.drift'), drift, data => data.items.length === 0 ? h('p', { class: 'hint' }, t('dashboard.noDrift')) : h('ul', {}, data.items.map(item => h('li', {},
        h('strong', {}, `${item.kind} ${item.resource_id}`), ` ${item.detail} → ${item.action}`, item.resolved_at ? ` (${t('dashboard.resolved')})` : '')))),
    ));
}

function card(title, answer, body) {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title),
    answer.ok ? body(answer.data) : h('p', { class: 'error', role: 'alert' }, failureText(answer)));
}

function taskList(tasks) {
  return h('ul', { class: 'tasks' }, tasks.map(task => h('li', {},
    badge(task.state), ` ${task.kind} ${task.resource_id} · ${time(task.update_time)}`,
    task.error ? h('small', { class: 'row-error' }, task.error) : null)));
}
