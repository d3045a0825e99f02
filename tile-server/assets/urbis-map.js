// The urbis map page: the UrbIS base map (vector tiles of this server) with a FR/NL switch.
// Position in the URL hash (#zoom/lat/lon); language in ?lang=fr|nl. With no position, the map
// fits the data bounds announced by the tileset's TileJSON.
(function () {
    'use strict';
    var base = document.currentScript.getAttribute('data-base');
    var params = new URLSearchParams(window.location.search);
    var lang = params.get('lang') === 'nl' ? 'nl' : 'fr';
    var hasView = /^#\d/.test(window.location.hash);

    function styleUrl(l) {
        return base + '/styles/urbis-' + l + '.json';
    }

    var map = new maplibregl.Map({
        container: 'map',
        style: styleUrl(lang),
        center: [4.3525, 50.8466],
        zoom: 12,
        maxZoom: 20,
        hash: true
    });
    map.addControl(new maplibregl.NavigationControl(), 'top-right');
    map.addControl(new maplibregl.ScaleControl({unit: 'metric'}), 'bottom-left');
    // For scripts and tests driving the page.
    window.urbisMap = map;
    window.urbisIdleCount = 0;
    map.on('idle', function () {
        window.urbisIdleCount += 1;
    });

    if (!hasView) {
        fetch(base + '/tiles/urbis.json')
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (tj) {
                var b = tj && tj.bounds;
                if (Array.isArray(b) && b.length === 4) {
                    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: 20, animate: false});
                }
            })
            .catch(function () { /* keep the default view */ });
    }

    var buttons = document.querySelectorAll('.urbis-lang button');
    function show(l) {
        document.documentElement.lang = l;
        buttons.forEach(function (b) {
            b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === l));
        });
    }
    function setLang(l) {
        if (l === lang) return;
        lang = l;
        show(l);
        map.setStyle(styleUrl(l));
        var url = new URL(window.location.href);
        url.searchParams.set('lang', l);
        window.history.replaceState(window.history.state, '', url);
    }
    buttons.forEach(function (b) {
        b.addEventListener('click', function () { setLang(b.getAttribute('data-lang')); });
    });
    window.urbisSetLang = setLang;
    show(lang);
})();
