/**
 * The page: its HTML (with the styles inline) and its script, bundled by esbuild from
 * `page/app.ts` when the server starts. The bundle pulls `@proj/ws/browser` from the built
 * packages, the way an application would install it.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { PAGE_STYLE } from './page-style.js';

let bundle: Promise<string> | undefined;

/** The page script, bundled once per process. */
export function pageScript(): Promise<string> {
  bundle ??= build({
    entryPoints: [fileURLToPath(new URL('./page/app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  // A failed build must not stick: the next start tries again.
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

/** The page's HTML: a skeleton the script fills in. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@proj dashboard</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
  <div><h1>@proj <span>live connections</span></h1><div id="addresses" class="addresses"></div></div>
  <div id="status" class="pill" data-state="connecting">connecting…</div>
</header>
<main>
  <section class="cards" id="cards"></section>
  <section class="panel chart-panel">
    <div class="panel-head"><h2>Messages per second</h2><div id="rate" class="big">0</div></div>
    <svg id="chart" viewBox="0 0 600 140" preserveAspectRatio="none" role="img" aria-label="messages per second, last minute"></svg>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Connections in the registry</h2><div id="count" class="muted"></div></div>
    <table>
      <thead><tr><th>id</th><th>who</th><th>transport</th><th>remote</th><th class="num">age</th><th class="num">in</th><th class="num">out</th></tr></thead>
      <tbody id="peers"></tbody>
    </table>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Events</h2><div class="muted">newest first</div></div>
    <ol id="events"></ol>
  </section>
</main>
<script type="module" src="/app.js"></script>
</body>
</html>`;
