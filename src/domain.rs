//! Input types that parse instead of validate: once a value of one of these types exists, it
//! is known to be valid.

use crate::dataset::Catalog;

/// 3-32 characters of letters, digits, '_', '.', '-', starting with a letter or digit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Username(String);

impl Username {
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let n = s.chars().count();
        if !(3..=32).contains(&n) {
            return Err(format!("username must be 3 to 32 characters, got {n}"));
        }
        if !s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Err("username must start with a letter or a digit".into());
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c)))
        {
            return Err(format!(
                "username may hold letters, digits, '_', '.' and '-' only, not {c:?}"
            ));
        }
        Ok(Username(s.to_string()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// 8-128 characters.
pub(crate) struct Password(String);

/// The most common passwords of 8 characters or more (data/passwords/PROVENANCE.md).
const COMMON_PASSWORDS: &str = include_str!("../data/passwords/common.txt");

fn is_common(password: &str) -> bool {
    static COMMON: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    COMMON
        .get_or_init(|| COMMON_PASSWORDS.lines().collect())
        .contains(password.to_lowercase().as_str())
}

impl Password {
    /// 8-128 characters, and not one a guesser tries first: none of the most common passwords
    /// (any case), not the username, not blank, at least 4 different characters.
    pub(crate) fn parse(raw: &str, username: &Username) -> Result<Self, String> {
        let n = raw.chars().count();
        if n < 8 {
            return Err(format!("password must be at least 8 characters, got {n}"));
        }
        if n > 128 {
            return Err("password must be at most 128 characters".into());
        }
        let distinct: std::collections::HashSet<char> = raw.chars().collect();
        if raw.trim().is_empty() || distinct.len() < 4 {
            return Err(
                "password is too easy to guess: use at least 4 different characters".into(),
            );
        }
        if is_common(raw) {
            return Err("password is one of the most common ones: choose another".into());
        }
        let lower = raw.to_lowercase();
        if lower.contains(&username.as_str().to_lowercase()) {
            return Err("password must not contain the username".into());
        }
        Ok(Password(raw.to_string()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A rating: 0.5 to 5.0 in half-star steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stars(f32);

impl Stars {
    pub(crate) fn parse(v: f64) -> Result<Self, String> {
        if !v.is_finite() || !(0.5..=5.0).contains(&v) || (v * 2.0).fract() != 0.0 {
            return Err(format!(
                "rating must be 0.5 to 5.0 in steps of 0.5, got {v}"
            ));
        }
        Ok(Stars(v as f32))
    }

    pub(crate) fn value(self) -> f32 {
        self.0
    }
}

/// At least 3 distinct genres of the catalog, in the catalog's spelling.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GenreChoice(Vec<String>);

impl GenreChoice {
    pub(crate) fn parse(raw: &[String], catalog: &Catalog) -> Result<Self, String> {
        let mut out: Vec<String> = Vec::new();
        for g in raw {
            let known = catalog
                .genres()
                .iter()
                .find(|k| k.eq_ignore_ascii_case(g.trim()))
                .ok_or_else(|| {
                    format!(
                        "unknown genre {g:?}; choose from {}",
                        catalog.genres().join(", ")
                    )
                })?;
            if !out.contains(known) {
                out.push(known.clone());
            }
        }
        if out.len() < 3 {
            return Err(format!(
                "pick at least 3 different genres, got {}",
                out.len()
            ));
        }
        Ok(GenreChoice(out))
    }

    pub(crate) fn into_vec(self) -> Vec<String> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_passwords() {
        assert!(Username::parse("ann_1").is_ok());
        assert!(Username::parse("an").is_err());
        assert!(Username::parse("_ann").is_err());
        assert!(Username::parse("ann smith").is_err());
        let ann = Username::parse("ann_1").unwrap();
        assert!(Password::parse("short", &ann).is_err());
        assert!(Password::parse("long enough", &ann).is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("ferns at dusk", &ann).unwrap()),
            "Password(***)"
        );
        // What a guesser tries first (issue 26, finding 6).
        for weak in [
            "password",
            "PASSWORD",
            "12345678",
            "        ",
            "aaaaaaaa",
            "abababab",
            "iloveyou",
            "ann_1ann_1",
            "my ANN_1 pw",
        ] {
            assert!(Password::parse(weak, &ann).is_err(), "{weak:?}");
        }
    }

    #[test]
    fn stars_are_half_steps() {
        assert!(Stars::parse(4.5).is_ok());
        assert!(Stars::parse(0.5).is_ok());
        for bad in [0.0, 4.3, 5.5, f64::NAN, -1.0] {
            assert!(Stars::parse(bad).is_err(), "{bad}");
        }
    }
}
