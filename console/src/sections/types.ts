// A section of the console (approvals, audit, administration, records): its own folder, menu entries,
// routes and strings, so that sections are built side by side without touching one another's files.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';

/** A text in both languages of the console. */
export interface Bilingual {
  zh: string;
  en: string;
}

export interface Section {
  /** The menu group's key, e.g. `approvals`. */
  key: string;
  /** Roles that see the section (a user holding any of them). */
  roles: string[];
  /** The menu group's title. */
  title: Bilingual;
  /** Menu entries, in order: absolute paths under the shell (`/approvals`). An empty list: 即将推出. */
  items: { path: string; label: Bilingual }[];
  /** Routes under the shell, paths without the leading slash (`approvals/:id`). */
  routes: { path: string; element: ReactNode }[];
}

/** A section's own strings: `{ zh: {...}, en: {...} }` with the same keys. */
export type SectionMessages<K extends string> = { zh: Record<K, string>; en: Record<K, string> };

/** The translator of a section's own strings, following the console's language switch. */
export function useSectionText<K extends string>(messages: SectionMessages<K>) {
  const { lang } = useI18n();
  const table = lang === 'en' ? messages.en : messages.zh;
  return (key: K, vars?: Record<string, string | number>): string =>
    table[key].replace(/\{(\w+)\}/g, (whole, name: string) => String(vars?.[name] ?? whole));
}

/** A bilingual text in the current language. */
export function useBilingual(): (text: Bilingual) => string {
  const { lang } = useI18n();
  return (text) => (lang === 'en' ? text.en : text.zh);
}
