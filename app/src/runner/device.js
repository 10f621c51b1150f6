// What the runner asks of the device itself. Kept in JavaScript because these are
// callback APIs of the browser, and the answers are plain data.

/**
 * One location fix, as JSON `{ latitude, longitude, accuracy_m }`; rejects with a
 * sentence the person can act on.
 */
export function locate(timeoutMs) {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject('This browser cannot tell its location: enter it by hand.');
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve(JSON.stringify({
        latitude: position.coords.latitude,
        longitude: position.coords.longitude,
        accuracy_m: position.coords.accuracy,
      })),
      (error) => reject(
        error.code === 1
          ? 'Location is not allowed for this site: allow it in the browser settings, or enter it by hand.'
          : error.code === 3
            ? 'No location fix in time: try again in the open, or enter it by hand.'
            : 'The location is unavailable right now: try again, or enter it by hand.',
      ),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 0 },
    );
  });
}
