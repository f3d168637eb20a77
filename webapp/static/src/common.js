// Small helpers the page bundles share: page configuration, JSON requests with CSRF, announcements.

/** The page's configuration from its JSON data block (no inline script: the CSP forbids it). */
export function readConfig(id) {
  const node = document.getElementById(id);
  if (!node) {
    return null;
  }
  return JSON.parse(node.textContent);
}

/** POST JSON with the page's CSRF token; resolves to { status, body } whatever the status. */
export async function postJson(url, payload, csrfToken) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'Content-Type': 'application/json',
      'Accept': 'application/json',
      'X-CSRFToken': csrfToken,
    },
    body: JSON.stringify(payload),
  });
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = { message: response.statusText };
  }
  return { status: response.status, body };
}

export async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } });
  if (!response.ok) {
    throw new Error(`${response.status} ${response.statusText}`);
  }
  return response.json();
}

/** Put a message into a live region so screen readers hear it. */
export function announce(region, text, kind = 'info') {
  if (!region) {
    return;
  }
  region.textContent = '';
  const p = document.createElement('p');
  p.className = `flash flash--${kind}`;
  p.textContent = text;
  region.appendChild(p);
}

/** Add a CSS class to the diagram elements with these ids; unknown ids are skipped. */
export function mark(canvas, registry, ids, marker) {
  const found = [];
  for (const id of ids || []) {
    if (registry.get(id)) {
      canvas.addMarker(id, marker);
      found.push(id);
    }
  }
  return found;
}
