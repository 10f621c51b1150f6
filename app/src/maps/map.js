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

let clustering = null;

function loadStyle(href) {
  const style = document.createElement('link');
  style.rel = 'stylesheet';
  style.href = href;
  document.head.appendChild(style);
}

// Leaflet.markercluster extends the Leaflet already loaded (window.L).
function loadClustering(L) {
  if (!clustering) {
    clustering = new Promise((resolve, reject) => {
      if (L.markerClusterGroup) { resolve(); return; }
      loadStyle(`${BASE}markercluster/MarkerCluster.css`);
      loadStyle(`${BASE}markercluster/MarkerCluster.Default.css`);
      const script = document.createElement('script');
      script.src = `${BASE}markercluster/leaflet.markercluster.js`;
      script.async = true;
      script.onload = () => (L.markerClusterGroup ? resolve() : reject(new Error('no clustering')));
      script.onerror = () => reject(new Error('not loaded'));
      document.head.appendChild(script);
    }).catch((error) => {
      clustering = null;
      throw new Error(`The map could not be loaded (${error.message}).`);
    });
  }
  return clustering;
}

const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value));

/**
 * A map of many submissions, grouped into clusters that split as one zooms in. `pins`
 * is JSON `[{id, latitude, longitude, received_at}]`; each pin's popup links to
 * `${linkBase}/${id}`. `view` is `[west, south, east, north]` to show, or null to show
 * the pins. After each pan or zoom, `onMove(west, south, east, north)` hears the box
 * in view. Returns `{ setPins(json), remove() }`.
 */
export async function showSubmissionsMap(element, tiles, pins, view, onMove, linkBase) {
  const L = await loadLeaflet();
  await loadClustering(L);
  const settings = JSON.parse(tiles);
  const map = L.map(element);
  if (settings.url) {
    L.tileLayer(settings.url, { attribution: settings.attribution, maxZoom: settings.max_zoom }).addTo(map);
  }
  const group = L.markerClusterGroup({ chunkedLoading: true });
  map.addLayer(group);
  const popup = (pin) => {
    const link = document.createElement('a');
    link.href = `${linkBase}/${pin.id}`;
    link.textContent = `Received ${pin.received_at.slice(0, 16).replace('T', ' ')} UTC`;
    return link;
  };
  const setPins = (json) => {
    const places = JSON.parse(json);
    group.clearLayers();
    group.addLayers(places.map((pin) =>
      L.marker([pin.latitude, pin.longitude], { title: 'Submission', alt: 'Submission', keyboard: true })
        .bindPopup(() => popup(pin))));
    return places;
  };
  const places = setPins(pins);
  if (view && view.length === 4) {
    map.fitBounds([[view[1], view[0]], [view[3], view[2]]], { animate: false });
  } else if (places.length > 0) {
    map.fitBounds(places.map((p) => [p.latitude, p.longitude]), { padding: [24, 24], maxZoom: 16, animate: false });
  } else {
    map.setView([0, 0], 1, { animate: false });
  }
  // Listening only now: the first view above is not a move of the person's.
  map.on('moveend', () => {
    const box = map.getBounds();
    onMove(clamp(box.getWest(), 180), clamp(box.getSouth(), 90), clamp(box.getEast(), 180), clamp(box.getNorth(), 90));
  });
  return { setPins, remove: () => map.remove() };
}
