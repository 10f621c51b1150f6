// Maps in the page, drawn by Leaflet (public/vendor, from npm), which is loaded the
// first time a page shows a map and not before.

const BASE = '/vendor/leaflet/';
let leaflet = null;

function loadLeaflet() {
  if (!leaflet) {
    leaflet = new Promise((resolve, reject) => {
      if (window.L) { resolve(window.L); return; }
      const style = document.createElement('link');
      style.rel = 'stylesheet';
      style.href = `${BASE}leaflet.css`;
      document.head.appendChild(style);
      const script = document.createElement('script');
      script.src = `${BASE}leaflet.js`;
      script.async = true;
      script.onload = () => (window.L ? resolve(window.L) : reject(new Error('no Leaflet')));
      script.onerror = () => reject(new Error('not loaded'));
      document.head.appendChild(script);
    }).catch((error) => {
      leaflet = null;
      throw new Error(`The map could not be loaded (${error.message}).`);
    });
  }
  return leaflet;
}

/**
 * Draws a map into `element`: tiles as `tiles` (JSON MapTiles) says, a pin for each of
 * `pins` (JSON), zoomed to show them all. With `onPick`, a click or tap on the map puts
 * a "picked" pin there and calls `onPick(latitude, longitude)`. Returns a function that
 * removes the map.
 */
export async function showMap(element, tiles, pins, onPick) {
  const L = await loadLeaflet();
  const settings = JSON.parse(tiles);
  const places = JSON.parse(pins);
  const map = L.map(element, { scrollWheelZoom: false });
  if (settings.url) {
    L.tileLayer(settings.url, { attribution: settings.attribution, maxZoom: settings.max_zoom }).addTo(map);
  }
  const points = [];
  for (const place of places) {
    const at = [place.latitude, place.longitude];
    points.push(at);
    L.marker(at, { title: place.label, alt: place.label, keyboard: true }).addTo(map).bindPopup(place.label);
    if (place.accuracy_m) L.circle(at, { radius: place.accuracy_m, weight: 1 }).addTo(map);
  }
  if (points.length === 1) map.setView(points[0], Math.min(16, settings.max_zoom || 16));
  else if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: 16 });
  else map.setView([0, 0], 1);
  if (onPick) {
    let picked = null;
    map.on('click', (event) => {
      const { lat, lng } = event.latlng.wrap();
      if (picked) picked.setLatLng([lat, lng]);
      else picked = L.circleMarker([lat, lng], { radius: 8, className: 'picked-point' }).addTo(map);
      onPick(lat, lng);
    });
  }
  return () => map.remove();
}
