//! MapLibre styles (`/styles/urbis-fr.json`, `/styles/urbis-nl.json`) and the map page (`/map`).
