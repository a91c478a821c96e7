import { Alert, Button, Card, Form, Input, Layout, Typography } from 'antd';
import { useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../api/client';
import { useAuth } from '../auth';
import { useI18n } from '../i18n';

interface Values {
  username: string;
  password: string;
}

export function LoginPage() {
  const { me, login } = useAuth();
  const { t, lang, setLang } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (me) return <Navigate to={from} replace />;

  const submit = async ({ username, password }: Values) => {
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      navigate(from, { replace: true });
    } catch (e) {
      // The server's own message: wrong password, AUTH_LOCKED, rate limits.
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Layout style={{ minHeight: '100vh', alignItems: 'center', justifyContent: 'center' }}>
      <main style={{ width: 400, maxWidth: '100%', padding: 16 }}>
        <Card>
          <div style={{ display: 'flex', justifyContent: 'flex-end' }}>
            <Button
              size="small"
              lang={lang === 'en' ? 'zh-CN' : 'en'}
              aria-label={`${t('langName')}: ${t('langSwitchLabel')}`}
              data-testid="lang-switch"
              onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
            >
              {t('langName')}
            </Button>
          </div>
          <Typography.Title level={1} style={{ fontSize: 22, textAlign: 'center' }}>
            {t('appTitle')}
          </Typography.Title>
          <Typography.Title level={2} style={{ fontSize: 16, textAlign: 'center', fontWeight: 'normal' }}>
            {t('loginTitle')}
          </Typography.Title>
          {error && (
            <Alert
              type="error"
              showIcon
              title={t('loginFailed')}
              description={error}
              data-testid="login-error"
              role="alert"
              style={{ marginBottom: 16 }}
            />
          )}
          <Form<Values> name="login" layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
            <Form.Item
              name="username"
              label={t('username')}
              rules={[{ required: true, message: t('usernameRequired') }]}
            >
              <Input autoComplete="username" autoFocus data-testid="login-username" />
            </Form.Item>
            <Form.Item
              name="password"
              label={t('password')}
              rules={[{ required: true, message: t('passwordRequired') }]}
            >
              <Input.Password autoComplete="current-password" data-testid="login-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
              {t('login')}
            </Button>
          </Form>
        </Card>
      </main>
    </Layout>
  );
}
