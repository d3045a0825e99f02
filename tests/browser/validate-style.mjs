// Validates MapLibre styles with the style specification's own validator
// (@maplibre/maplibre-gl-style-spec, installed by `npm ci --prefix web`).
//
//   node tests/browser/validate-style.mjs <web_dir> <style URL or file>...
//
// Prints one line per style and exits 1 when any style has errors.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

const [webDir, ...styles] = process.argv.slice(2);
if (!webDir || styles.length === 0) {
    console.error('usage: validate-style.mjs <web_dir> <style URL or file>...');
    process.exit(2);
}
const require = createRequire(path.join(path.resolve(webDir), 'noop.js'));
const {validateStyleMin} = require('@maplibre/maplibre-gl-style-spec');

let failed = false;
for (const src of styles) {
    let text;
    if (/^https?:\/\//.test(src)) {
        const resp = await fetch(src);
        if (!resp.ok) {
            console.log(`${src}: HTTP ${resp.status}`);
            failed = true;
            continue;
        }
        text = await resp.text();
    } else {
        text = fs.readFileSync(src, 'utf8');
    }
    const errors = validateStyleMin(JSON.parse(text));
    if (errors.length > 0) {
        failed = true;
        for (const e of errors) console.log(`${src}: ${e.message}`);
    } else {
        console.log(`${src}: valid (${JSON.parse(text).layers.length} layers)`);
    }
}
process.exit(failed ? 1 : 0);
