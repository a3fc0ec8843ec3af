//! Identifier checks: the resident ID number (GB 11643, ISO 7064 MOD 11-2) and the unified social credit code (GB 32100, MOD 31).

use std::fmt;

/// Weights of the first 17 digits of a resident ID number: `2^(i-1) mod 11`, leftmost first.
const RESIDENT_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of `S mod 11`.
const RESIDENT_ID_CHECK: [u8; 11] = *b"10X98765432";

/// Why a resident ID number was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidentIdError {
    Length(usize),
    NotDigits,
    BirthDate(String),
    CheckDigit { expected: char, found: char },
}

impl fmt::Display for ResidentIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "resident ID number has {n} characters, expected 18 (or a legacy 15)"),
            Self::NotDigits => write!(f, "resident ID number must be 17 digits followed by a digit or X"),
            Self::BirthDate(d) => write!(f, "resident ID number holds an impossible birth date {d}"),
            Self::CheckDigit { expected, found } => {
                write!(f, "resident ID check digit is {found}, GB 11643 requires {expected}")
            }
        }
    }
}

/// A validated 18-digit resident ID number and the non-identifying attributes that may be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId {
    number: String,
}

impl ResidentId {
    /// Validates an 18-digit number (or converts a legacy 15-digit one) and its check digit.
    pub fn parse(raw: &str) -> Result<Self, ResidentIdError> {
        let raw = raw.trim();
        let number = match raw.len() {
            18 => raw.to_ascii_uppercase(),
            15 if raw.bytes().all(|b| b.is_ascii_digit()) => {
                let body = format!("{}19{}", &raw[..6], &raw[6..]);
                let check = resident_id_check_char(&body).ok_or(ResidentIdError::NotDigits)?;
                format!("{body}{check}")
            }
            _ => return Err(ResidentIdError::Length(raw.chars().count())),
        };
        let bytes = number.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(ResidentIdError::NotDigits);
        }
        let expected = resident_id_check_char(&number[..17]).ok_or(ResidentIdError::NotDigits)?;
        if expected as u8 != bytes[17] {
            return Err(ResidentIdError::CheckDigit { expected, found: bytes[17] as char });
        }
        let birth = &number[6..14];
        if chrono::NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() || &number[6..8] < "19" {
            return Err(ResidentIdError::BirthDate(birth.to_string()));
        }
        Ok(Self { number })
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// GB/T 2260 code of the place of first registration (not the residence).
    pub fn region_code(&self) -> &str {
        &self.number[..6]
    }

    pub fn birth_year(&self) -> i32 {
        self.number[6..10].parse().unwrap_or_default()
    }

    /// GB/T 2261.1 sex code: 1 male (odd sequence), 2 female (even sequence).
    pub fn sex_code(&self) -> u8 {
        if (self.number.as_bytes()[16] - b'0') % 2 == 1 { 1 } else { 2 }
    }
}

/// The GB 11643 check character for a 17-digit body, or `None` if the body is not 17 digits.
pub fn resident_id_check_char(body: &str) -> Option<char> {
    let bytes = body.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes.iter().zip(RESIDENT_ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(RESIDENT_ID_CHECK[(sum % 11) as usize] as char)
}

/// Whether `s` is a syntactically valid 18-digit resident ID number with a correct check digit.
pub fn is_valid_resident_id(s: &str) -> bool {
    s.len() == 18 && ResidentId::parse(s).is_ok()
}

/// The 31 characters of a unified social credit code, in value order (no I, O, S, V, Z).
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The GB 32100 check character for the first 17 characters of a unified social credit code.
pub fn uscc_check_char(body: &str) -> Option<char> {
    let bytes = body.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(USCC_WEIGHTS) {
        let value = USCC_ALPHABET.iter().position(|c| c == b)? as u32;
        sum += value * w;
    }
    Some(USCC_ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

/// Whether `s` is an 18-character unified social credit code with a correct check character.
pub fn is_valid_uscc(s: &str) -> bool {
    s.len() == 18 && uscc_check_char(&s[..17]).is_some_and(|c| c as u8 == s.as_bytes()[17])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_from_the_reference() {
        for id in ["360426199101010071", "34052419800101001X", "33060219850315123X", "330683198503151238"] {
            assert!(ResidentId::parse(id).is_ok(), "{id}");
        }
        assert_eq!(
            ResidentId::parse("360426199101010072"),
            Err(ResidentIdError::CheckDigit { expected: '1', found: '2' })
        );
        let id = ResidentId::parse("33060219850315123X").expect("valid");
        assert_eq!((id.region_code(), id.birth_year(), id.sex_code()), ("330602", 1985, 1));
    }

    #[test]
    fn legacy_fifteen_digit_ids_are_converted() {
        let id = ResidentId::parse("330602850315123").expect("valid legacy id");
        assert_eq!(id.as_str(), "33060219850315123X");
    }

    #[test]
    fn uscc_examples_from_the_reference() {
        for code in ["91110000600037341L", "91350100M000100Y43", "91110000101623741K", "911101066976941872"] {
            assert!(is_valid_uscc(code), "{code}");
        }
        assert!(!is_valid_uscc("91350211M0000XUF46"));
    }
}
