// Labels in English and Chinese. Messages from the server are shown as the server wrote them
// (the seed's messages are Chinese), never translated here.
import en from './lang/en.js';
import zh from './lang/zh.js';

const dictionaries = { en, zh };
const storageKey = 'platform.console.lang';
let language = 'en';

export function initialLanguage() {
  const stored = window.localStorage.getItem(storageKey);
  if (stored && stored in dictionaries) return stored;
  return (navigator.language ?? '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function setLanguage(lang) {
  language = lang in dictionaries ? lang : 'en';
  window.localStorage.setItem(storageKey, language);
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
}

export function currentLanguage() { return language; }

/** The label for KEY, with {name} placeholders filled from ARGS; the key itself when missing. */
export function t(key, args = {}) {
  const text = dictionaries[language][key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(args[name] ?? ''));
}
