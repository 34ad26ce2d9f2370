// Long operations are tasks: the console polls the tasks API and shows the task's step and
// percent until it succeeds or fails (with the server's reason).
import { get } from './api.js';
import { h, replace, badge, progressBar, failureText } from './ui.js';
import { t } from './i18n.js';

const pollMilliseconds = 1000;
const finished = new Set(['succeeded', 'failed']);

/** Polls the task until it finishes or `isWanted()` turns false; `onUpdate(task)` on every answer. */
export async function watchTask(taskId, onUpdate, isWanted = () => true) {
  while (isWanted()) {
    const answer = await get('/api/v1/tasks/detail', { task_id: taskId });
    onUpdate(answer.ok ? answer.data : null, answer);
    if (answer.ok && finished.has(answer.data.state)) return answer.data;
    await new Promise(resolve => setTimeout(resolve, pollMilliseconds));
  }
  return null;
}

/** A live view of one task: state, step, a progress bar and, when it failed, why. */
export function taskPanel(taskId, { title, onFinished } = {}) {
  const line = h('p', { class: 'task-line' });
  const bar = progressBar(0);
  const error = h('p', { class: 'task-error', role: 'alert' });
  const panel = h('section', { class: 'task-panel', 'aria-live': 'polite', dataset: { task: taskId } },
    h('h2', {}, title ?? t('tasks.task', { id: taskId })), bar, line, error);
  // Polling starts once the caller has put the panel on the page and stops when it leaves it.
  queueMicrotask(() => watchTask(taskId, (task, answer) => {
    if (!task) { replace(error, failureText(answer)); return; }
    bar.value = task.percent;
    replace(line, badge(task.state), ' ', task.step ?? '', ` · ${task.percent}%`);
    replace(error, task.error ?? '');
    panel.dataset.state = task.state;
    if (finished.has(task.state)) onFinished?.(task);
  }, () => panel.isConnected));
  return panel;
}
