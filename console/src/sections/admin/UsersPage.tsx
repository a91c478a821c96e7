import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  type ButtonProps,
} from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import {
  call,
  usersControllerCreateUser,
  usersControllerDisableUser,
  usersControllerEnableUser,
  usersControllerGetUsers,
  usersControllerSetUserRoles,
  type UserPageDto,
  type UserResponseDto,
} from '../../api/client';
import { clearFieldErrors, showFieldErrors } from '../../components/CheckFields';
import { useI18n } from '../../i18n';
import { formatInstant } from '../../time';
import {
  ErrorAlert,
  Mark,
  NO_ERROR,
  PageTitle,
  ROLES,
  shownError,
  useText,
  type Role,
  type ShownError,
} from './common';

interface NewUserValues {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
}

const USER_FIELDS = ['username', 'displayName', 'password', 'roles'];
const fieldOf = (apiField: string) => {
  const head = apiField.split('.')[0];
  return USER_FIELDS.includes(head) ? [head] : undefined;
};
const ifMatch = (user: UserResponseDto) => ({ 'If-Match': `"${user.version}"` });
const testId = (id: string) => ({ 'data-testid': id }) as ButtonProps;

function useRoleOptions() {
  const { label } = useI18n();
  return ROLES.map((r) => ({ value: r, label: label('role', r) }));
}

