// Users (admins only): create, change role or password, disable, delete.
import { get, post } from '../api.js';
import { t } from '../i18n.js';
import { time, pageHeader, button, notify } from '../ui.js';
import { openForm, confirmDelete } from '../forms.js';
import { listView } from '../listview.js';

const roles = () => ['viewer', 'operator', 'admin'].map(role => ({ value: role, label: t(`role.${role}`) }));

export async function render(container) {
  const list = listView({
    label: t('nav.users'),
    rowKey: user => user.user_id,
    columns: [
      { label: t('field.name'), value: user => user.name },
      { label: t('users.role'), value: user => t(`role.${user.role}`) },
      { label: t('field.status'), value: user => user.disabled ? t('users.disabled') : t('users.enabled') },
      { label: t('field.created'), value: user => time(user.created_at) },
    ],
    load: () => get('/api/v1/users/list'),
    rowActions: (user, refresh) => [
      button(t('action.edit'), () => openForm({
        title: t('users.edit', { name: user.name }),
        fields: [
          { name: 'role', label: t('users.role'), type: 'select', options: roles(), value: user.role },
          { name: 'password', label: t('users.newPassword'), type: 'password', autocomplete: 'new-password', help: t('users.passwordHelp') },
          { name: 'disabled', label: t('users.disabled'), type: 'checkbox', value: user.disabled },
        ],
        submit: values => post('/api/v1/users/update', { name: user.name, role: values.role, disabled: values.disabled, password: values.password || undefined }),
        done: () => { notify(t('common.saved')); refresh(); },
      })),
      button(t('action.delete'), () => confirmDelete({
        title: t('users.delete', { name: user.name }),
        submit: () => post('/api/v1/users/delete', { name: user.name }), done: () => refresh(),
      }), { kind: 'danger' }),
    ],
  });
  container.append(pageHeader(t('nav.users'), button(t('users.create'), () => openForm({
    title: t('users.create'),
    fields: [
      { name: 'name', label: t('field.name'), required: true },
      { name: 'role', label: t('users.role'), type: 'select', options: roles(), value: 'viewer' },
      { name: 'password', label: t('auth.password'), type: 'password', required: true, autocomplete: 'new-password', help: t('users.passwordHelp') },
    ],
    submitLabel: t('action.create'),
    submit: values => post('/api/v1/users/create', values),
    done: () => { notify(t('common.saved')); list.refresh(); },
  }), { kind: 'primary' })), list.element);
  await list.refresh();
}
