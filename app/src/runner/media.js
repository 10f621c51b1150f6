// Photos and signatures on the device, before they are kept (see outbox.js). Kept in
// JavaScript because canvas, image decoding and pointer drawing are browser APIs.

const JPEG_QUALITY = 0.85;

/**
 * `file` (from a camera or the gallery) at most `maxPx` pixels on its long side. A
 * JPEG is scaled without turning it (`imageOrientation: 'none'`) and keeps its EXIF
 * segment, so the server still learns how the camera was held and where: it turns the
 * photo upright and strips that data itself. Smaller photos are kept as they are.
 */
export async function preparePhoto(file, maxPx) {
  const type = file.type;
  if (!['image/jpeg', 'image/png', 'image/webp'].includes(type)) {
    throw new Error('This is not a photo Muster can take: choose a JPEG, PNG or WebP image.');
  }
  const bitmap = await createImageBitmap(file, { imageOrientation: 'none' });
  const long = Math.max(bitmap.width, bitmap.height);
  if (long <= maxPx) {
    bitmap.close();
    return file;
  }
  const scale = maxPx / long;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const outType = type === 'image/png' ? 'image/png' : 'image/jpeg';
  const scaled = await new Promise((resolve, reject) => canvas.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error('The photo could not be scaled down.'))),
    outType,
    JPEG_QUALITY,
  ));
  if (type !== 'image/jpeg') return scaled;
  const exif = exifSegment(new Uint8Array(await file.arrayBuffer()));
  if (!exif) return scaled;
  const body = new Uint8Array(await scaled.arrayBuffer());
  // Right after the start-of-image marker, where cameras put it.
  return new Blob([body.subarray(0, 2), exif, body.subarray(2)], { type: 'image/jpeg' });
}

/** The APP1 "Exif" segment of a JPEG (marker included), or null. */
function exifSegment(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (marker === 0xda) return null; // the picture data starts: no EXIF before it
    const isExif = marker === 0xe1 && bytes[at + 4] === 0x45 && bytes[at + 5] === 0x78
      && bytes[at + 6] === 0x69 && bytes[at + 7] === 0x66;
    if (isExif) return bytes.slice(at, at + 2 + length);
    at += 2 + length;
  }
  return null;
}

/** Lets the person draw on `canvas` with a finger, pen or mouse. */
export function signaturePad(canvas) {
  if (canvas.dataset.pad) return;
  canvas.dataset.pad = 'on';
  const ratio = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  canvas.width = Math.round(rect.width * ratio);
  canvas.height = Math.round(rect.height * ratio);
  const context = canvas.getContext('2d');
  context.scale(ratio, ratio);
  context.lineWidth = 2.5;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.strokeStyle = '#111';
  let last = null;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    context.beginPath();
    context.arc(last.x, last.y, context.lineWidth / 2, 0, 2 * Math.PI);
    context.fill();
    canvas.dataset.drawn = 'yes';
    event.preventDefault();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    const next = point(event);
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
    event.preventDefault();
  });
  const end = () => { last = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}

export function clearSignature(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  delete canvas.dataset.drawn;
}

/** The drawing as a PNG, or null when nothing was drawn. */
export function signatureImage(canvas) {
  if (!canvas.dataset.drawn) return Promise.resolve(null);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}
