/// The human review workbench served at `/review` (issue #5, point 6): a coder logs in with an API key,
/// sees the most uncertain record with the model's top-5 suggestions, searches the classification, and
/// accepts or corrects with the keyboard.
///
/// One self-contained page: inline CSS and JavaScript, no external resource, so that it runs under
/// `contentSecurityPolicy`. It talks to the JSON API of the same origin, sending the key as
/// `Authorization: Bearer <key>`: `GET /v1/whoami`, `GET /v1/review/next`, `GET /v1/classification`
/// and `POST /v1/review/items/{id}`. The key lives in the tab's `sessionStorage`, never in a URL.
///
/// Keyboard: `1`–`5` highlight a suggestion (also `↑`/`↓`), `Enter` saves the highlighted one (the
/// first by default), `/` focuses the classification search (`↑`/`↓` move through the results,
/// `Enter` saves the highlighted code, `Esc` leaves the search), `s` skips the record for this tab
/// (it stays in the queue).
///
/// Stable element ids for tests and tools: `login`, `login-form`, `api-key`, `login-submit`,
/// `login-error`, `session`, `tenant`, `role`, `queue-length`, `logout`, `workbench`, `status`,
/// `error`, `record`, `record-id`, `item-id`, `model-version`, `record-confidence`, `record-text`,
/// `suggestions` (items `data-testid="suggestion"` with `data-code`; the highlighted one has
/// `aria-current="true"`), `accept`, `skip`, `search`, `search-results` (items
/// `data-testid="search-result"` with `data-code`; the highlighted one has `aria-selected="true"`),
/// `search-status`, `empty-queue`, `check-again`, `shortcuts`.
public enum ReviewPage {
    /// The policy the page is written for: its own inline script and style, requests to its own origin
    /// only, no framing, no form posts, no `<base>`.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The page with the headers it should be served with: the policy above, no caching (the page is
    /// small and changes with the server), no MIME sniffing and no referrer.
    public static func response() -> HTTPResponse {
        var response = HTTPResponse.html(html)
        response.headers["Content-Security-Policy"] = contentSecurityPolicy
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    }

