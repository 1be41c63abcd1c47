using System.Text;

namespace Sentinel.Web.SignIn;

/// <summary>
/// A tiny app that signs in through Sentinel the way the JS SDK does (PKCE S256, state, workspaces, token, refresh,
/// sessions, logout) and shows the tokens. Mapped only when <c>DEBUG=true</c>; <c>make seed</c> registers its redirect URI.
/// </summary>
public static class DemoEndpoints
{
    private const string Csp = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapDemoEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/demo", () => Page()).ExcludeFromDescription();
        app.MapGet("/demo/callback", () => Page()).ExcludeFromDescription();
        app.MapGet("/demo/app.js", () => Results.Text(Script, "text/javascript; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    private static IResult Page() => new DemoPage();

    private sealed class DemoPage : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var bytes = Encoding.UTF8.GetBytes(Html);
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = bytes.Length;
            context.Response.Headers.ContentSecurityPolicy = Csp;
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
        }
    }

    private const string Html = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sentinel demo app</title>
        <style>
        body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
        button{margin:.25rem .5rem .25rem 0;padding:.4rem .9rem;font:inherit;cursor:pointer}
        pre{background:#f5f5f7;padding:.75rem;border-radius:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:.8rem}
        .muted{color:#6b6b6b}.error{color:#b00020}
        </style></head>
        <body>
        <h1>Sentinel demo app</h1>
        <p class="muted">A development page (DEBUG=true only). It signs in through Sentinel with PKCE, as an app would, and shows what it gets.</p>
        <div id="providers"></div>
        <div id="workspaces"></div>
        <div id="actions" hidden><button id="refresh">Refresh</button><button id="sessions">My sessions</button><button id="logout">Log out</button></div>
        <p id="status" class="muted"></p>
        <div id="output"></div>
        <script src="/demo/app.js"></script>
        </body>
        </html>
        """;

    private const string Script = """
        'use strict';
        const $ = (id) => document.getElementById(id);
        const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        const redirectUri = location.origin + '/demo/callback';
        let tokens = null;

        function status(text, error) { $('status').textContent = text; $('status').className = error ? 'error' : 'muted'; }
        function claims(jwt) { const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'); return JSON.parse(decodeURIComponent(escape(atob(part)))); }
        function show(title, value) {
          const h = document.createElement('h3'); h.textContent = title;
          const pre = document.createElement('pre'); pre.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
          $('output').replaceChildren(h, pre);
        }
        function showTokens() {
          $('actions').hidden = false;
          const parts = [['Access token claims', claims(tokens.access_token)], ['Refresh token claims', claims(tokens.refresh_token)], ['Token response', tokens]];
          $('output').replaceChildren(...parts.flatMap(([title, value]) => {
            const h = document.createElement('h3'); h.textContent = title;
            const pre = document.createElement('pre'); pre.textContent = JSON.stringify(value, null, 2);
            return [h, pre];
          }));
        }
        async function api(method, path, body, bearer) {
          const headers = { 'Content-Type': 'application/json' };
          if (bearer) headers.Authorization = 'Bearer ' + bearer;
          const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
          const text = await response.text();
          let json = null; try { json = JSON.parse(text); } catch { }
          if (!response.ok) throw new Error(`${response.status} ${json && json.detail ? JSON.stringify(json.detail) : text}`);
          return json;
        }
        async function login(provider) {
          const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
          const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
          const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
          sessionStorage.setItem('sentinel-demo', JSON.stringify({ verifier, state }));
          location.assign(`/auth/login/${encodeURIComponent(provider)}?` + new URLSearchParams({ redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state }));
        }
        async function start() {
          const { providers } = await api('GET', '/auth/providers');
          $('providers').replaceChildren(...providers.map((p) => { const b = document.createElement('button'); b.textContent = 'Sign in with ' + p; b.onclick = () => login(p); return b; }));
          if (providers.length === 0) status('No identity provider is configured. `make start` starts a local one as "dex".', true);
        }
        async function callback() {
          const params = new URLSearchParams(location.search);
          const saved = JSON.parse(sessionStorage.getItem('sentinel-demo') || 'null');
          history.replaceState(null, '', '/demo');
          if (!saved || params.get('state') !== saved.state) { status('The state does not match this browser\'s sign-in: start again.', true); return start(); }
          const code = params.get('code');
          const workspaces = await api('POST', '/auth/workspaces', { code, code_verifier: saved.verifier });
          if (workspaces.length === 0) { status('Signed in, but this user is in no workspace. `make seed` adds alice@example.com and bob@example.com to "demo".', true); return; }
          status('Signed in. Choose a workspace:');
          $('workspaces').replaceChildren(...workspaces.map((w) => {
            const b = document.createElement('button'); b.textContent = `${w.name} (${w.role})`;
            b.onclick = async () => {
              try {
                tokens = await api('POST', '/auth/token', { code, workspace_id: w.id, code_verifier: saved.verifier });
                sessionStorage.removeItem('sentinel-demo');
                $('workspaces').replaceChildren(); status('Tokens issued for ' + w.slug + '.'); showTokens();
              } catch (e) { status(e.message, true); }
            };
            return b;
          }));
        }
        $('refresh').onclick = async () => { try { tokens = await api('POST', '/auth/refresh', { refresh_token: tokens.refresh_token }); status('Rotated: a new pair in the same family.'); showTokens(); } catch (e) { status(e.message, true); } };
        $('sessions').onclick = async () => { try { show('GET /users/me/sessions', await api('GET', '/users/me/sessions', null, tokens.access_token)); } catch (e) { status(e.message, true); } };
        $('logout').onclick = async () => { try { await api('POST', '/auth/logout', null, tokens.access_token); tokens = null; $('actions').hidden = true; $('output').replaceChildren(); status('Logged out: every session of this user is revoked.'); start(); } catch (e) { status(e.message, true); } };
        (location.pathname === '/demo/callback' ? callback() : start()).catch((e) => status(e.message, true));
        """;
}
