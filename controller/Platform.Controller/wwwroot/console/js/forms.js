// Forms in a modal <dialog>: the server validates (and reports every violation at once); the
// form shows the message on top and each field's error beside its field, and stays open so the
// user can correct it. The browser's own checks (required, min/max) only save a round trip.
import { h, failureText, replace } from './ui.js';
import { t } from './i18n.js';

let counter = 0;
const workingAfterMilliseconds = 700;

function inputFor(field, id) {
  const common = { id, name: field.name, required: field.required, 'aria-describedby': `${id}-error` };
  switch (field.type) {
    case 'textarea':
      return h('textarea', { ...common, rows: field.rows ?? 3, maxlength: field.maxLength }, field.value ?? '');
    case 'select': {
      const select = h('select', common, field.options.map(option => h('option', { value: option.value, selected: String(option.value) === String(field.value ?? '') }, option.label)));
      if (field.onchange) select.addEventListener('change', () => field.onchange(select.value, select.form));
      return select;
    }
    case 'checkbox':
      return h('input', { ...common, type: 'checkbox', checked: Boolean(field.value) });
    case 'file':
      return h('input', { ...common, type: 'file', accept: field.accept });
    case 'checkboxes':
      return h('fieldset', { id, class: 'choices', 'aria-describedby': `${id}-error` },
        h('legend', {}, field.label),
        field.options.length === 0 ? h('p', { class: 'hint' }, t('common.none')) : null,
        field.options.map(option => h('label', { class: 'choice' },
          h('input', { type: 'checkbox', name: field.name, value: option.value, checked: (field.value ?? []).includes(option.value) }), ' ', option.label)));
    default:
      return h('input', { ...common, type: field.type ?? 'text', value: field.value ?? '', min: field.min, max: field.max, step: field.step, maxlength: field.maxLength, placeholder: field.placeholder, autocomplete: field.autocomplete ?? 'off' });
  }
}

function valuesOf(form, fields) {
  const values = {};
  for (const field of fields) {
    if (field.type === 'checkbox') values[field.name] = form.elements[field.name].checked;
    else if (field.type === 'file') values[field.name] = form.elements[field.name].files[0] ?? null;
    else if (field.type === 'checkboxes') values[field.name] = [...form.querySelectorAll(`input[name="${field.name}"]:checked`)].map(input => input.value);
    else if (field.type === 'rows') values[field.name] = field.read();
    else {
      const raw = form.elements[field.name].value;
      values[field.name] = field.type === 'number' && raw !== '' ? Number(raw) : raw;
    }
  }
  return values;
}

/**
 * Opens a form. `submit(values, form)` returns an API answer; the dialog closes on success and
 * `done(answer)` runs. `fields` are { name, label, type, required, options, value, help }.
 */
export function openForm({ title, fields, submitLabel, submit, done, extra }) {
  const id = `form-${++counter}`;
  const message = h('div', { class: 'form-message', role: 'alert' });
  const rows = fields.map(field => {
    const inputId = `${id}-${field.name}`;
    const input = field.type === 'rows' ? field.render(inputId) : inputFor(field, inputId);
    const label = field.type === 'checkboxes' || field.type === 'rows' ? null : h('label', { for: inputId, class: field.required ? 'required' : null }, field.label);
    return h('div', { class: `field ${field.type ?? 'text'}`, dataset: { field: field.name }, hidden: field.hidden },
      field.type === 'checkbox' ? [input, label] : [label, input],
      field.help ? h('small', { class: 'hint' }, field.help) : null,
      h('small', { class: 'field-error', id: `${inputId}-error` }));
  });
  const submitButton = h('button', { type: 'submit', class: 'btn primary' }, submitLabel ?? t('common.save'));
  const form = h('form', { class: 'dialog-form', novalidate: false },
    h('h2', {}, title), message, rows, extra ?? null,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, t('common.cancel')),
      submitButton));
  const dialog = h('dialog', { 'aria-label': title }, form);
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async event => {
    event.preventDefault();
    replace(message);
    for (const error of form.querySelectorAll('.field-error')) error.textContent = '';
    // Some changes wait for the host (a hot-unplug waits for the guest): say that it is working.
    submitButton.disabled = true;
    form.setAttribute('aria-busy', 'true');
    const working = setTimeout(() => replace(message, h('span', { class: 'hint' }, t('common.working'))), workingAfterMilliseconds);
    const answer = await submit(valuesOf(form, fields), form);
    clearTimeout(working);
    replace(message);
    form.removeAttribute('aria-busy');
    submitButton.disabled = false;
    if (answer.ok) {
      dialog.close();
      done?.(answer);
      return;
    }
    replace(message, failureText(answer));
    for (const error of answer.errors ?? []) {
      const slot = form.querySelector(`[data-field="${CSS.escape(error.field)}"] .field-error`);
      if (slot) slot.textContent = error.message;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, form, message };
}

/** A yes/no question before something that cannot be undone. */
export function confirmAction({ title, text, confirmLabel, submit, done, fields = [] }) {
  return openForm({ title, fields, submitLabel: confirmLabel, submit, done, extra: h('p', { class: 'confirm-text' }, text) });
}

/** A read-only panel (details of one resource) in a dialog. */
export function openPanel(title, ...content) {
  const dialog = h('dialog', { 'aria-label': title },
    h('div', { class: 'dialog-form' }, h('h2', {}, title), content,
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, t('common.close')))));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/**
 * A field of repeated rows (an instance's new data volumes, its new NICs): `columns` are
 * { name, label, type, value }; the value is an array of objects, empty rows left out.
 */
export function rowsField({ name, label, columns, addLabel }) {
  let container;
  const addRow = () => {
    const row = h('div', { class: 'row-item' },
      columns.map(column => h('label', {}, column.label,
        h('input', { type: column.type ?? 'text', name: `${name}.${column.name}`, value: column.value ?? '', min: column.min, 'aria-label': `${column.label} (${label})` }))),
      h('button', { type: 'button', class: 'btn', onclick: () => row.remove() }, t('common.remove')));
    container.querySelector('.rows').append(row);
    row.querySelector('input').focus();
  };
  return {
    name, type: 'rows',
    render: id => {
      container = h('fieldset', { id, class: 'rows-field' }, h('legend', {}, label), h('div', { class: 'rows' }),
        h('button', { type: 'button', class: 'btn', onclick: addRow }, addLabel));
      return container;
    },
    read: () => [...container.querySelectorAll('.row-item')].map(row => Object.fromEntries(columns.map(column => {
      const raw = row.querySelector(`input[name="${name}.${column.name}"]`).value.trim();
      return [column.name, column.type === 'number' && raw !== '' ? Number(raw) : raw];
    }))).filter(item => Object.values(item).some(value => value !== '')),
  };
}

/** Asks before deleting; `submit()` deletes, `done()` runs once the server has. */
export function confirmDelete({ title, text, submit, done }) {
  return confirmAction({ title, text: text ?? t('common.deleteText'), confirmLabel: t('action.delete'), submit, done });
}
