import { DownloadOutlined, FilePdfOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Progress, Space, Spin, Statistic, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  ApiError,
  call,
  checkJobsControllerGetCheckJob,
  checkJobsControllerGetCheckJobCertificates,
  checkJobsControllerGetCheckJobResults,
  saveBlob,
  type CheckJobResponseDto,
} from '../api/client';
import { useI18n } from '../i18n';
import { domainLabel, useRuleSet } from '../rules';
import { formatInstant } from '../time';

const POLL_MS = 1000;

export function JobPage() {
  const { id = '' } = useParams();
  const { t, label, lang } = useI18n();
  const ruleSet = useRuleSet();
  const [job, setJob] = useState<CheckJobResponseDto>();
  const [error, setError] = useState<string>();
  const [downloading, setDownloading] = useState<string>();

  // Polls every second while the job is QUEUED or RUNNING.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await call(checkJobsControllerGetCheckJob({ path: { id } }));
        if (!live) return;
        setJob(next);
        setError(undefined);
        if (next.status === 'QUEUED' || next.status === 'RUNNING')
          timer = setTimeout(() => void poll(), POLL_MS);
      } catch (e) {
        if (live) setError(e instanceof ApiError ? e.message : String(e));
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);

  const download = async (format: 'csv' | 'xlsx' | 'zip') => {
    setDownloading(format);
    try {
      const blob = await call(
        format === 'zip'
          ? checkJobsControllerGetCheckJobCertificates({
              path: { id },
              query: { lang: lang === 'en' ? 'en' : 'zh' },
              parseAs: 'blob',
            })
          : checkJobsControllerGetCheckJobResults({ path: { id }, query: { format }, parseAs: 'blob' }),
      );
      saveBlob(blob as Blob, format === 'zip' ? `certificates-${id}.zip` : `check-job-${id}.${format}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setDownloading(undefined);
    }
  };

  const percent = job?.rowsTotal ? Math.floor((job.rowsDone * 100) / job.rowsTotal) : 0;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {t('jobTitle')}
      </Typography.Title>
      {error && <Alert type="error" showIcon role="alert" data-testid="job-error" title={error} />}
      {!job && !error && <Spin />}
      {job && (
        <Card data-testid="job" data-status={job.status}>
          <Progress
            percent={percent}
            status={job.status === 'FAILED' ? 'exception' : job.status === 'DONE' ? 'success' : 'active'}
            data-testid="job-progress"
            aria-valuenow={percent}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-label={t('jobProgress')}
          />
          <Typography.Paragraph data-testid="job-rows">
            {t('jobRows', { done: job.rowsDone, total: job.rowsTotal })}
          </Typography.Paragraph>
          <Space size="large" wrap style={{ marginBottom: 16 }}>
            {(['BLOCK', 'REVIEW', 'CLEAR', 'ERROR'] as const).map((v) => (
              <Statistic
                key={v}
                title={label('verdict', v)}
                value={job.counts[v]}
                data-testid={`job-count-${v}`}
              />
            ))}
          </Space>
          <Descriptions
            size="small"
            column={{ xs: 1, md: 2 }}
            items={[
              {
                key: 'status',
                label: t('jobStatus'),
                children: <span data-testid="job-status">{label('jobStatus', job.status)}</span>,
              },
              { key: 'fileName', label: t('jobFileName'), children: job.fileName },
              { key: 'domain', label: t('domain'), children: domainLabel(ruleSet?.data, job.domain, lang) },
              { key: 'asOf', label: t('asOf'), children: job.asOf },
              { key: 'purpose', label: t('purpose'), children: job.purpose },
              ...(job.reference
                ? [{ key: 'reference', label: t('reference'), children: String(job.reference) }]
                : []),
              { key: 'createdAt', label: t('jobCreatedAt'), children: formatInstant(job.createdAt) },
              {
                key: 'finishedAt',
                label: t('jobFinishedAt'),
                children: formatInstant(job.finishedAt) || '—',
              },
              ...(job.error ? [{ key: 'error', label: t('jobError'), children: String(job.error) }] : []),
              {
                key: 'checks',
                label: t('jobChecks'),
                span: 'filled' as const,
                children: (
                  <Space wrap>
                    {job.checkIds.map((checkId, i) => (
                      <Link key={checkId} to={`/checks/${checkId}`}>
                        {i + 1}
                      </Link>
                    ))}
                  </Space>
                ),
              },
            ]}
          />
          {job.status === 'DONE' && (
            <Space style={{ marginTop: 16 }}>
              <Button
                type="primary"
                icon={<DownloadOutlined />}
                loading={downloading === 'csv'}
                data-testid="job-download-csv"
                onClick={() => void download('csv')}
              >
                {t('downloadCsv')}
              </Button>
              <Button
                icon={<DownloadOutlined />}
                loading={downloading === 'xlsx'}
                data-testid="job-download-xlsx"
                onClick={() => void download('xlsx')}
              >
                {t('downloadXlsx')}
              </Button>
              <Button
                icon={<FilePdfOutlined />}
                loading={downloading === 'zip'}
                data-testid="job-download-certificates"
                onClick={() => void download('zip')}
              >
                {t('downloadCertificates')}
              </Button>
            </Space>
          )}
        </Card>
      )}
      <Link to="/checks/jobs/new">{t('newJob')}</Link>
    </Space>
  );
}
