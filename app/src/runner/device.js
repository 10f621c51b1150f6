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

/** Whether this browser can read barcodes from the camera itself. */
export function canScan() {
  return 'BarcodeDetector' in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

let scanning = null;

/**
 * Shows the back camera in `video` until a barcode or QR code is in view, and resolves
 * with its text; rejects with a sentence the person can act on. The camera is always
 * released at the end.
 */
export async function scan(video, timeoutMs) {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (error) {
    throw new Error(error && error.name === 'NotAllowedError'
      ? 'The camera is not allowed for this site: allow it in the browser settings, or type the code.'
      : 'The camera is unavailable: type the code instead.');
  }
  const stop = { stopped: false };
  scanning = stop;
  try {
    video.srcObject = stream;
    await video.play();
    const detector = new window.BarcodeDetector();
    const deadline = Date.now() + timeoutMs;
    while (!stop.stopped && Date.now() < deadline) {
      const codes = await detector.detect(video);
      if (codes.length > 0) return codes[0].rawValue;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(stop.stopped
      ? 'Scanning stopped.'
      : 'No code came into view: hold it steady in the frame, in good light, or type it.');
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
    if (scanning === stop) scanning = null;
  }
}

/** Stops a scan under way. */
export function stopScan() {
  if (scanning) scanning.stopped = true;
}
