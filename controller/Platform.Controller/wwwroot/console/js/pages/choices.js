// Picking an instance: for mounting a volume on it or attaching a network interface to it.
import { all } from '../api.js';
import { t } from '../i18n.js';
import { notify, failureText } from '../ui.js';
import { openForm } from '../forms.js';

/** Instances that can take a device now: running or stopped on a host. */
const canTakeDevices = instance => ['running', 'stopped'].includes(instance.status);

/** Asks which instance, then `submit(instanceId)`; `done(answer)` once the server accepted. */
export async function chooseInstance({ title, submitLabel, submit, done }) {
  const answer = await all('/api/v1/instance/list');
  if (!answer.ok) { notify(failureText(answer), 'error'); return; }
  const options = answer.data.filter(canTakeDevices).map(instance => ({ value: instance.instance_id, label: `${instance.instance_name} (${instance.instance_id}, ${t(`state.${instance.status}`)})` }));
  openForm({
    title,
    fields: [{ name: 'instance_id', label: t('field.instance'), type: 'select', required: true, options: [{ value: '', label: options.length ? t('common.choose') : t('common.noInstances') }, ...options] }],
    submitLabel,
    submit: values => submit(values.instance_id),
    done,
  });
}
