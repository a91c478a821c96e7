// Who is logged in: the principal of GET /auth/me, loaded again whenever the session starts.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  authControllerGetMe,
  authControllerLogin,
  authControllerLogout,
  call,
  hasSession,
  onSessionChange,
  refreshToken,
  setSession,
  type PrincipalDto,
} from './api/client';

interface Auth {
  /** undefined while loading; null when nobody is logged in. */
  me: PrincipalDto | null | undefined;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  hasRole(role: string): boolean;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<PrincipalDto | null | undefined>(hasSession() ? undefined : null);

  const loadMe = useCallback(async () => {
    try {
      setMe(await call(authControllerGetMe()));
    } catch {
      setSession(null);
      setMe(null);
    }
  }, []);

  useEffect(() => {
    if (hasSession()) void loadMe();
    return onSessionChange((signedIn) => {
      if (!signedIn) setMe(null);
    });
  }, [loadMe]);

  const login = useCallback(
    async (username: string, password: string) => {
      setSession(await call(authControllerLogin({ body: { username, password } })));
      await loadMe();
    },
    [loadMe],
  );

  const logout = useCallback(async () => {
    const token = refreshToken();
    // The session ends here whatever the server answers: the refresh token is forgotten either way.
    if (token) await authControllerLogout({ body: { refreshToken: token } }).catch(() => undefined);
    setSession(null);
  }, []);

  const value = useMemo<Auth>(
    () => ({ me, login, logout, hasRole: (role) => me?.permissions.includes(role) ?? false }),
    [me, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
