import { App as AntApp, ConfigProvider, Spin, type ThemeConfig } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import type { ReactNode } from 'react';
import { HashRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { AuthProvider, useAuth } from './auth';
import { I18nProvider, useI18n } from './i18n';
import { Shell } from './components/Shell';
import { CheckNewPage } from './pages/CheckNewPage';
import { HomePage } from './pages/HomePage';
import { JobNewPage } from './pages/JobNewPage';
import { JobPage } from './pages/JobPage';
import { LoginPage } from './pages/LoginPage';
import { VerifyPage } from './pages/VerifyPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ReceiptPage } from './pages/ReceiptPage';
import { SECTIONS } from './sections';

/**
 * antd's default theme, darkened where it falls short of WCAG AA contrast (4.5:1): the primary blue
 * (white on #1677ff is 4.1:1) with its hover and pressed shades, which antd would otherwise derive
 * lighter, and the grey of secondary text and menu group titles.
 */
const THEME: ThemeConfig = {
  token: {
    colorPrimary: '#0958d9',
    colorPrimaryHover: '#003eb3',
    colorPrimaryActive: '#002c8c',
    colorLink: '#0958d9',
    colorLinkHover: '#003eb3',
    colorLinkActive: '#002c8c',
    // antd's red (#ff4d4f) is 3.3:1 on white: field errors would fail AA.
    colorError: '#cf1322',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
  },
  components: { Menu: { groupTitleColor: 'rgba(0, 0, 0, 0.65)' } },
};

/** Pages for logged-in users: the login page otherwise, then back here. */
function RequireLogin({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (me === undefined) return <Spin fullscreen tip={t('loading')} />;
  if (me === null) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return children;
}

/** The page a certificate's QR code opens: public, outside the signed-in console. */
const PUBLIC_VERIFY = window.location.pathname.endsWith('/verify');

function Localised() {
  const { lang } = useI18n();
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} theme={THEME}>
      <AntApp>
        {PUBLIC_VERIFY ? (
          <VerifyPage />
        ) : (
          <AuthProvider>
            <HashRouter>
              <Routes>
                <Route path="/login" element={<LoginPage />} />
                <Route
                  element={
                    <RequireLogin>
                      <Shell />
                    </RequireLogin>
                  }
                >
                  <Route index element={<HomePage />} />
                  <Route path="checks/new" element={<CheckNewPage />} />
                  <Route path="checks/jobs/new" element={<JobNewPage />} />
                  <Route path="checks/jobs/:id" element={<JobPage />} />
                  <Route path="checks/:id" element={<ReceiptPage />} />
                  {SECTIONS.flatMap((section) =>
                    section.routes.map((r) => (
                      <Route key={`${section.key}:${r.path}`} path={r.path} element={r.element} />
                    )),
                  )}
                  <Route path="*" element={<NotFoundPage />} />
                </Route>
              </Routes>
            </HashRouter>
          </AuthProvider>
        )}
      </AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <Localised />
    </I18nProvider>
  );
}
