import { Typography } from 'antd';
import type { ReactNode } from 'react';

/** A page's heading (level 1), the same on every page. */
export function PageTitle({ children }: { children: ReactNode }) {
  return (
    <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}

/** A card's heading (level 2). */
export function CardTitle({ children }: { children: ReactNode }) {
  return (
    <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}
