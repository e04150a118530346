// The report window rules of seed 001 (db/reports.ts resolveWindow), at a fixed "now":
// 1 day by hour, 7/30 days by day on the Shanghai calendar, custom windows, the 90-day clamp.
import { resolveWindow, WindowError } from '../../db/reports';

// Sunday 2026-11-22 13:25 in Shanghai
const now = new Date('2026-11-22T05:25:00Z');
const iso = (w: ReturnType<typeof resolveWindow>) => ({ from: w.from.toISOString(), to: w.to.toISOString(), granularity: w.granularity, clamped: w.clamped });

test('days=1: the 24 hours ending with the current hour, hourly', () => {
  expect(iso(resolveWindow({ days: 1 }, now))).toEqual({ from: '2026-11-21T06:00:00.000Z', to: '2026-11-22T06:00:00.000Z', granularity: 'hour', clamped: false });
});

test('days=7 / 30 and the default: whole Shanghai days ending today, daily', () => {
  expect(iso(resolveWindow({ days: 7 }, now))).toEqual({ from: '2026-11-15T16:00:00.000Z', to: '2026-11-22T16:00:00.000Z', granularity: 'day', clamped: false });
  expect(iso(resolveWindow({}, now))).toEqual(iso(resolveWindow({ days: 7 }, now)));
  expect(iso(resolveWindow({ days: 30 }, now)).from).toBe('2026-10-23T16:00:00.000Z');
  // just after Shanghai midnight, "today" is the new day
  expect(iso(resolveWindow({ days: 7 }, new Date('2026-11-22T16:00:01Z'))).to).toBe('2026-11-23T16:00:00.000Z');
});

test('custom: dates are Shanghai days (to inclusive), date-times exact; one day or less is hourly', () => {
  expect(iso(resolveWindow({ from: '2026-11-01', to: '2026-11-01' }, now))).toEqual({ from: '2026-10-31T16:00:00.000Z', to: '2026-11-01T16:00:00.000Z', granularity: 'hour', clamped: false });
  expect(iso(resolveWindow({ from: '2026-11-01', to: '2026-11-02' }, now)).granularity).toBe('day');
  expect(iso(resolveWindow({ from: '2026-11-20T10:00:00+08:00', to: '2026-11-20T12:30:00Z' }, now))).toEqual({ from: '2026-11-20T02:00:00.000Z', to: '2026-11-20T12:30:00.000Z', granularity: 'hour', clamped: false });
  expect(iso(resolveWindow({ from: '2026-11-20' }, now)).to).toBe('2026-11-22T16:00:00.000Z');
});

test('longer than 90 days: cut to 90 days from the start', () => {
  expect(iso(resolveWindow({ from: '2026-01-01', to: '2026-11-01' }, now))).toEqual({ from: '2025-12-31T16:00:00.000Z', to: '2026-03-31T16:00:00.000Z', granularity: 'day', clamped: true });
  expect(resolveWindow({ from: '2026-01-01', to: '2026-03-31' }, now).clamped).toBe(false); // exactly 90 days
});

test('bad windows are refused with a reason', () => {
  const reason = (q: Parameters<typeof resolveWindow>[0]) => {
    try {
      resolveWindow(q, now);
    } catch (e) {
      return e instanceof WindowError ? e.reason : 'other';
    }
    return 'accepted';
  };
  expect(reason({ days: 2 })).toBe('days is 1, 7 or 30');
  expect(reason({ days: 7, from: '2026-11-01' })).toBe('give either days or from/to, not both');
  expect(reason({ to: '2026-11-01' })).toBe('to needs from');
  expect(reason({ from: '2026-11-02', to: '2026-11-01' })).toBe('from must be before to');
  expect(reason({ from: '2026-11-01T10:00:00Z', to: '2026-11-01T10:00:00Z' })).toBe('from must be before to');
  expect(reason({ from: '2026-02-29' })).toBe('from is not a calendar date');
  expect(reason({ from: '2026-11-01T10:00' })).toMatch(/^from must be an ISO date/);
  expect(reason({ from: '2026-11-01', to: 'tomorrow' })).toMatch(/^to must be an ISO date/);
});
