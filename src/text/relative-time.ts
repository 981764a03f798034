/*
 * Times on the dashboard read as a distance from now ("3 h 12 min ago"), the way an operator
 * thinks about a queue; the local time and the exact ISO value sit next to it (jobs/http/render/when.ts).
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** `ms` as two units at most: "45 s", "12 min", "3 h 12 min", "2 d 4 h". */
export function spanText(ms: number): string {
  const a = Math.abs(ms);
  if (a < MIN) return `${Math.floor(a / 1000)} s`;
  if (a < HOUR) return `${Math.floor(a / MIN)} min`;
  if (a < DAY) {
    const m = Math.floor((a % HOUR) / MIN);
    return `${Math.floor(a / HOUR)} h${m ? ` ${m} min` : ''}`;
  }
  const h = Math.floor((a % DAY) / HOUR);
  return `${Math.floor(a / DAY)} d${h ? ` ${h} h` : ''}`;
}

/** "3 h 12 min ago", "in 20 h", "just now" (within 5 s either way: clocks of two processes differ). */
export function relativeTime(at: Date, now: Date): string {
  const ms = now.getTime() - at.getTime();
  if (Math.abs(ms) < 5_000) return 'just now';
  return ms > 0 ? `${spanText(ms)} ago` : `in ${spanText(ms)}`;
}

/** "6 Dec 14:02 CET": the local time in an IANA zone (TIME_ZONE, checked at start with Intl). */
export function localTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  })
    .format(at)
    .replace(',', '');
}
