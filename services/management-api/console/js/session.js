// The customer's API key lives in sessionStorage only: it is gone when the tab closes, and
// never written to localStorage, cookies or the URL.
const KEY = 'callhooks.console.apiKey';

export const session = {
  get apiKey() {
    return sessionStorage.getItem(KEY);
  },
  signIn(apiKey) {
    sessionStorage.setItem(KEY, apiKey);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
  },
  /** What the header shows: the key's public prefix, never the whole key. */
  get keyHint() {
    const key = sessionStorage.getItem(KEY);
    return key ? `${key.slice(0, 10)}…` : '';
  },
};
