/** Ids for new strokes and elements: 72 random bits, in the protocol's id alphabet (base64url). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}
