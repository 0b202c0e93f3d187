import { exactly, relative } from '../api.ts';

/** A time in the pages' one style: relative, with the exact time on hover (`title`) and for machines (`dateTime`). */
export function When({ iso, never = 'never' }: { iso: string | null; never?: string }) {
  if (!iso) return <>{never}</>;
  return <time dateTime={iso} title={exactly(iso)}>{relative(iso)}</time>;
}