    public static let html: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <link rel="icon" href="data:,">
        <title>StatML review</title>
        <style>
          :root {
            color-scheme: light dark;
            --fg: #1b1b1b; --bg: #ffffff; --muted: #555555; --line: #8a8a8a; --panel: #f3f3f3;
            --accent: #0b57d0; --error: #b3261e;
          }
          @media (prefers-color-scheme: dark) {
            :root { --fg: #ececec; --bg: #161616; --muted: #b4b4b4; --line: #777777; --panel: #232323;
                    --accent: #8ab4f8; --error: #f2b8b5; }
          }
          * { box-sizing: border-box; }
          body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
          header { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1.5rem;
                   padding: .6rem 1.2rem; border-bottom: 2px solid var(--line); }
          header h1 { font-size: 1.1rem; margin: 0 auto 0 0; }
          #session { display: flex; gap: 1.2rem; margin: 0; }
          #session div { display: flex; gap: .35rem; }
          #session dt { color: var(--muted); }
          #session dd { margin: 0; font-weight: 600; }
          main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.2rem; }
          #workbench { display: grid; grid-template-columns: minmax(0, 1fr) 15rem; gap: 1.5rem; }
          @media (max-width: 50rem) { #workbench { grid-template-columns: 1fr; } }
          h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
          .hint, .meta { color: var(--muted); font-size: .9rem; }
          .error { color: var(--error); font-weight: 600; }
          .error:not(:empty)::before { content: "Error: "; }
          #status:empty, #error:empty, #login-error:empty { display: none; }
          #status { border-left: 4px solid var(--line); padding: .2rem .6rem; }
          #login { max-width: 28rem; margin: 3rem auto; padding: 1.2rem; border: 1px solid var(--line); }
          #login-form { display: grid; gap: .5rem; }
          input, button { font: inherit; color: inherit; }
          input { padding: .45rem .6rem; border: 1px solid var(--line); background: var(--bg); }
          button { padding: .35rem .8rem; border: 1px solid var(--line); background: var(--panel); cursor: pointer; }
          :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
          #record:focus { outline: none; }
          kbd { font: .85em ui-monospace, monospace; border: 1px solid var(--line); border-bottom-width: 2px;
                border-radius: 3px; padding: 0 .3em; }
          #record-text { font-size: 2rem; line-height: 1.25; margin: .3rem 0 1rem; overflow-wrap: anywhere; }
          #suggestions { list-style: none; margin: 0 0 1rem; padding: 0; display: grid; gap: .3rem; }
          .suggestion { display: grid; grid-template-columns: 2rem minmax(0, 1fr) 10rem 3.5rem; align-items: center;
                        gap: .6rem; padding: .35rem .5rem; border: 2px solid transparent; cursor: pointer; }
          .suggestion[aria-current="true"] { border-color: var(--fg); background: var(--panel); font-weight: 600; }
          .suggestion[aria-current="true"] .code::before { content: "\25B6  "; }
          .suggestion .label { color: var(--muted); font-weight: 400; }
          .tag { font-size: .8rem; font-weight: 400; border: 1px solid var(--line); padding: 0 .3rem;
                 margin-left: .4rem; }
          .bar { height: .8rem; border: 1px solid var(--line); }
          .bar span { display: block; height: 100%; background: var(--accent); }
          .pct { text-align: right; font-variant-numeric: tabular-nums; }
          .actions { display: flex; gap: .6rem; margin-bottom: 1.2rem; }
          #search-box { display: grid; gap: .35rem; }
          #search-results { list-style: none; margin: 0; padding: 0; max-height: 22rem; overflow-y: auto; }
          #search-results:not(:empty) { border: 1px solid var(--line); }
          #search-results li { padding: .3rem .6rem; cursor: pointer; }
          #search-results li[aria-selected="true"] { background: var(--panel); font-weight: 600;
                                                     outline: 2px solid var(--fg); outline-offset: -2px; }
          #search-results li[aria-selected="true"]::before { content: "\25B6  "; }
          #shortcuts { border-left: 2px solid var(--line); padding-left: 1rem; align-self: start; }
          #shortcuts dl { display: grid; grid-template-columns: auto 1fr; gap: .3rem .6rem; margin: 0; }
          #shortcuts dd { margin: 0; }
          .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
          [hidden] { display: none !important; }
        </style>
        </head>
        <body>
        <header>
          <h1>StatML review</h1>
          <dl id="session" aria-label="Session" hidden>
            <div><dt>Tenant</dt><dd id="tenant"></dd></div>
            <div><dt>Role</dt><dd id="role"></dd></div>
            <div><dt>In queue</dt><dd id="queue-length" data-testid="queue-length"></dd></div>
          </dl>
          <button id="logout" type="button" hidden>Log out</button>
        </header>
        <main>
          <section id="login" aria-labelledby="login-title" hidden>
            <h2 id="login-title">Log in</h2>
            <form id="login-form" novalidate>
              <label for="api-key">API key</label>
              <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false"
                     aria-describedby="login-help login-error">
              <button id="login-submit" type="submit">Log in</button>
              <p id="login-help" class="hint">The key is kept in this browser tab only and sent with each request.</p>
              <p id="login-error" class="error" role="alert" data-testid="login-error"></p>
            </form>
          </section>

          <div id="workbench" hidden>
            <section aria-label="Review">
              <p id="status" role="status" aria-live="polite" data-testid="status"></p>
              <p id="error" class="error" role="alert" data-testid="error"></p>

              <div id="empty-queue" data-testid="empty-queue" hidden>
                <h2>Nothing to review</h2>
                <p>The review queue is empty.</p>
                <button id="check-again" type="button">Check again</button>
              </div>

              <article id="record" tabindex="-1" aria-labelledby="record-heading" data-testid="record" hidden>
                <h2 id="record-heading" class="visually-hidden">Record to code</h2>
                <p class="meta">Record <span id="record-id"></span> · item <span id="item-id"></span>
                  · model version <span id="model-version"></span>
                  · model confidence <span id="record-confidence"></span></p>
                <p id="record-text" dir="auto" data-testid="record-text"></p>

                <h2 id="suggestions-title">Model suggestions</h2>
                <ol id="suggestions" aria-labelledby="suggestions-title" data-testid="suggestions"></ol>
                <div class="actions">
                  <button id="accept" type="button">Save highlighted <kbd>Enter</kbd></button>
                  <button id="skip" type="button">Skip <kbd>s</kbd></button>
                </div>

                <div id="search-box">
                  <label for="search">Search the classification <kbd>/</kbd></label>
                  <input id="search" type="search" role="combobox" autocomplete="off" spellcheck="false"
                         aria-autocomplete="list" aria-expanded="false" aria-controls="search-results"
                         aria-describedby="search-status" data-testid="search">
                  <p id="search-status" class="hint" aria-live="polite"></p>
                  <ul id="search-results" role="listbox" aria-label="Matching codes" data-testid="search-results"></ul>
                </div>
              </article>
            </section>

