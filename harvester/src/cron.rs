//! A small cron parser for the per-source schedules: five fields (minute, hour, day of month,
//! month, day of week; UTC) with `*`, lists, ranges and steps (`*/15`, `1-5`, `0,30`), or the
//! shorthands `@hourly`, `@daily`, `@weekly`, `@monthly`.

use time::{Duration, OffsetDateTime};

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    /// Both day fields restricted: cron matches either (Vixie cron rule).
    day_or: bool,
}

fn field(s: &str, min: u32, max: u32, name: &str) -> Result<u64, String> {
    let mut bits = 0u64;
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (
                r,
                st.parse::<u32>()
                    .ok()
                    .filter(|v| *v > 0)
                    .ok_or_else(|| format!("bad step `{st}` in the {name} field"))?,
            ),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let a = a.parse::<u32>().map_err(|_| format!("bad {name} `{a}`"))?;
            let b = b.parse::<u32>().map_err(|_| format!("bad {name} `{b}`"))?;
            (a, b)
        } else {
            let v = range
                .parse::<u32>()
                .map_err(|_| format!("bad {name} `{range}`"))?;
            (v, if part.contains('/') { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("{name} `{part}` is outside {min}-{max}"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl Schedule {
    pub fn parse(expr: &str) -> Result<Schedule, String> {
        let e = match expr.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            other => other,
        };
        let f: Vec<&str> = e.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!(
                "`{expr}` needs 5 fields: minute hour day-of-month month day-of-week"
            ));
        }
        let mut weekdays = field(f[4], 0, 7, "day of week")?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Schedule {
            minutes: field(f[0], 0, 59, "minute")?,
            hours: field(f[1], 0, 23, "hour")? as u32,
            days: field(f[2], 1, 31, "day of month")? as u32,
            months: field(f[3], 1, 12, "month")? as u16,
            weekdays: (weekdays & 0x7f) as u8,
            day_or: f[2] != "*" && f[4] != "*",
        })
    }

    fn matches(&self, t: OffsetDateTime) -> bool {
        self.day_matches(t)
            && self.minutes & (1 << t.minute()) != 0
            && self.hours & (1 << t.hour()) != 0
            && self.months & (1 << u8::from(t.month())) != 0
    }

    /// The first matching minute strictly after `after` (within about 4 years).
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let mut t =
            after.replace_second(0).ok()?.replace_nanosecond(0).ok()? + Duration::minutes(1);
        let limit = after + Duration::days(366 * 4);
        while t <= limit {
            if self.months & (1 << u8::from(t.month())) == 0 {
                // Jump to the first day of the next month.
                let (y, m) = if u8::from(t.month()) == 12 {
                    (t.year() + 1, time::Month::January)
                } else {
                    (t.year(), t.month().next())
                };
                t = t
                    .replace_day(1)
                    .ok()?
                    .replace_month(m)
                    .ok()?
                    .replace_year(y)
                    .ok()?
                    .replace_time(time::Time::MIDNIGHT);
                continue;
            }
            if !self.day_matches(t) {
                t = t.replace_time(time::Time::MIDNIGHT) + Duration::days(1);
                continue;
            }
            if self.hours & (1 << t.hour()) == 0 {
                t = t.replace_minute(0).ok()? + Duration::hours(1);
                continue;
            }
            if self.matches(t) {
                return Some(t);
            }
            t += Duration::minutes(1);
        }
        None
    }

    fn day_matches(&self, t: OffsetDateTime) -> bool {
        let dom = self.days & (1 << t.day()) != 0;
        let dow = self.weekdays & (1 << t.weekday().number_days_from_sunday()) != 0;
        if self.day_or {
            dom || dow
        } else {
            dom && dow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn next_runs() {
        let s = Schedule::parse("0 3 * * *").unwrap();
        assert_eq!(
            s.next_after(datetime!(2026-11-23 12:15 UTC)),
            Some(datetime!(2026-11-24 03:00 UTC))
        );
        let s = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(
            s.next_after(datetime!(2026-11-23 12:15:30 UTC)),
            Some(datetime!(2026-11-23 12:30 UTC))
        );
        let s = Schedule::parse("30 6 1 * *").unwrap();
        assert_eq!(
            s.next_after(datetime!(2026-11-23 12:15 UTC)),
            Some(datetime!(2026-12-01 06:30 UTC))
        );
        // Mondays at 02:00 (2026-11-23 is a Monday).
        let s = Schedule::parse("0 2 * * 1").unwrap();
        assert_eq!(
            s.next_after(datetime!(2026-11-23 12:15 UTC)),
            Some(datetime!(2026-11-30 02:00 UTC))
        );
        let s = Schedule::parse("0 0 1 1 *").unwrap();
        assert_eq!(
            s.next_after(datetime!(2026-11-23 12:15 UTC)),
            Some(datetime!(2027-01-01 00:00 UTC))
        );
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("* * *").is_err());
        assert!(Schedule::parse("*/0 * * * *").is_err());
        assert!(Schedule::parse("@daily").is_ok());
    }
}
