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

/**
 * Whether the camera can read barcodes here: with the browser's own BarcodeDetector
 * where there is one (Android), otherwise with ZXing, loaded when first needed.
 */
export function canScan() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

const ZXING_URL = '/vendor/zxing/zxing.min.js';
let zxing = null;

/** ZXing's browser build (public/vendor, from npm), loaded once, on the first scan. */
function loadZxing() {
  if (!zxing) {
    zxing = new Promise((resolve, reject) => {
      if (window.ZXing) { resolve(window.ZXing); return; }
      const script = document.createElement('script');
      script.src = ZXING_URL;
      script.async = true;
      script.onload = () => (window.ZXing ? resolve(window.ZXing) : reject(new Error('no ZXing')));
      script.onerror = () => reject(new Error('not loaded'));
      document.head.appendChild(script);
    }).catch((error) => {
      zxing = null; // try again next time (it may have been the network)
      throw new Error(`The barcode reader could not be loaded (${error.message}): type the code.`);
    });
  }
  return zxing;
}

/** A reader of the codes in one video frame: resolves to their text, or null. */
async function frameReader() {
  if ('BarcodeDetector' in window) {
    const detector = new window.BarcodeDetector();
    return async (video) => {
      const codes = await detector.detect(video);
      return codes.length > 0 ? codes[0].rawValue : null;
    };
  }
  const ZXing = await loadZxing();
  const reader = new ZXing.MultiFormatReader();
  const hints = new Map([[ZXing.DecodeHintType.TRY_HARDER, true]]);
  reader.setHints(hints);
  const canvas = document.createElement('canvas');
  return async (video) => {
    if (video.readyState < 2 || video.videoWidth === 0) return null;
    // A phone's full frame is large and slow to search: at most 640 px across.
    const scale = Math.min(1, 640 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext('2d', { willReadFrequently: true }).drawImage(video, 0, 0, canvas.width, canvas.height);
    try {
      const source = new ZXing.HTMLCanvasElementLuminanceSource(canvas);
      return reader.decodeWithState(new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source))).getText();
    } catch (error) {
      if (error instanceof ZXing.NotFoundException || error instanceof ZXing.ChecksumException
          || error instanceof ZXing.FormatException) return null;
      throw error;
    }
  };
}

let scanning = null;

/**
 * Shows the back camera in `video` until a barcode or QR code is in view, and resolves
 * with its text; rejects with a sentence the person can act on. The camera is always
 * released at the end.
 */
export async function scan(video, timeoutMs) {
  const read = await frameReader();
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
    const deadline = Date.now() + timeoutMs;
    while (!stop.stopped && Date.now() < deadline) {
      const text = await read(video);
      if (text !== null) return text;
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
