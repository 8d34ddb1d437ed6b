// A gate frame with its plate outlined, shared by the review queue (reviews.js) and the
// garage's lane cards (garage_lanes.js). The frame is fetched once (the API audits each
// opening) and kept as a data: URL: the CSP's img-src allows 'self' and data: only.
"use strict";

// The frame at ``url`` as { source, response }, or null when none is kept (404);
// another refusal throws with the API's message.
async function fetchPlateFrame(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "image/jpeg" } });
  if (response.status === 404) return null;
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  const blob = await response.blob();
  const source = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
  return { source, response };
}

// Place ``outline`` (absolutely positioned in the image's box) over the plate: ``box`` is
// x, y, width, height in the frame's ``width`` x ``height`` pixels.
function outlinePlate(outline, width, height, box) {
  const [x, y, w, h] = box;
  outline.style.left = (100 * x / width) + "%";
  outline.style.top = (100 * y / height) + "%";
  outline.style.width = (100 * w / width) + "%";
  outline.style.height = (100 * h / height) + "%";
}
