/** Dates and numbers as the reader's language writes them (2026年6月30日). */
import { useI18n } from 'vue-i18n';

export function useFormat() {
  const { locale } = useI18n({ useScope: 'global' });
  const fmt = (opts: Intl.DateTimeFormatOptions) => (v: string | null | undefined) => {
    if (!v) return '';
    const d = new Date(v.length === 10 ? `${v}T00:00:00+08:00` : v);
    if (Number.isNaN(d.getTime())) return v;
    return new Intl.DateTimeFormat(locale.value, { timeZone: 'Asia/Shanghai', ...opts }).format(d);
  };
  return {
    date: fmt({ year: 'numeric', month: 'long', day: 'numeric' }),
    dateTime: fmt({
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }),
    percent: (r: number | null | undefined) => (r == null ? '—' : `${(r * 100).toFixed(1)}%`),
  };
}
