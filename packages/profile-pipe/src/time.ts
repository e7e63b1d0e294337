/** Time arithmetic for deadlines, counted as the law counts them: in China Standard Time (UTC+8). */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const CST = 8 * HOUR;

/** `months` calendar months after `ms`, clamped to the month's last day (31 Jan + 1 → 28/29 Feb). */
export function addMonths(ms: number, months: number): number {
  const local = new Date(ms + CST);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const shifted = Date.UTC(
    y,
    m,
    Math.min(local.getUTCDate(), lastDay),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
    local.getUTCMilliseconds(),
  );
  return shifted - CST;
}

/** A time as reports print it: `2014-03-03 09:00 CST`. */
export function iso(ms: number): string {
  return `${new Date(ms + CST).toISOString().slice(0, 16).replace('T', ' ')} CST`;
}
