// API tokens for scripts and platformctl: one's own (an admin's: everyone's); the secret is
// shown once, when it is made, and never again.
import { get, post } from '../api.js';
import { can, currentRole } from '../access.js';
import { t } from '../i18n.js';
import { h, time, pageHeader, button, notify } from '../ui.js';
import { openForm, openPanel, confirmAction } from '../forms.js';
import { listView } from '../listview.js';

const roleRank = ['viewer', 'operator', 'admin'];

export async function render(container) {
  const list = listView({
    label: t('nav.tokens'),
    rowKey: token => token.token_id,
    columns: [
      { label: t('field.id'), value: token => token.token_id },
      { label: t('field.name'), value: token => token.name },
      { label: t('tokens.user'), value: token => token.user_name },
      { label: t('users.role'), value: token => t(`role.${token.role}`) },
      { label: t('field.created'), value: token => time(token.created_at) },
      { label: t('tokens.expires'), value: token => token.expires_at ? time(token.expires_at) : t('tokens.never') },
      { label: t('tokens.lastUsed'), value: token => time(token.last_used_at) },
      { label: t('field.status'), value: token => token.revoked_at ? t('tokens.revoked', { time: time(token.revoked_at) }) : t('tokens.active') },
    ],
    load: () => get('/api/v1/auth/tokens/list'),
    rowActions: (token, refresh) => [
      !token.revoked_at && can('POST', '/api/v1/auth/tokens/revoke') ? button(t('tokens.revoke'), () => confirmAction({
        title: t('tokens.revokeTitle', { name: token.name }), text: t('tokens.revokeText'), confirmLabel: t('tokens.revoke'),
        submit: () => post('/api/v1/auth/tokens/revoke', { token_id: token.token_id }), done: () => refresh(),
      }), { kind: 'danger' }) : null,
    ],
  });
  container.append(pageHeader(t('nav.tokens'), can('POST', '/api/v1/auth/tokens/create') ? button(t('tokens.create'), () => create(list.refresh), { kind: 'primary' }) : null), list.element);
  await list.refresh();
}

function create(refresh) {
  const roles = roleRank.slice(0, roleRank.indexOf(currentRole()) + 1).map(role => ({ value: role, label: t(`role.${role}`) }));
  // A token that only registers terminals, for their install media: operators and admins make them.
  if (roleRank.indexOf(currentRole()) >= roleRank.indexOf('operator')) {
    roles.push({ value: 'terminal-enrollment', label: t('role.terminal-enrollment') });
  }
  openForm({
    title: t('tokens.create'),
    fields: [
      { name: 'name', label: t('field.name'), required: true, maxLength: 64 },
      { name: 'role', label: t('users.role'), type: 'select', options: roles, value: currentRole(), help: t('tokens.roleHelp') },
      { name: 'expires_in_days', label: t('tokens.days'), type: 'number', min: 1, help: t('tokens.daysHelp') },
    ],
    submitLabel: t('action.create'),
    submit: values => post('/api/v1/auth/tokens/create', { ...values, expires_in_days: values.expires_in_days === '' ? undefined : values.expires_in_days }),
    done: answer => {
      refresh();
      openPanel(t('tokens.created', { name: answer.data.name }),
        h('p', {}, t('tokens.shownOnce')),
        h('input', { class: 'secret', readonly: true, value: answer.data.token, 'aria-label': t('tokens.secret'), onfocus: event => event.target.select() }));
      notify(t('tokens.createdNotice'));
    },
  });
}
