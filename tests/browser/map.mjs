// Drives the urbis map page in Debian's headless Chromium with playwright-core:
// loads /map centred on the Grand-Place at z16, waits for MapLibre's `idle`, checks that the
// page logged no error, that no request failed or went outside the server, that the `urbis`
// tiles loaded and that buildings, street names and house numbers were rendered; switches the
// labels to Dutch, waits for `idle` again, checks again, and saves a screenshot of each.
//
//   node tests/browser/map.mjs <web_dir> <server base URL> <output dir>
//
// Prints a JSON summary on stdout; exits 1 (with the problems on stderr) when a check fails.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

const [webDir, base, outDir] = process.argv.slice(2);
if (!webDir || !base || !outDir) {
    console.error('usage: map.mjs <web_dir> <base URL> <output dir>');
    process.exit(2);
}
const require = createRequire(path.join(path.resolve(webDir), 'noop.js'));
const {chromium} = require('playwright-core');

// The Grand-Place / Grote Markt.
const VIEW = '#16/50.84676/4.35236';
const TILE = /\/tiles\/urbis\/(\d+)\/(\d+)\/(\d+)\.(mvt|pbf)(\?|$)/;

const tilejson = await (await fetch(`${base}/tiles/urbis.json`)).json();
const maxzoom = tilejson.maxzoom;
if (!Number.isInteger(maxzoom)) throw new Error(`TileJSON has no integer maxzoom: ${JSON.stringify(tilejson)}`);

const problems = [];
const tiles = {requested: 0, byStatus: {}};
const glyphs = {requested: 0, byStatus: {}};
let beyondMaxZoom404 = 0;

const browser = await chromium.launch({
    executablePath: process.env.URBIS_CHROMIUM || '/usr/bin/chromium',
    args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
    ],
});
const summary = {};
try {
    const page = await browser.newPage({viewport: {width: 1024, height: 768}});
    page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location()?.url ?? ''})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
        const u = r.url();
        if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) {
            problems.push(`request outside the server: ${u}`);
        }
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
        const u = r.url();
        const status = r.status();
        const t = u.match(TILE);
        if (t) {
            tiles.requested++;
            tiles.byStatus[status] = (tiles.byStatus[status] || 0) + 1;
        }
        if (u.includes('/fonts/')) {
            glyphs.requested++;
            glyphs.byStatus[status] = (glyphs.byStatus[status] || 0) + 1;
        }
        if (status >= 400) {
            // The one expected error: a tile beyond the data's max zoom is 404, so that
            // MapLibre over-zooms its parent.
            if (t && Number(t[1]) > maxzoom && status === 404) {
                beyondMaxZoom404++;
                return;
            }
            problems.push(`HTTP ${status}: ${u}`);
        }
    });

    const waitIdle = async (lang) => {
        await page.waitForFunction(
            (l) =>
                window.urbisMap &&
                window.urbisIdleCount > 0 &&
                window.urbisMap.getStyle().metadata['urbis:language'] === l &&
                window.urbisMap.loaded(),
            lang,
            {timeout: 90_000, polling: 100},
        );
    };

    const inspect = (lang) =>
        page.evaluate((l) => {
            const map = window.urbisMap;
            const count = (layer) => map.queryRenderedFeatures({layers: [layer]}).length;
            const names = map
                .queryRenderedFeatures({layers: ['streets-label']})
                .map((f) => f.properties[`name_${l}`] ?? f.properties[l === 'fr' ? 'name_nl' : 'name_fr'])
                .filter((n) => typeof n === 'string');
            return {
                zoom: Math.round(map.getZoom() * 100) / 100,
                center: map.getCenter().toArray().map((v) => Math.round(v * 1e5) / 1e5),
                sourceLoaded: map.isSourceLoaded('urbis'),
                textField: map.getLayoutProperty('streets-label', 'text-field'),
                buildings: count('buildings-fill'),
                streets: count('streets'),
                streetLabels: count('streets-label'),
                houseNumbers: count('housenumbers'),
                municipalities: count('municipalities-fill'),
                sampleStreetNames: [...new Set(names)].slice(0, 5),
            };
        }, lang);

    const check = (lang, s) => {
        const fail = (m) => problems.push(`${lang}: ${m}`);
        if (!s.sourceLoaded) fail('the urbis source did not load');
        if (Math.abs(s.zoom - 16) > 0.01) fail(`zoom ${s.zoom}, expected 16`);
        if (s.buildings === 0) fail('no building rendered');
        if (s.streets === 0) fail('no street rendered');
        if (s.streetLabels === 0) fail('no street name rendered');
        if (s.houseNumbers === 0) fail('no house number rendered');
        if (s.municipalities === 0) fail('no municipality rendered');
        if (JSON.stringify(s.textField?.[1]) !== JSON.stringify(['get', `name_${lang}`])) {
            fail(`street labels are not in ${lang}: ${JSON.stringify(s.textField)}`);
        }
    };

    await page.goto(`${base}/map${VIEW}`, {waitUntil: 'load'});
    await waitIdle('fr');
    summary.fr = await inspect('fr');
    check('fr', summary.fr);
    await page.screenshot({path: path.join(outDir, 'map-fr.png')});

    const before = await page.evaluate(() => window.urbisIdleCount);
    await page.click('button[data-lang="nl"]');
    await page.waitForFunction((n) => window.urbisIdleCount > n, before, {timeout: 90_000, polling: 100});
    await waitIdle('nl');
    summary.nl = await inspect('nl');
    check('nl', summary.nl);
    if ((await page.getAttribute('html', 'lang')) !== 'nl') problems.push('nl: the page language did not switch');
    await page.screenshot({path: path.join(outDir, 'map-nl.png')});
} finally {
    // playwright-core gives Chromium a new, empty profile in a temporary directory.
    await browser.close();
}

summary.tiles = tiles;
summary.glyphs = glyphs;
summary.beyondMaxZoom404 = beyondMaxZoom404;
if (!tiles.byStatus[200]) problems.push('no tile of the urbis tileset was answered 200');
if (!glyphs.byStatus[200]) problems.push('no glyph range was loaded');
console.log(JSON.stringify(summary));
if (problems.length > 0) {
    for (const p of problems) console.error(p);
    process.exit(1);
}
