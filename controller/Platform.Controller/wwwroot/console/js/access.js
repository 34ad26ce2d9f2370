// What the signed-in user may do, read from the API's own description: every operation's
// security requirement lists the roles it needs. The console offers an action only when the
// user's role is among them, so the server's policy stays the one source of truth.

let allowed = new Map();
let role = null;

export async function loadAccess(userRole) {
  role = userRole;
  allowed = new Map();
  const response = await fetch('/openapi/v1.json', { credentials: 'same-origin' });
  if (!response.ok) return false;
  const document = await response.json();
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const roles = new Set((operation.security ?? []).flatMap(requirement => Object.values(requirement).flat()));
      allowed.set(`${method.toUpperCase()} ${path}`, roles);
    }
  }
  return true;
}

/** Whether the user's role may call METHOD PATH; an operation the document lacks is not offered. */
export function can(method, path) {
  const roles = allowed.get(`${method} ${path}`);
  return roles !== undefined && roles.has(role);
}

export function currentRole() { return role; }
