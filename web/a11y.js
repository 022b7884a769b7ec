// Keyboard use of the whole workplace, for every page and every dialog without their help: the
// "skip to content" link, focus moved to <main> after a navigation, and modal dialogs that keep
// Tab inside them, close with Escape (the browser's own) and give focus back to what opened them.
import { addStrings, t } from '/web/i18n.js';

addStrings({
  vi: { skip: 'Bỏ qua thanh điều hướng, đến nội dung chính', 'nav.label': 'Điều hướng chính' },
  en: { skip: 'Skip to the main content', 'nav.label': 'Main navigation' },
});

const focusable = [
  'a[href]', 'button:not([disabled])', 'input:not([disabled]):not([type=hidden])', 'select:not([disabled])',
  'textarea:not([disabled])', 'summary', '[tabindex]:not([tabindex="-1"])',
].join(',');

function tabbable(container) {
  return [...container.querySelectorAll(focusable)].filter((element) =>
    !element.closest('[hidden]') && !element.closest('details:not([open]) > :not(summary)') &&
    element.getClientRects().length > 0);
}

function isModal(dialog) {
  try { return dialog.matches(':modal'); } catch { return true; }  // a browser without :modal: ours are all modal
}

/// The accessible names of the static page (index.html's data-i18n-label), in the current language.
export function labelChrome() {
  for (const element of document.querySelectorAll('[data-i18n-label]')) element.setAttribute('aria-label', t(element.dataset.i18nLabel));
}

let lastOutside = null;  // the element focused last outside any open modal dialog: the one that opened it

/// Installs the handlers once, for `main` (the page's <main tabindex=-1>).
export function installKeyboard(main) {
  const skip = document.getElementById('skip');
  if (skip) {
    // The app routes by the URL's hash, so the link cannot just be href="#main".
    skip.addEventListener('click', (event) => {
      event.preventDefault();
      main.focus();
      main.scrollIntoView();
    });
  }
  document.addEventListener('focusin', (event) => {
    if (!event.target.closest || !event.target.closest('dialog')) lastOutside = event.target;
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const open = document.querySelector('dialog[open]');
    if (!open || !isModal(open)) return;
    const items = tabbable(open);
    if (!items.length) { event.preventDefault(); return; }
    const first = items[0];
    const last = items[items.length - 1];
    const inside = open.contains(document.activeElement);
    if (event.shiftKey && (document.activeElement === first || !inside)) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && (document.activeElement === last || !inside)) { event.preventDefault(); first.focus(); }
  });
  // `close` does not bubble: listen in the capture phase, for every dialog of every page.
  document.addEventListener('close', (event) => {
    if (!(event.target instanceof HTMLDialogElement)) return;
    const opener = lastOutside;
    // After the browser's own focus restoring: the opener when it is still there, else <main>.
    setTimeout(() => {
      if (document.querySelector('dialog[open]')) return;
      if (opener && opener.isConnected && opener !== document.body) opener.focus();
      else if (document.activeElement === document.body || !document.activeElement) main.focus();
    }, 0);
  }, true);
}

let loaded = false;  // the first page of a load keeps the focus at the start (the skip link is next)

/// After a navigation has rendered a page: focus <main> when the focus was lost with the old
/// page (the link that was clicked is gone), so the keyboard starts at the new content; a focus
/// the page set itself (the login's user name) or the user moved meanwhile stays.
export function focusMainIfLost(main) {
  if (!loaded) { loaded = true; return; }
  const active = document.activeElement;
  if (document.querySelector('dialog[open]')) return;
  if (!active || active === document.body || active === document.documentElement) main.focus({ preventScroll: false });
}