            <aside id="shortcuts" aria-labelledby="shortcuts-title" data-testid="shortcuts">
              <h2 id="shortcuts-title">Keyboard</h2>
              <dl>
                <dt><kbd>1</kbd>–<kbd>5</kbd></dt><dd>highlight a suggestion</dd>
                <dt><kbd>↑</kbd> <kbd>↓</kbd></dt><dd>move the highlight</dd>
                <dt><kbd>Enter</kbd></dt><dd>save the highlighted code</dd>
                <dt><kbd>/</kbd></dt><dd>search the classification</dd>
                <dt><kbd>Esc</kbd></dt><dd>leave the search</dd>
                <dt><kbd>s</kbd></dt><dd>skip (the record stays in the queue)</dd>
              </dl>
              <p class="hint">Saving the model's own code records an acceptance; any other code, a correction.</p>
            </aside>
          </div>
        </main>

        <script>
        'use strict';
        (() => {
          const STORAGE_KEY = 'statml.review.key';
          const SEARCH_LIMIT = 20;
          const byId = (id) => document.getElementById(id);
          const ui = {};
          for (const id of ['login', 'login-form', 'api-key', 'login-submit', 'login-error', 'session', 'tenant',
                            'role', 'queue-length', 'logout', 'workbench', 'status', 'error', 'empty-queue',
                            'check-again', 'record', 'record-id', 'item-id', 'model-version', 'record-confidence',
                            'record-text', 'suggestions', 'accept', 'skip', 'search', 'search-status',
                            'search-results']) {
            ui[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = byId(id);
          }

          const state = {
            key: null,
            item: null,            // the review item on screen, as the API sent it
            highlighted: 0,        // index into item.suggestions
            skipped: new Set(),    // item ids skipped in this tab; they stay in the server's queue
            results: [],           // classification search results
            active: -1,            // index into results; -1 while they are stale or empty
            searchSeq: 0,          // only the answer to the latest query is shown
            searchTimer: 0,
            busy: false            // a request for the record is under way: keys wait for it
          };

          class APIError extends Error {
            constructor(status, code, message) { super(message); this.status = status; this.code = code; }
          }

          // Calls the JSON API with the key; a non-2xx answer becomes an APIError carrying the server's message.
          async function api(method, path, body, key = state.key) {
            const headers = { 'Authorization': 'Bearer ' + key, 'Accept': 'application/json' };
            if (body !== undefined) headers['Content-Type'] = 'application/json';
            let response;
            try {
              response = await fetch(path, {
                method, headers, cache: 'no-store', credentials: 'omit',
                body: body === undefined ? undefined : JSON.stringify(body)
              });
            } catch (e) {
              throw new APIError(0, 'network', 'cannot reach the server (' + e.message + ')');
            }
            const data = await response.json().catch(() => null);
            if (!response.ok) {
              const error = (data && data.error) || {};
              throw new APIError(response.status, error.code || 'http_' + response.status,
                                 error.message || 'the server answered HTTP ' + response.status);
            }
            return data;
          }

          // Builds an element; strings become text nodes, so server data is never parsed as HTML.
          function el(tag, attributes, ...children) {
            const node = document.createElement(tag);
            for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
            node.append(...children);
            return node;
          }

          function percent(p) {
            const value = Math.max(0, Math.min(1, Number(p) || 0)) * 100;
            return value > 0 && value < 1 ? '<1%' : Math.round(value) + '%';
          }

          function say(message) { ui.status.textContent = message; }
          function showError(message) { ui.error.textContent = message; }

          // Runs an action for the record; a refused key ends the session, any other error is shown.
          async function run(action) {
            if (state.busy) return;
            state.busy = true;
            showError('');
            try {
              await action();
            } catch (e) {
              if (e.status === 401) logout('Your key was refused: ' + e.message);
              else showError(e.message);
            } finally {
              state.busy = false;
            }
          }

          // ---- session ----

          function showLogin(message) {
            state.key = null;
            state.item = null;
            state.skipped.clear();
            ui.workbench.hidden = true;
            ui.session.hidden = true;
            ui.logout.hidden = true;
            ui.login.hidden = false;
            ui.loginError.textContent = message || '';
            ui.apiKey.focus();
          }

          async function login(key) {
            ui.loginSubmit.disabled = true;
            ui.loginError.textContent = '';
            try {
              const me = await api('GET', '/v1/whoami', undefined, key);
              state.key = key;
              sessionStorage.setItem(STORAGE_KEY, key);
              ui.apiKey.value = '';
              ui.tenant.textContent = me.tenant;
              ui.role.textContent = me.role;
              ui.session.title = 'key ' + (me.key_prefix || '');
              ui.login.hidden = true;
              ui.session.hidden = false;
              ui.logout.hidden = false;
              ui.workbench.hidden = false;
              say('');
              await run(loadNext);
            } catch (e) {
              // A refused key is forgotten; after a network error the same key can be tried again.
              if (e.status === 401) sessionStorage.removeItem(STORAGE_KEY);
              showLogin(e.message);
            } finally {
              ui.loginSubmit.disabled = false;
            }
          }

          function logout(message) {
            sessionStorage.removeItem(STORAGE_KEY);
            showLogin(message);
          }

          // ---- records ----

          // Shows the most uncertain item this tab has not skipped.
          async function loadNext() {
            const limit = Math.min(state.skipped.size + 1, 100);
            const data = await api('GET', '/v1/review/next?limit=' + limit);
            ui.queueLength.textContent = String(data.queue_length);
            let item = data.items.find((candidate) => !state.skipped.has(candidate.id));
            if (!item && data.items.length > 0) {
              state.skipped.clear();
              item = data.items[0];
              say('Every record left in the queue was skipped; starting again from the most uncertain.');
            }
            showItem(item || null);
          }

          function showItem(item) {
            state.item = item;
            state.highlighted = 0;
            clearSearch();
            ui.emptyQueue.hidden = item !== null;
            ui.record.hidden = item === null;
            if (item === null) { ui.checkAgain.focus(); return; }
            ui.recordId.textContent = item.record_id;
            ui.itemId.textContent = String(item.id);
            ui.modelVersion.textContent = item.model_version === null ? 'unknown' : String(item.model_version);
            ui.recordConfidence.textContent = percent(item.confidence);
            ui.recordText.textContent = item.text;
            ui.suggestions.replaceChildren(...item.suggestions.slice(0, 5).map((s, i) => {
              const label = s.label && s.label !== s.code ? el('span', { class: 'label' }, ' ' + s.label) : '';
              const own = s.code === item.predicted_code ? el('span', { class: 'tag' }, "model's code") : '';
              const fill = el('span');
              fill.style.width = percent(s.confidence).replace('<', '');
              const row = el('li', { class: 'suggestion', 'data-testid': 'suggestion', 'data-code': s.code },
                el('kbd', { class: 'key' }, String(i + 1)),
                el('span', {}, el('span', { class: 'code' }, s.code), label, own),
                el('span', { class: 'bar', 'aria-hidden': 'true' }, fill),
                el('span', { class: 'pct' }, percent(s.confidence)));
              row.addEventListener('click', () => highlight(i));
              return row;
            }));
            highlight(0);
            ui.record.focus({ preventScroll: true });
          }

          function highlight(index) {
            const rows = ui.suggestions.children;
            if (index < 0 || index >= rows.length) return;
            state.highlighted = index;
            for (let i = 0; i < rows.length; i++) rows[i].setAttribute('aria-current', String(i === index));
          }

          // The server decides whether this is an acceptance (the model's code) or a correction.
          async function decide(code) {
            const item = state.item;
            try {
              const saved = await api('POST', '/v1/review/items/' + encodeURIComponent(item.id), { code });
              say('Saved record ' + item.record_id + ' as ' + saved.code + ' (' + saved.decision + ').');
            } catch (e) {
              // Decided meanwhile (another coder) or gone: nothing to save, the next record is what matters.
              if (e.status !== 409 && e.status !== 404) throw e;
              say('Record ' + item.record_id + ' was not saved: ' + e.message);
            }
            await loadNext();
          }

          function acceptHighlighted() {
            const suggestion = state.item && state.item.suggestions[state.highlighted];
            if (suggestion) run(() => decide(suggestion.code));
          }

          function skip() {
            if (!state.item) return;
            const item = state.item;
            run(async () => {
              state.skipped.add(item.id);
              say('Skipped record ' + item.record_id + '; it stays in the queue.');
              await loadNext();
            });
          }

          // ---- classification search ----

          function clearSearch() {
            clearTimeout(state.searchTimer);
            state.searchSeq++;
            state.results = [];
            state.active = -1;
            ui.search.value = '';
            ui.searchStatus.textContent = '';
            ui.searchResults.replaceChildren();
            ui.search.setAttribute('aria-expanded', 'false');
            ui.search.removeAttribute('aria-activedescendant');
          }

          function leaveSearch() {
            clearSearch();
            ui.record.focus({ preventScroll: true });
          }

          async function search() {
            const seq = ++state.searchSeq;
            const query = ui.search.value.trim();
            if (query === '') { clearSearch(); return; }
            let data;
            try {
              data = await api('GET', '/v1/classification?q=' + encodeURIComponent(query) + '&limit=' + SEARCH_LIMIT);
            } catch (e) {
              if (e.status === 401) logout('Your key was refused: ' + e.message);
              else if (seq === state.searchSeq) ui.searchStatus.textContent = 'Search failed: ' + e.message;
              return;
            }
            if (seq !== state.searchSeq) return;
            showResults(data.codes, query);
          }

          function showResults(codes, query) {
            state.results = codes;
            ui.searchResults.replaceChildren(...codes.map((c, i) => {
              const parts = [el('span', { class: 'code' }, c.code)];
              if (c.label && c.label !== c.code) parts.push(' — ' + c.label);
              if (c.level !== null && c.level !== undefined) parts.push(' (level ' + c.level + ')');
              const option = el('li', { role: 'option', id: 'search-option-' + i, 'data-testid': 'search-result',
                                        'data-code': c.code }, ...parts);
              // mousedown would move the focus out of the search box before the click lands.
              option.addEventListener('mousedown', (event) => event.preventDefault());
              option.addEventListener('click', () => pickResult(i));
              return option;
            }));
            ui.search.setAttribute('aria-expanded', String(codes.length > 0));
            ui.searchStatus.textContent = codes.length === 0 ? 'No code matches “' + query + '”.'
              : codes.length >= SEARCH_LIMIT ? 'The first ' + codes.length + ' matches; type more to narrow them.'
              : codes.length + (codes.length === 1 ? ' code matches.' : ' codes match.');
            setActive(codes.length > 0 ? 0 : -1);
          }

          function setActive(index) {
            state.active = index;
            const options = ui.searchResults.children;
            for (let i = 0; i < options.length; i++) options[i].setAttribute('aria-selected', String(i === index));
            if (index < 0) { ui.search.removeAttribute('aria-activedescendant'); return; }
            ui.search.setAttribute('aria-activedescendant', options[index].id);
            options[index].scrollIntoView({ block: 'nearest' });
          }

          function pickResult(index) {
            const result = state.results[index];
            if (!result || !state.item) return;
            leaveSearch();
            run(() => decide(result.code));
          }

          ui.search.addEventListener('input', () => {
            // Results on screen no longer answer what is typed: Enter must not pick one of them.
            setActive(-1);
            clearTimeout(state.searchTimer);
            state.searchTimer = setTimeout(search, 120);
          });

          ui.search.addEventListener('keydown', (event) => {
            if (event.isComposing) return;
            const count = state.results.length;
            switch (event.key) {
              case 'ArrowDown': if (count > 0 && state.active >= 0) setActive((state.active + 1) % count); break;
              case 'ArrowUp': if (count > 0 && state.active >= 0) setActive((state.active - 1 + count) % count); break;
              case 'Enter':
                if (state.active >= 0) pickResult(state.active);
                else ui.searchStatus.textContent = 'No code is highlighted yet.';
                break;
              case 'Escape': leaveSearch(); break;
              default: return;
            }
            event.preventDefault();
            event.stopPropagation();
          });

          // ---- keyboard for the record ----

          document.addEventListener('keydown', (event) => {
            if (ui.workbench.hidden || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
            if (event.target === ui.search) return;
            // Enter and Space keep their meaning on a focused button.
            if (event.target instanceof HTMLButtonElement && (event.key === 'Enter' || event.key === ' ')) return;
            if (!state.item) return;
            if (event.repeat && (event.key === 'Enter' || event.key === 's')) { event.preventDefault(); return; }
            switch (event.key) {
              case '1': case '2': case '3': case '4': case '5': highlight(Number(event.key) - 1); break;
              case 'ArrowDown': highlight(state.highlighted + 1); break;
              case 'ArrowUp': highlight(state.highlighted - 1); break;
              case 'Enter': acceptHighlighted(); break;
              case 's': case 'S': skip(); break;
              case '/': ui.search.focus(); break;
              default: return;
            }
            event.preventDefault();
          });

          ui.loginForm.addEventListener('submit', (event) => {
            event.preventDefault();
            const key = ui.apiKey.value.trim();
            if (key === '') { ui.loginError.textContent = 'Enter your API key.'; ui.apiKey.focus(); return; }
            login(key);
          });
          ui.logout.addEventListener('click', () => logout(''));
          ui.accept.addEventListener('click', acceptHighlighted);
          ui.skip.addEventListener('click', skip);
          ui.checkAgain.addEventListener('click', () => run(loadNext));

          const stored = sessionStorage.getItem(STORAGE_KEY);
          if (stored) login(stored); else showLogin('');
        })();
        </script>
        </body>
        </html>
        """#
}
