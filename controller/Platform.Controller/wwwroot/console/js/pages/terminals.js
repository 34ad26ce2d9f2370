// Driver center, terminals and distribution: which tool-disk version each terminal has, whether it
// is downloading, and telling terminals to update.
import { get, post } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { h, time, pageHeader, button, notify, failureText, facts, replace } from '../ui.js';
import { confirmDelete } from '../forms.js';
import { listView } from '../listview.js';

export async function render(container) {
  const summary = h('div', { class: 'distribution' });
  const list = listView({
    label: t('nav.terminals'),
    rowKey: terminal => String(terminal.id),
    columns: [
      { label: t('field.name'), value: terminal => terminal.name },
      { label: 'MAC', value: terminal => terminal.mac },
      { label: t('terminals.version'), value: terminal => terminal.tool_disk_version },
      { label: t('terminals.notified'), value: terminal => terminal.notified_version },
      { label: t('terminals.downloading'), value: terminal => terminal.is_downloading ? t('terminals.since', { time: time(terminal.downloading_since) }) : t('common.no') },
      { label: t('terminals.lastSeen'), value: terminal => time(terminal.last_seen) },
    ],
    load: async () => { await showSummary(summary); return get('/thor/voi/terminal'); },
    rowActions: (terminal, refresh) => [
      can('POST', '/thor/voi/terminal/notify') ? button(t('terminals.notify'), async () => {
        const answer = await post('/thor/voi/terminal/notify', { ids: [terminal.id] });
        notify(answer.ok ? t('terminals.notifiedOf', { version: answer.data.version }) : failureText(answer), answer.ok ? 'info' : 'error');
        refresh();
      }) : null,
      can('POST', '/thor/voi/terminal') ? button(t('action.delete'), () => confirmDelete({
        title: t('terminals.delete', { name: terminal.name }),
        submit: () => post('/thor/voi/terminal', { action: 'delete', ids: [terminal.id] }), done: () => refresh(),
      }), { kind: 'danger' }) : null,
    ],
  });
  const enrollment = h('p', { class: 'hint' }, t('terminals.enrollment'), ' ', h('a', { href: '#/tokens' }, t('nav.tokens')));
  container.append(pageHeader(t('nav.terminals')), enrollment, summary, list.element);
  await list.refresh();
}

async function showSummary(summary) {
  const [disk, distribution] = await Promise.all([get('/thor/voi/driver/mount'), get('/thor/voi/terminal/update_status')]);
  replace(summary, facts([
    [t('driverDisk.version'), disk.ok ? disk.data.version : failureText(disk)],
    [t('driverDisk.distribution'), distribution.ok ? (distribution.data.is_send_task ? t('driverDisk.distributing') : t('driverDisk.idle')) : failureText(distribution)],
  ]));
}
