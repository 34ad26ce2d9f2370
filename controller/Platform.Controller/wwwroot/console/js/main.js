// The console's shell: sign-in, the navigation and a hash router (#/images, #/instances/i-…).
import { get, post, setCsrfToken, whenSignedOut } from './api.js';
import { loadAccess, can } from './access.js';
import { t, setLanguage, initialLanguage, currentLanguage } from './i18n.js';
import { h, replace, failureText, notify } from './ui.js';
import { openForm } from './forms.js';
import { pages, defaultPage } from './pages/index.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const header = document.querySelector('header.top');
let user = null;

function showSignIn(reason) {
  user = null;
  header.hidden = true;
  nav.hidden = true;
  const message = h('p', { class: 'form-message', role: 'alert' }, reason ?? '');
  const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, t('auth.title')),
    message,
    h('div', { class: 'field' }, h('label', { for: 'login-name' }, t('auth.name')), name),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('auth.password')), password),
    h('button', { type: 'submit', class: 'btn primary' }, t('auth.signIn')),
    languagePicker());
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const answer = await post('/api/v1/auth/login', { name: name.value, password: password.value });
    password.value = '';
    if (!answer.ok) { replace(message, failureText(answer)); return; }
    setCsrfToken(answer.data.csrf_token);
    await enter({ name: answer.data.name, role: answer.data.role });
  });
  replace(main, form);
  name.focus();
}

function languagePicker() {
  const select = h('select', { 'aria-label': t('lang.label') },
    h('option', { value: 'en', selected: currentLanguage() === 'en' }, 'English'),
    h('option', { value: 'zh', selected: currentLanguage() === 'zh' }, '中文'));
  select.addEventListener('change', () => { setLanguage(select.value); showSignIn(); });
  return h('p', { class: 'lang-row' }, select);
}

async function enter(signedIn) {
  user = signedIn;
  await loadAccess(user.role);
  header.hidden = false;
  nav.hidden = false;
  document.getElementById('who').textContent = t('auth.who', { name: user.name, role: t(`role.${user.role}`) });
  renderNav();
  await route();
}

function renderNav() {
  const current = (window.location.hash.slice(2).split('/')[0]) || defaultPage;
  replace(nav, h('ul', {}, Object.entries(pages)
    .filter(([, page]) => !page.needs || can(...page.needs))
    .map(([key]) => h('li', {}, h('a', { href: `#/${key}`, 'aria-current': key === current ? 'page' : null }, t(`nav.${key}`))))));
}

async function route() {
  if (!user) return;
  const [key, ...params] = window.location.hash.slice(2).split('/');
  const page = pages[key] ?? pages[defaultPage];
  renderNav();
  const container = h('div', { class: 'page', dataset: { page: key || defaultPage } });
  replace(main, container);
  document.title = `${t(`nav.${key || defaultPage}`)} · Platform`;
  try {
    await page.render(container, params.map(decodeURIComponent));
  } catch (error) {
    // A bug in the console itself: say so plainly instead of leaving a blank page.
    replace(container, h('p', { class: 'error', role: 'alert' }, t('common.consoleError', { error: error.message })));
  }
}

async function boot() {
  setLanguage(initialLanguage());
  const select = document.getElementById('lang');
  select.value = currentLanguage();
  select.addEventListener('change', () => { setLanguage(select.value); if (user) { document.getElementById('who').textContent = t('auth.who', { name: user.name, role: t(`role.${user.role}`) }); route(); } });
  document.getElementById('password').addEventListener('click', () => openForm({
    title: t('auth.changePassword'),
    fields: [
      { name: 'current_password', label: t('auth.currentPassword'), type: 'password', required: true, autocomplete: 'current-password' },
      { name: 'new_password', label: t('users.newPassword'), type: 'password', required: true, autocomplete: 'new-password', help: t('auth.passwordHelp') },
    ],
    submit: values => post('/api/v1/auth/password', values),
    done: () => notify(t('auth.passwordChanged')),
  }));
  document.getElementById('logout').addEventListener('click', async () => {
    await post('/api/v1/auth/logout');
    setCsrfToken(null);
    showSignIn(t('auth.signedOut'));
  });
  // The skip link moves the focus without touching the address (the hash is the router's).
  document.querySelector('.skip').addEventListener('click', event => { event.preventDefault(); main.focus(); });
  const toggle = document.querySelector('.menu-toggle');
  toggle.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    toggle.setAttribute('aria-expanded', String(open));
  });
  whenSignedOut(() => { if (user) showSignIn(t('auth.expired')); });
  window.addEventListener('hashchange', () => { nav.classList.remove('open'); route(); });

  const whoami = await get('/api/v1/auth/whoami');
  if (whoami.ok && whoami.data.via === 'session') {
    setCsrfToken(whoami.data.csrf_token);
    await enter(whoami.data);
  } else if (whoami.status === 0) {
    showSignIn(whoami.message);
  } else {
    showSignIn();
  }
}

boot();
