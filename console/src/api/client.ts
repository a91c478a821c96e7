// The console's only way to the API: the client generated from console/openapi.json (./gen), set up
// here with the session's tokens. Every call sends the access token; an answer of 401 refreshes the
// pair once (single-use refresh tokens: concurrent 401s share one refresh) and sends the request again.
import { client } from './gen/client.gen';
import { authControllerRefresh } from './gen/sdk.gen';
import type { TokenPairDto } from './gen/types.gen';

export * from './gen/sdk.gen';
export type * from './gen/types.gen';

const STORAGE_KEY = 'registry.session';

/** One error detail of the API's error shape. */
export interface ApiErrorDetail {
  field: string;
  code: string;
  message: string;
  /** What else the API tells of the problem, e.g. `{ row: '7' }` for a row of an import file. */
  context?: Record<string, string>;
}

/** An answer other than 2xx, in the API's one error shape (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[] = [],
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** The lines an error alert shows: the API's message, then each detail with its field. */
export function errorLines(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [String(error)];
  return [error.message, ...error.details.map((d) => `${d.field ? `${d.field}: ` : ''}${d.message}`)];
}

interface Session {
  accessToken: string;
  refreshToken: string;
}

function readSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let session: Session | null = readSession();
const listeners = new Set<(signedIn: boolean) => void>();

export function setSession(tokens: TokenPairDto | null): void {
  session = tokens ? { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken } : null;
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
  listeners.forEach((listener) => listener(session !== null));
}

export const hasSession = (): boolean => session !== null;
export const refreshToken = (): string | undefined => session?.refreshToken;

/** Called with false when the session ends (logout, or a refresh that failed). */
export function onSessionChange(listener: (signedIn: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const NO_REFRESH = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout'];
let refreshing: Promise<boolean> | null = null;

async function refresh(): Promise<boolean> {
  const token = session?.refreshToken;
  if (!token) return false;
  const { data } = await authControllerRefresh({ body: { refreshToken: token } });
  setSession(data ?? null);
  return data !== undefined;
}

function withToken(request: Request): Request {
  if (session && !request.headers.has('authorization')) {
    request.headers.set('authorization', `Bearer ${session.accessToken}`);
  }
  return request;
}

/**
 * Read-your-writes across read replicas: the last write's `Registry-Position` (sent only when the
 * server reads checks from replicas) goes with every check as `Registry-Min-Position`, so a check
 * right after recording or approving a decision sees it.
 */
let lastPosition: string | null = null;

function withPosition(request: Request, path: string): void {
  if (lastPosition && request.method === 'POST' && path === '/api/v1/checks') {
    request.headers.set('registry-min-position', lastPosition);
  }
}

async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const path = new URL(request.url).pathname;
  withPosition(request, path);
  const again = request.clone();
  const response = await fetch(withToken(request));
  lastPosition = response.headers.get('registry-position') ?? lastPosition;
  if (response.status !== 401 || !session || NO_REFRESH.includes(path)) return response;
  refreshing ??= refresh().finally(() => (refreshing = null));
  return (await refreshing) ? fetch(withToken(again)) : response;
}

client.setConfig({ baseUrl: '', fetch: authFetch });

/** An ApiError from what the generated client returned as `error` (the parsed body, or text). */
function toApiError(error: unknown, response: Response | undefined): ApiError {
  const body = (typeof error === 'object' && error !== null ? error : {}) as Partial<{
    code: string;
    message: string;
    details: ApiErrorDetail[];
    requestId: string;
  }>;
  const status = response?.status ?? 0;
  return new ApiError(
    status,
    body.code ?? (status ? `HTTP_${status}` : 'NETWORK_ERROR'),
    body.message ?? (error instanceof Error ? error.message : String(error ?? status)),
    body.details ?? [],
    body.requestId,
  );
}

/** The data of a generated call's answer, or an ApiError. */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response?: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (error !== undefined || !response?.ok) throw toApiError(error, response);
  return data as T;
}

/** Saves a blob as a file, as the browser's download. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
