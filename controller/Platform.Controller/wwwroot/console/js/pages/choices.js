// Choices that forms offer: instances to mount on or attach to.
import { all } from '../api.js';
import { t } from '../i18n.js';

export async function instanceChoices(eligible) {
  const answer = await all('/api/v1/instance/list');
  if (!answer.ok) return answer;
  const options = answer.data.filter(eligible).map(instance => ({ value: instance.instance_id, label: `${instance.instance_name} (${instance.instance_id}, ${t(`state.${instance.status}`)})` }));
  return { ok: true, options: [{ value: '', label: options.length ? t('common.choose') : t('common.noInstances') }, ...options] };
}
