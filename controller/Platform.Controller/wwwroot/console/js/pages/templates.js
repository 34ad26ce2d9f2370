// Driver center, templates ↔ drivers: each template (an image) has at most one universal and one
// extracted driver; relating any makes it heterogeneous and bumps its hg_version.
import { get, post } from '../api.js';
import { can } from '../access.js';
import { t } from '../i18n.js';
import { pageHeader, button, notify, failureText } from '../ui.js';
import { openForm } from '../forms.js';
import { listView } from '../listview.js';

export async function render(container) {
  let drivers = new Map();
  const list = listView({
    label: t('nav.templates'),
    rowKey: template => template.image_id,
    columns: [
      { label: t('field.id'), value: template => template.image_id },
      { label: t('field.name'), value: template => template.image_name },
      { label: t('field.os_type'), value: template => template.os_type },
      { label: t('templates.universal'), value: template => drivers.get(template.universal_driver_id) ?? '' },
      { label: t('templates.extracted'), value: template => drivers.get(template.extractive_driver_id) ?? '' },
      { label: t('templates.heterogeneous'), value: template => template.is_allow_heterogeneous ? t('common.yes') : t('common.no') },
      { label: 'hg_version', value: template => template.hg_version },
    ],
    load: async () => {
      const answer = await get('/thor/voi/driver');
      if (answer.ok) drivers = new Map(answer.data.map(driver => [driver.id, driver.name]));
      return get('/thor/image/1');
    },
    rowActions: (template, refresh) => [
      can('POST', '/thor/voi/image_relate_drive') ? button(t('templates.drivers'), () => relate(template, refresh)) : null,
    ],
  });
  container.append(pageHeader(t('nav.templates')), list.element);
  await list.refresh();
}

async function relate(template, refresh) {
  const answer = await get('/thor/voi/image_relate_drive', { ids: JSON.stringify([template.image_id]) });
  if (!answer.ok) { notify(failureText(answer), 'error'); return; }
  const offered = answer.body.data ?? [];
  const options = type => [{ value: '', label: t('templates.noDriver') }, ...offered.filter(driver => driver.type === type).map(driver => ({ value: String(driver.id), label: `${driver.name} (${driver.os_type})` }))];
  openForm({
    title: t('templates.driversOf', { name: template.image_name }),
    fields: [
      { name: 'universal_driver_id', label: t('templates.universal'), type: 'select', options: options(1), value: String(answer.body.universal_driver_id ?? '') },
      { name: 'extractive_driver_id', label: t('templates.extracted'), type: 'select', options: options(2), value: String(answer.body.extractive_driver_id ?? '') },
    ],
    submit: values => post('/thor/voi/image_relate_drive', { id: template.image_id, universal_driver_id: values.universal_driver_id || null, extractive_driver_id: values.extractive_driver_id || null }),
    done: () => { notify(t('common.saved')); refresh(); },
  });
}