function NewUserDialog({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(): void }) {
  const t = useText();
  const { message } = App.useApp();
  const roleOptions = useRoleOptions();
  const [form] = Form.useForm<NewUserValues>();
  const [error, setError] = useState<ShownError>(NO_ERROR);
  const [busy, setBusy] = useState(false);

  const submit = async (values: NewUserValues) => {
    setBusy(true);
    setError(NO_ERROR);
    clearFieldErrors(form);
    try {
      const user = await call(
        usersControllerCreateUser({
          body: {
            username: values.username.trim(),
            displayName: values.displayName.trim(),
            password: values.password,
            roles: values.roles,
          },
        }),
      );
      void message.success(t('userCreated', { name: user.username }));
      form.resetFields();
      onCreated();
    } catch (e) {
      setError(shownError(e, showFieldErrors(form, e, fieldOf)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('newUser')}
      onCancel={onClose}
      footer={null}
      forceRender
      data-testid="user-dialog"
    >
      <Form<NewUserValues>
        form={form}
        name="new-user"
        layout="vertical"
        initialValues={{ roles: [] }}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item
          name="username"
          label={t('username')}
          extra={t('usernameHelp')}
          rules={[{ required: true, whitespace: true, message: t('usernameRequired') }]}
        >
          <Input data-testid="user-username" maxLength={64} autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t('displayName')}
          rules={[{ required: true, whitespace: true, message: t('displayNameRequired') }]}
        >
          <Input data-testid="user-display-name" maxLength={200} autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('password')}
          extra={t('passwordHelp')}
          rules={[{ required: true, message: t('passwordRequired') }]}
        >
          <Input.Password data-testid="user-password" autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="roles"
          label={t('roles')}
          rules={[{ required: true, type: 'array', min: 1, message: t('rolesRequired') }]}
        >
          <Select mode="multiple" data-testid="new-user-roles" options={roleOptions} />
        </Form.Item>
        <ErrorAlert title={t('createFailed')} testId="user-create-error" {...error} />
        <Space style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="user-submit">
            {t('newUser')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Modal>
  );
}

function RolesDialog({
  user,
  onClose,
  onSaved,
}: {
  user: UserResponseDto | undefined;
  onClose(): void;
  onSaved(): void;
}) {
  const t = useText();
  const { message } = App.useApp();
  const roleOptions = useRoleOptions();
  const [form] = Form.useForm<{ roles: Role[] }>();
  const [error, setError] = useState<ShownError>(NO_ERROR);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (user) form.setFieldsValue({ roles: user.roles });
    setError(NO_ERROR);
  }, [user, form]);

  const submit = async ({ roles }: { roles: Role[] }) => {
    if (!user) return;
    setBusy(true);
    setError(NO_ERROR);
    clearFieldErrors(form);
    try {
      await call(
        usersControllerSetUserRoles({ path: { id: user.id }, headers: ifMatch(user), body: { roles } }),
      );
      void message.success(t('rolesSaved', { name: user.username }));
      onSaved();
    } catch (e) {
      setError(
        shownError(
          e,
          showFieldErrors(form, e, (f) => (f.startsWith('roles') ? ['roles'] : undefined)),
        ),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={user !== undefined}
      title={t('editRolesTitle', { name: user?.username ?? '' })}
      onCancel={onClose}
      footer={null}
      forceRender
    >
      <Form form={form} name="user-roles" layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item
          name="roles"
          label={t('roles')}
          rules={[{ required: true, type: 'array', min: 1, message: t('rolesRequired') }]}
        >
          <Select mode="multiple" data-testid="roles-select" options={roleOptions} />
        </Form.Item>
        <ErrorAlert title={t('actionFailed')} testId="roles-error" {...error} />
        <Space style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="roles-save">
            {t('save')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </Space>
      </Form>
    </Modal>
  );
}

export function UsersPage() {
  const t = useText();
  const { label } = useI18n();
  const { message } = App.useApp();
  const roleOptions = useRoleOptions();
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [text, setText] = useState('');
  const [role, setRole] = useState<Role>();
  const [data, setData] = useState<UserPageDto>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ShownError>(NO_ERROR);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<UserResponseDto>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setData(
        await call(
          usersControllerGetUsers({
            query: { ...page, ...(text.trim() ? { text: text.trim() } : {}), ...(role ? { role } : {}) },
          }),
        ),
      );
    } catch (e) {
      setError(shownError(e));
    } finally {
      setLoading(false);
    }
  }, [page, text, role]);

  useEffect(() => {
    void load();
  }, [load]);

  const toggle = async (user: UserResponseDto) => {
    setError(NO_ERROR);
    try {
      const options = { path: { id: user.id }, headers: ifMatch(user) };
      if (user.disabledAt) {
        await call(usersControllerEnableUser(options));
        void message.success(t('userEnabled', { name: user.username }));
      } else {
        await call(usersControllerDisableUser(options));
        void message.success(t('userDisabled', { name: user.username }));
      }
    } catch (e) {
      setError(shownError(e));
    }
    await load();
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <PageTitle>{t('usersTitle')}</PageTitle>
      <Card size="small">
        <Space wrap>
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setCreating(true)}
            data-testid="users-new"
          >
            {t('newUser')}
          </Button>
          <Input.Search
            aria-label={t('search')}
            placeholder={t('search')}
            allowClear
            data-testid="users-search"
            style={{ width: 260 }}
            onSearch={(v) => {
              setText(v);
              setPage((p) => ({ ...p, page: 1 }));
            }}
          />
          <Select
            aria-label={t('roleFilter')}
            placeholder={t('roleFilter')}
            allowClear
            style={{ width: 160 }}
            options={roleOptions}
            value={role}
            onChange={(v: Role | undefined) => {
              setRole(v);
              setPage((p) => ({ ...p, page: 1 }));
            }}
          />
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            {t('refresh')}
          </Button>
        </Space>
      </Card>
      <ErrorAlert title={t('actionFailed')} testId="users-error" {...error} />
      <Table<UserResponseDto>
        rowKey="id"
        data-testid="users-table"
        loading={loading}
        dataSource={data?.items}
        onRow={(u) => ({ 'data-testid': `user-row-${u.username}` }) as HTMLAttributes<HTMLElement>}
        pagination={{
          current: page.page,
          pageSize: page.pageSize,
          total: data?.total ?? 0,
          showTotal: (n) => t('total', { n }),
          onChange: (p, size) => setPage({ page: size !== page.pageSize ? 1 : p, pageSize: size }),
        }}
        columns={[
          { title: t('username'), dataIndex: 'username' },
          { title: t('displayName'), dataIndex: 'displayName' },
          {
            title: t('roles'),
            dataIndex: 'roles',
            render: (roles: Role[]) =>
              roles.map((r) => (
                <Tag key={r} color="blue">
                  {label('role', r)}
                </Tag>
              )),
          },
          {
            title: t('status'),
            key: 'status',
            render: (_, u) =>
              u.disabledAt ? (
                <Mark tone="grey" testId="user-status">
                  {t('disabled')}
                </Mark>
              ) : (
                <Mark tone="green" testId="user-status">
                  {t('enabled')}
                </Mark>
              ),
          },
          { title: t('createdAt'), dataIndex: 'createdAt', render: (v: string) => formatInstant(v) },
          {
            title: t('actions'),
            key: 'actions',
            render: (_, u) => (
              <Space>
                <Button size="small" onClick={() => setEditing(u)} data-testid="user-edit-roles">
                  {t('editRoles')}
                </Button>
                <Popconfirm
                  title={t(u.disabledAt ? 'enableConfirm' : 'disableConfirm', { name: u.username })}
                  okText={t(u.disabledAt ? 'enable' : 'disable')}
                  cancelText={t('cancel')}
                  okButtonProps={{ ...testId('confirm-ok'), danger: !u.disabledAt }}
                  onConfirm={() => toggle(u)}
                >
                  <Button size="small" danger={!u.disabledAt} data-testid="user-toggle">
                    {t(u.disabledAt ? 'enable' : 'disable')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <NewUserDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          void load();
        }}
      />
      <RolesDialog
        user={editing}
        onClose={() => setEditing(undefined)}
        onSaved={() => {
          setEditing(undefined);
          void load();
        }}
      />
    </Space>
  );
}
