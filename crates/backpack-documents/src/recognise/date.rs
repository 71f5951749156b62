//! Dates as certificates write them, in English and French.

/// Every unambiguous date in `line`, in order, as ISO `yyyy-mm-dd`.
///
/// Accepted: `Jan 5, 2024`, `January 5th, 2024`, `Jan. 5 2024`,
/// `5 January 2024`, `5th of January, 2024`, `1er mars 2024`,
/// `2024-01-05` (also with `/` or `.`, and a time after `T`),
/// `05.01.2024` (day first, as dotted dates are written), and
/// `dd/mm/yyyy` or `mm/dd/yyyy` (or with `-`) only when one reading is
/// impossible (a part over 12) or both agree (`05/05/2024`). Years
/// 1970–2100.
pub(crate) fn dates_in(line: &str) -> Vec<String> {
    let tokens: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| {
            t.trim_matches(|c: char| {
                matches!(
                    c,
                    '(' | ')' | '[' | ']' | ';' | ':' | '"' | '\'' | '“' | '”'
                )
            })
        })
        .filter(|t| !t.is_empty())
        .collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some((date, used)) = date_at(&tokens[i..]) {
            found.push(date);
            i += used;
        } else {
            i += 1;
        }
    }
    found
}

/// A date starting at `t[0]`, and how many tokens it took.
fn date_at(t: &[&str]) -> Option<(String, usize)> {
    let get = |i: usize| t.get(i).copied();
    // January 5, 2024 / Jan. 5th 2024
    if let (Some(m), Some(d), Some(y)) = (
        get(0).and_then(month),
        get(1).and_then(day),
        get(2).and_then(year),
    ) {
        if let Some(iso) = iso(y, m, d) {
            return Some((iso, 3));
        }
    }
    // 5 January 2024 / 5th of January, 2024 / 1er mars 2024
    if let Some(d) = get(0).and_then(day) {
        let skip = usize::from(get(1).is_some_and(|w| w.eq_ignore_ascii_case("of") || w == "de"));
        if let (Some(m), Some(y)) = (get(1 + skip).and_then(month), get(2 + skip).and_then(year)) {
            if let Some(iso) = iso(y, m, d) {
                return Some((iso, 3 + skip));
            }
        }
    }
    numeric(get(0)?).map(|iso| (iso, 1))
}

fn iso(y: u32, m: u32, d: u32) -> Option<String> {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => return None,
    };
    ((1970..=2100).contains(&y) && (1..=days).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

fn year(t: &str) -> Option<u32> {
    let t = t.trim_end_matches('.');
    (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

fn day(t: &str) -> Option<u32> {
    let t = t.trim_end_matches('.');
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, suffix) = t.split_at(digits);
    let suffix = suffix.to_ascii_lowercase();
    if !(1..=2).contains(&digits) || !["", "st", "nd", "rd", "th", "er"].contains(&suffix.as_str())
    {
        return None;
    }
    num.parse().ok().filter(|d| (1..=31).contains(d))
}

fn month(t: &str) -> Option<u32> {
    let t = t.trim_end_matches('.').to_lowercase();
    const NAMES: [&[&str]; 12] = [
        &["january", "jan", "janvier", "janv"],
        &[
            "february", "feb", "février", "fevrier", "févr", "fevr", "fév", "fev",
        ],
        &["march", "mar", "mars"],
        &["april", "apr", "avril", "avr"],
        &["may", "mai"],
        &["june", "jun", "juin"],
        &["july", "jul", "juillet", "juil"],
        &["august", "aug", "août", "aout"],
        &["september", "sep", "sept", "septembre"],
        &["october", "oct", "octobre"],
        &["november", "nov", "novembre"],
        &["december", "dec", "décembre", "decembre", "déc"],
    ];
    NAMES
        .iter()
        .position(|names| names.contains(&t.as_str()))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// `2024-01-05`, `2024/01/05`, `05.01.2024`, unambiguous `05/01/2024`.
fn numeric(t: &str) -> Option<String> {
    let t = t.split('T').next()?.trim_end_matches('.');
    let sep = t.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = t.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if ![a, b, c]
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|x| x.is_ascii_digit()))
    {
        return None;
    }
    let (na, nb, nc) = (
        a.parse::<u32>().ok()?,
        b.parse::<u32>().ok()?,
        c.parse::<u32>().ok()?,
    );
    if a.len() == 4 && b.len() <= 2 && c.len() <= 2 {
        return iso(na, nb, nc);
    }
    if c.len() != 4 || a.len() > 2 || b.len() > 2 {
        return None;
    }
    if sep == '.' {
        return iso(nc, nb, na);
    }
    match (na > 12, nb > 12) {
        (true, false) => iso(nc, nb, na),
        (false, true) => iso(nc, na, nb),
        (false, false) if na == nb => iso(nc, na, nb),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Option<String> {
        dates_in(s).into_iter().next()
    }

    #[test]
    fn month_name_forms() {
        for s in [
            "Jan 5, 2024",
            "January 5, 2024",
            "JANUARY 5, 2024",
            "Jan. 5, 2024",
            "January 5th, 2024",
            "January 5 2024",
            "5 January 2024",
            "5 Jan 2024",
            "5th of January, 2024",
            "05 January 2024",
            "Issued January 5, 2024.",
            "(Jan 5, 2024)",
            "le 5 janvier 2024",
            "5 janv. 2024",
        ] {
            assert_eq!(one(s).as_deref(), Some("2024-01-05"), "{s}");
        }
        assert_eq!(one("1er mars 2023").as_deref(), Some("2023-03-01"));
        assert_eq!(one("Sept 30, 2023").as_deref(), Some("2023-09-30"));
        assert_eq!(one("14 août 2022").as_deref(), Some("2022-08-14"));
        assert_eq!(one("Dec 31 1999").as_deref(), Some("1999-12-31"));
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(one("2024-01-05").as_deref(), Some("2024-01-05"));
        assert_eq!(one("2024-01-05T10:00:00Z").as_deref(), Some("2024-01-05"));
        assert_eq!(one("2024/1/5").as_deref(), Some("2024-01-05"));
        assert_eq!(one("05.01.2024").as_deref(), Some("2024-01-05"));
        // Unambiguous slashes: one part cannot be a month.
        assert_eq!(one("25/01/2024").as_deref(), Some("2024-01-25"));
        assert_eq!(one("01/25/2024").as_deref(), Some("2024-01-25"));
        assert_eq!(one("05/05/2024").as_deref(), Some("2024-05-05"));
        // Ambiguous: skipped.
        assert_eq!(one("05/01/2024"), None);
        assert_eq!(one("05-01-2024"), None);
    }

    #[test]
    fn refuses_impossible_dates_and_non_dates() {
        for s in [
            "February 30, 2024",
            "Feb 29, 2023",
            "April 31, 2024",
            "January 32, 2024",
            "January 5, 1850",
            "2024-13-01",
            "32/13/2024",
            "may 2024",
            "May I help",
            "Course 2 of 5",
            "version 1.2.3",
            "12345",
            "",
            "January 5th",
        ] {
            assert_eq!(one(s), None, "{s}");
        }
        assert_eq!(one("Feb 29, 2024").as_deref(), Some("2024-02-29"));
        assert_eq!(one("Feb 29, 2000").as_deref(), Some("2000-02-29"));
        assert_eq!(one("Feb 29, 2100"), None);
    }

    #[test]
    fn finds_every_date_in_order() {
        assert_eq!(
            dates_in("Issued Jan 5, 2024 - Expires 2026-01-05"),
            vec!["2024-01-05".to_owned(), "2026-01-05".to_owned()]
        );
    }
}
