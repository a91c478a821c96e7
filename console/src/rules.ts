// The rule data behind the labels: review domains and measure types carry their Chinese labels there.
import { useEffect, useState } from 'react';
import {
  call,
  rulesControllerGetCurrentRuleSet,
  rulesControllerGetRuleSet,
  type RuleDataDto,
  type RuleSetResponseDto,
} from './api/client';

const cache = new Map<string, Promise<RuleSetResponseDto>>();

/** The rule set in force today, or the given version; undefined while loading or when not readable. */
export function useRuleSet(version?: number): RuleSetResponseDto | undefined {
  const [ruleSet, setRuleSet] = useState<RuleSetResponseDto>();
  useEffect(() => {
    const key = version === undefined ? 'current' : String(version);
    let pending = cache.get(key);
    if (!pending) {
      pending = call(
        version === undefined
          ? rulesControllerGetCurrentRuleSet()
          : rulesControllerGetRuleSet({ path: { version } }),
      );
      // A failure (an auditor may not read rule data) is not kept: labels fall back to the codes.
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
    }
    let live = true;
    pending.then((r) => live && setRuleSet(r)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [version]);
  return ruleSet;
}

/** A review domain's label (`label（CODE）` in English, where the labels are Chinese), or its code. */
export function domainLabel(rules: RuleDataDto | undefined, code: string, lang: string): string {
  const found = rules?.reviewDomains.find((d) => d.code === code);
  if (!found) return code;
  return lang === 'en' ? `${found.label} (${code})` : found.label;
}

export function measureTypeLabel(rules: RuleDataDto | undefined, code: string, lang: string): string {
  const found = rules?.measureTypes.find((m) => m.code === code);
  if (!found) return code;
  return lang === 'en' ? `${found.label} (${code})` : found.label;
}
