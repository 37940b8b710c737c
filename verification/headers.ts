// Request headers as Node gives them, read by name.

export type Headers = Record<string, string | string[] | undefined>;

/** One header value; duplicated headers are joined as HTTP allows. Names are lowercase. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
